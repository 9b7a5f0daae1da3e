//! Crash safety: a `genuine sync` killed with SIGKILL at any moment — while
//! fetching or in the middle of applying a large base — leaves the previous
//! state intact, and a later sync succeeds.

use genuine::{Store, Verdict};
use genuine_format::revocation::ListKind;
use genuine_format::trust::TrustAnchor;
use genuine_tests::demo;
use genuine_tests::feed_server::FeedServer;
use std::process::{Command, Stdio};
use std::time::Instant;

const ENTRIES: u64 = 1_500_000;

fn sync_cmd(db: &std::path::Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genuine"));
    cmd.args(["sync", "--feed", url, "--db"]).arg(db).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// (revocation seq of acme, whether a sample of the big list is present)
fn state(db: &std::path::Path, anchor: &TrustAnchor, probe: &str) -> (Option<u64>, bool) {
    let store = Store::open(db, anchor).expect("store opens after a kill");
    let seq = store
        .summary(genuine::device_now())
        .expect("summary")
        .brands
        .iter()
        .find(|b| b.brand_id == "acme")
        .and_then(|b| b.revocation_seq);
    let revoked = matches!(
        genuine::verify(&store, probe, genuine::device_now()).expect("verify"),
        Verdict::Revoked { .. }
    );
    (seq, revoked)
}

#[test]
fn a_sync_killed_mid_apply_leaves_the_previous_state() {
    let now = genuine::device_now().as_secs();
    let mut a = demo::authority();
    // A large list: a base of 1.5 million entries (12 MB), with one real code in it.
    let serial = "CRASH2345";
    let probe = a
        .issue("acme", demo::product(demo::ACME_GTIN, None, serial, None), Some(1), None, now, true)
        .unwrap();
    let gtin = genuine_format::gs1::Gtin::parse(demo::ACME_GTIN).unwrap();
    a.revoke("acme", ListKind::Revoked, &gtin, serial).unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let entries: Vec<u64> = (0..ENTRIES)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect();
    a.revoke_entries("acme", ListKind::Revoked, &entries).unwrap();
    let feed = tempfile::tempdir().unwrap();
    a.publish(feed.path(), now, 86_400, true).unwrap();
    let server = FeedServer::start(feed.path().to_path_buf());

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("genuine.db");
    // The previous state: the demo bundle, never synced.
    let status =
        Command::new(env!("CARGO_BIN_EXE_genuine")).args(["status", "--db"]).arg(&db).output().unwrap();
    assert!(status.status.success());
    assert_eq!(state(&db, &a.anchor, &probe), (None, false));

    // How long a whole sync takes here, on a throwaway copy.
    let scratch = dir.path().join("scratch.db");
    std::fs::copy(&db, &scratch).unwrap();
    let start = Instant::now();
    assert!(sync_cmd(&scratch, &server.url).status().unwrap().success());
    let full = start.elapsed();
    assert_eq!(state(&scratch, &a.anchor, &probe), (Some(1), true));

    // Kill at spread-out moments, most of them late (the apply is at the end).
    let mut killed = 0;
    for i in 0..10u32 {
        let at = full.mul_f64(0.3 + 0.07 * f64::from(i));
        let mut child = sync_cmd(&db, &server.url).spawn().unwrap();
        std::thread::sleep(at);
        if child.try_wait().unwrap().is_none() {
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            killed += 1;
        }
        let _ = child.wait();
        let (seq, revoked) = state(&db, &a.anchor, &probe);
        // Either nothing of the sync, or all of it: never a half-applied list.
        assert!(
            matches!((seq, revoked), (None, false) | (Some(1), true)),
            "after kill {i}: {seq:?} {revoked}"
        );
        if seq.is_some() {
            break;
        }
    }
    assert!(killed > 0, "no sync was still running when killed (full sync took {full:?})");

    // A later sync succeeds.
    assert!(sync_cmd(&db, &server.url).status().unwrap().success());
    assert_eq!(state(&db, &a.anchor, &probe), (Some(1), true));
}
