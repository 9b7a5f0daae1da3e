//! Sync end to end against a real HTTP server on 127.0.0.1 serving feeds the
//! publisher wrote: every protection refuses with the store unchanged.

use genuine::Verdict;
use genuine::{CancelToken, FeedConfig, FetchError, HttpFeed, SyncError, sync};
use genuine_format::gs1::Gtin;
use genuine_format::revocation::ListKind;
use genuine_format::verdict::{Freshness, RevocationReason};
use genuine_tests::demo::{self, ACME_GTIN, NOW};
use genuine_tests::dump;
use genuine_tests::feed_server::Behavior;
use genuine_tests::world::{DAY, World, reqwest_transport};
use std::time::Duration;

fn serial_of(w: &World, name: &str) -> (Gtin, String, Option<String>) {
    let text = demo::fixtures(&w.a).into_iter().find(|f| f.file == name).unwrap().text;
    let link = genuine_format::link::DigitalLink::parse(&text).unwrap();
    (link.data.gtin().clone(), link.data.serial().unwrap().to_string(), link.data.batch().map(str::to_string))
}

fn revoked_reason(v: &Verdict) -> Option<&RevocationReason> {
    match v {
        Verdict::Revoked { reason, .. } => Some(reason),
        _ => None,
    }
}

#[test]
fn first_sync_then_not_modified_then_a_delta() {
    let mut w = World::new();
    let first = w.sync_at(NOW + 60).unwrap();
    assert_eq!(first.timestamp_version, 1);
    assert!(first.bytes_fetched > 0);
    match w.verdict("genuine.png", NOW + 60) {
        Verdict::Authentic(a) => assert_eq!(a.revocation, Freshness::Fresh),
        v => panic!("{v:?}"),
    }
    // Nothing published: the timestamp comes back 304 and nothing changes.
    let again = w.sync_at(NOW + 120).unwrap();
    assert!(again.not_modified);
    assert_eq!(w.server.not_modified(), 1);

    let (gtin, serial, _) = serial_of(&w, "genuine.png");
    w.a.revoke("acme", ListKind::Revoked, &gtin, &serial).unwrap();
    w.publish(NOW + 3600);
    let delta = w.sync_at(NOW + 3700).unwrap();
    assert_eq!(delta.revocations.len(), 1);
    assert_eq!((delta.revocations[0].from_seq, delta.revocations[0].to_seq), (0, 1));
    assert!(!delta.revocations[0].used_base);
    assert_eq!(revoked_reason(&w.verdict("genuine.png", NOW + 3700)), Some(&RevocationReason::CodeRevoked));
    assert!(matches!(w.verdict("genuine-full.png", NOW + 3700), Verdict::Authentic(_)));
}

#[test]
fn each_list_turns_authentic_into_revoked_with_its_reason() {
    let mut w = World::new();
    let (gtin, serial, batch) = serial_of(&w, "genuine-full.png");
    let (gtin2, serial2, _) = serial_of(&w, "genuine.png");
    w.a.revoke("acme", ListKind::Recalled, &gtin, batch.as_deref().unwrap()).unwrap();
    w.a.revoke("acme", ListKind::Cloned, &gtin2, &serial2).unwrap();
    w.publish(NOW + 10);
    w.sync_at(NOW + 20).unwrap();
    assert_eq!(
        revoked_reason(&w.verdict("genuine-full.png", NOW + 20)),
        Some(&RevocationReason::BatchRecalled)
    );
    assert_eq!(revoked_reason(&w.verdict("genuine.png", NOW + 20)), Some(&RevocationReason::CodeCloned));
    let _ = serial;

    // The revoker turns off key 1 online: every code it signed is revoked.
    assert!(matches!(w.verdict("lookalike-host.png", NOW + 20), Verdict::Authentic(_)));
    w.a.revoke_key_online("acme", 1).unwrap();
    w.publish(NOW + 30);
    w.sync_at(NOW + 40).unwrap();
    assert_eq!(
        revoked_reason(&w.verdict("lookalike-host.png", NOW + 40)),
        Some(&RevocationReason::KeyRevoked)
    );
    // Another brand's codes are untouched.
    assert!(matches!(w.verdict("other-brand.png", NOW + 40), Verdict::Forged { .. }));
}

