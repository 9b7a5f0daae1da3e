//! Verification from 8 threads while syncs run: no error, no "database is locked".

use genuine::{FeedConfig, HttpFeed, ReqwestTransport};
use genuine::{Store, Verdict};
use genuine_format::revocation::ListKind;
use genuine_tests::demo::{self, NOW};
use genuine_tests::feed_server::FeedServer;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[test]
fn eight_threads_verify_while_a_sync_runs() {
    let mut a = demo::authority();
    let feed = tempfile::tempdir().unwrap();
    let server = FeedServer::start(feed.path().to_path_buf());
    let (dir, mut store) = genuine_tests::demo_store();
    let db = dir.path().join("genuine.db");
    let codes: Vec<String> = demo::fixtures(&a).into_iter().map(|f| f.text).collect();

    let done = Arc::new(AtomicBool::new(false));
    let verified = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (db, anchor, codes) = (db.clone(), a.anchor.clone(), codes.clone());
            let (done, verified) = (Arc::clone(&done), Arc::clone(&verified));
            std::thread::spawn(move || {
                // Each thread its own connection, as an app's verifier pool would.
                let store = Store::open(&db, &anchor).expect("open");
                let mut i = t;
                while !done.load(Ordering::Relaxed) {
                    let verdict =
                        genuine::verify(&store, &codes[i % codes.len()], genuine_tests::at(NOW + 3600))
                            .expect("verify never fails");
                    assert!(!matches!(verdict, Verdict::Malformed { .. }));
                    verified.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();

    let http = HttpFeed::new(&server.url, ReqwestTransport::new().unwrap(), FeedConfig::default()).unwrap();
    let mut x = 7u64;
    for round in 0..6u64 {
        let entries: Vec<u64> = (0..50_000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                x
            })
            .collect();
        a.revoke_entries("acme", ListKind::Revoked, &entries).unwrap();
        a.publish(feed.path(), NOW + round * 60, 86_400, false).unwrap();
        genuine::sync(&mut store, &http, genuine_tests::at(NOW + round * 60 + 30), &Default::default())
            .expect("sync");
    }
    done.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("a verifier thread failed");
    }
    assert!(verified.load(Ordering::Relaxed) > 100);
    assert_eq!(store.summary(genuine_tests::at(NOW + 3600)).unwrap().brands[0].revocation_seq, Some(6));
}