#[test]
fn a_long_gap_is_bridged_with_a_base() {
    let mut w = World::new();
    let gtin = Gtin::parse(ACME_GTIN).unwrap();
    w.a.revoke("acme", ListKind::Revoked, &gtin, "FIRST2345").unwrap();
    w.publish(NOW + 1);
    w.sync_at(NOW + 2).unwrap();
    for i in 0..20 {
        w.a.revoke("acme", ListKind::Revoked, &gtin, &format!("GAP{i:05}")).unwrap();
        w.publish(NOW + 10 + i);
    }
    let report = w.sync_at(NOW + 100).unwrap();
    let change = &report.revocations[0];
    assert!(change.used_base, "{change:?}");
    assert_eq!((change.from_seq, change.to_seq), (1, 21));
    // Base at 16, then deltas 17..=21: not 20 deltas.
    assert_eq!(w.server.hits("v1/revocations/acme/2"), 0);
    assert_eq!(w.server.hits("v1/revocations/acme/base-16"), 1);
    let verify = |serial: &str| {
        let data = demo::product(ACME_GTIN, None, serial, None);
        let url = w.a.issue("acme", data, Some(1), None, NOW, true).unwrap();
        genuine::verify(&w.store, &url, genuine_tests::at(NOW + 100)).unwrap()
    };
    for serial in ["FIRST2345", "GAP00000", "GAP00015", "GAP00019"] {
        assert_eq!(revoked_reason(&verify(serial)), Some(&RevocationReason::CodeRevoked), "{serial}");
    }
    assert!(matches!(verify("NOTREVOKED"), Verdict::Authentic(_)));
}

#[test]
fn rollback_is_refused() {
    let mut w = World::new();
    let old = w.snapshot_feed();
    w.publish(NOW + 100);
    w.sync_at(NOW + 200).unwrap();
    w.server.set_dir(old.path().to_path_buf());
    assert!(matches!(w.refused(NOW + 300), SyncError::Rollback(_)));
}

#[test]
fn mix_and_match_is_refused() {
    let mut w = World::new();
    w.sync_at(NOW + 10).unwrap();
    // A newer snapshot names keyset v4; the server hands out the v3 file under v4's name.
    w.a.revoke_claim_key("acme", 1, NOW + 20).unwrap();
    w.publish(NOW + 20);
    let v = w.a.brands["acme"].keyset.version;
    let older = std::fs::read(w.feed.path().join(format!("v1/keysets/acme/{}", v - 1))).unwrap();
    w.server.set(&format!("v1/keysets/acme/{v}"), Behavior::Body(older));
    let reason = w.skipped(NOW + 30, "acme");
    assert!(reason.contains("mix-and-match"), "{reason}");
}

#[test]
fn an_expired_timestamp_is_a_freeze_and_verdicts_go_stale_then_unknown() {
    let mut w = World::new();
    w.sync_at(NOW + 60).unwrap();
    // The server keeps serving the same, now expired, timestamp.
    let err = w.refused(NOW + 2 * DAY);
    assert!(matches!(err, SyncError::Freeze { .. }), "{err}");
    let freshness = |w: &World, at| match w.verdict("genuine.png", at) {
        Verdict::Authentic(a) => a.revocation,
        v => panic!("{v:?}"),
    };
    assert_eq!(freshness(&w, NOW + 2 * DAY), Freshness::Stale { days: 2 });
    assert_eq!(freshness(&w, NOW + 31 * DAY), Freshness::Unknown);
    // Turning the device clock back cannot make expired data fresh: the
    // floor is the time of the timestamp we took (capped at the device clock).
    assert_eq!(freshness(&w, NOW - DAY), Freshness::Fresh);
}

#[test]
fn endless_data_is_cut_at_the_cap() {
    let mut w = World::new();
    w.server.set("v1/timestamp", Behavior::Endless);
    let err = w.refused(NOW + 10);
    assert!(matches!(err, SyncError::Fetch(FetchError::TooLarge { .. })), "{err}");
}

#[test]
fn slow_retrieval_times_out() {
    let mut w = World::new();
    w.server.set("v1/snapshot/1", Behavior::Stall);
    let err = w.refused(NOW + 10);
    assert!(matches!(err, SyncError::Fetch(FetchError::Timeout(_))), "{err}");
}

#[test]
fn a_fork_is_refused() {
    let mut w = World::new();
    let gtin = Gtin::parse(ACME_GTIN).unwrap();
    let mut fork = w.a.clone();
    w.a.revoke("acme", ListKind::Revoked, &gtin, "HONEST234").unwrap();
    w.publish(NOW + 10);
    w.sync_at(NOW + 20).unwrap();
    // Someone holding the revoker key publishes a different history.
    let forked = tempfile::tempdir().unwrap();
    fork.revoke("acme", ListKind::Revoked, &gtin, "OTHER2345").unwrap();
    fork.publish(forked.path(), NOW + 10, DAY, false).unwrap();
    fork.revoke("acme", ListKind::Revoked, &gtin, "OTHER3456").unwrap();
    fork.publish(forked.path(), NOW + 30, DAY, false).unwrap();
    fork.publish(forked.path(), NOW + 40, DAY, false).unwrap();
    w.server.set_dir(forked.path().to_path_buf());
    let reason = w.skipped(NOW + 50, "acme");
    assert!(reason.contains("fork"), "{reason}");
}

#[test]
fn bad_signatures_are_refused() {
    let mut w = World::new();
    let ts = std::fs::read(w.feed.path().join("v1/timestamp")).unwrap();
    let mut bad = ts.clone();
    let n = bad.len();
    bad[n - 5] ^= 0x01; // inside the signature, the last field
    w.server.set("v1/timestamp", Behavior::Body(bad));
    assert!(matches!(w.refused(NOW + 10), SyncError::Untrusted { .. }));
    w.server.clear();

    let gtin = Gtin::parse(ACME_GTIN).unwrap();
    w.a.revoke("acme", ListKind::Revoked, &gtin, "SIGNED234").unwrap();
    w.publish(NOW + 20);
    let delta = std::fs::read(w.feed.path().join("v1/revocations/acme/1")).unwrap();
    let mut bad = delta.clone();
    let n = bad.len();
    bad[n - 5] ^= 0x01;
    w.server.set("v1/revocations/acme/1", Behavior::Body(bad));
    let reason = w.skipped(NOW + 30, "acme");
    assert!(reason.contains("signature"), "{reason}");
}

#[test]
fn a_revoker_cannot_revoke_another_brands_codes() {
    let mut w = World::new();
    // Globex's lists signed with Acme's revoker key.
    let acme_revoker = w.a.brands["acme"].revoker_keys.clone();
    w.a.brands.get_mut("globex").unwrap().revoker_keys = acme_revoker;
    let gtin = Gtin::parse(demo::GLOBEX_GTIN).unwrap();
    w.a.revoke("globex", ListKind::Revoked, &gtin, "VICTIM234").unwrap();
    w.publish(NOW + 10);
    let reason = w.skipped(NOW + 20, "globex");
    assert!(reason.contains("signature"), "{reason}");
}

#[test]
fn truncated_bodies_404s_and_500s_change_nothing() {
    let mut w = World::new();
    w.server.set("v1/snapshot/1", Behavior::Truncate);
    let err = w.refused(NOW + 10);
    assert!(matches!(err, SyncError::Fetch(FetchError::Transport(..))), "{err}");
    assert!(err.is_transient());
    assert_eq!(w.server.hits("v1/snapshot/1"), 2, "a transient failure is retried once");

    w.server.set("v1/snapshot/1", Behavior::Status(500));
    let err = w.refused(NOW + 10);
    assert!(matches!(err, SyncError::Fetch(FetchError::Status { status: 500, .. })), "{err}");

    w.server.clear();
    w.server.set("v1/snapshot/1", Behavior::Status(404));
    assert!(matches!(w.refused(NOW + 10), SyncError::Missing(_)));
    w.server.set("v1/timestamp", Behavior::Status(403));
    let err = w.refused(NOW + 10);
    assert!(!err.is_transient(), "{err}");

    // And once the server behaves, the sync goes through.
    w.server.clear();
    w.sync_at(NOW + 10).unwrap();
}

#[test]
fn a_root_rotation_arrives_by_sync() {
    let mut w = World::new();
    w.sync_at(NOW + 10).unwrap();
    w.a.rotate_root(3, 2, demo::VERIFY_UNTIL, NOW + 20, &mut demo::seeded("sync-rotation")).unwrap();
    w.publish(NOW + 20);
    let report = w.sync_at(NOW + 30).unwrap();
    assert_eq!(report.trust.roots_added, vec![2]);
    assert_eq!(w.store.summary(genuine_tests::at(NOW + 30)).unwrap().root_version, Some(2));
    assert!(matches!(w.verdict("genuine.png", NOW + 30), Verdict::Authentic(_)));
}

#[test]
fn a_cancelled_sync_changes_nothing_and_the_next_one_works() {
    let mut w = World::new();
    let gtin = Gtin::parse(ACME_GTIN).unwrap();
    w.a.revoke("acme", ListKind::Revoked, &gtin, "CANCEL234").unwrap();
    w.publish(NOW + 10);
    // The delta stalls; the caller gives up (a coroutine cancel drops the SDK's future,
    // which cancels the token). The deadline is long: only the cancel can end this.
    w.server.set("v1/revocations/acme/1", Behavior::Stall);
    let before = dump(&w.db);
    let cancel = CancelToken::default();
    let config = FeedConfig { request_timeout: Duration::from_secs(120), ..Default::default() };
    let feed = HttpFeed::new(&w.server.url, reqwest_transport(), config).unwrap();
    let canceller = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            cancel.cancel();
        })
    };
    assert!(matches!(
        sync(&mut w.store, &feed, genuine_tests::at(NOW + 20), &cancel),
        Err(SyncError::Cancelled)
    ));
    canceller.join().unwrap();
    assert_eq!(w.server.hits("v1/revocations/acme/1"), 1, "cancelled during the stalled fetch, not retried");
    assert_eq!(before, dump(&w.db));
    // A token cancelled up front fetches nothing at all.
    let timestamps = w.server.hits("v1/timestamp");
    assert!(matches!(
        sync(&mut w.store, &feed, genuine_tests::at(NOW + 20), &cancel),
        Err(SyncError::Cancelled)
    ));
    assert_eq!(w.server.hits("v1/timestamp"), timestamps);
    assert_eq!(before, dump(&w.db));
    w.server.clear();
    w.sync_at(NOW + 30).unwrap();
}
