//! The misbehaving-server suite (`genuine_tests::lab`) through the reqwest
//! transport: one device syncing through every step over real HTTP on
//! 127.0.0.1, each refusal leaving its store byte for byte as it was. The
//! Kotlin SDK runs the same steps through its own transport
//! (`bindings/kotlin/.../SyncLabTest.kt`).

use genuine::{CancelToken, FeedConfig, HttpFeed, SyncError, sync};
use genuine_tests::dump;
use genuine_tests::lab::{CANCEL_AFTER, Expect, Lab, REQUEST_TIMEOUT, STEPS};
use genuine_tests::world::reqwest_transport;

/// Is `e` the network's fault (retry later) rather than the feed's? The same
/// split as the SDK's `GenuineError.Network` / `FeedRefused`.
fn is_network(e: &SyncError) -> bool {
    matches!(e, SyncError::Fetch(_) | SyncError::Cancelled | SyncError::Concurrent)
}

#[test]
fn every_step_through_reqwest() {
    let mut lab = Lab::new();
    let (dir, mut store) = genuine_tests::demo_store();
    let db = dir.path().join("genuine.db");
    let config = FeedConfig { request_timeout: REQUEST_TIMEOUT, ..FeedConfig::default() };
    let feed = HttpFeed::new(lab.url(), reqwest_transport(), config).unwrap();
    for (name, _) in STEPS {
        let expect = lab.step(name).unwrap();
        let before = dump(&db);
        let cancel = CancelToken::default();
        let canceller = (expect == Expect::Cancelled).then(|| {
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(CANCEL_AFTER);
                cancel.cancel();
            })
        });
        let result = sync(&mut store, &feed, genuine_tests::at(genuine::device_now().as_secs()), &cancel);
        if let Some(c) = canceller {
            c.join().unwrap();
        }
        match (expect, result) {
            (Expect::Synced, Ok(r)) => assert!(!r.not_modified && r.refused.is_empty(), "{name}: {r:?}"),
            (Expect::NotModified, Ok(r)) => assert!(r.not_modified, "{name}: {r:?}"),
            (Expect::Delta | Expect::Base, Ok(r)) => {
                let base = expect == Expect::Base;
                assert!(r.revocations.iter().any(|c| c.used_base == base), "{name}: {r:?}");
            }
            (Expect::Network(words) | Expect::FeedRefused(words), Err(e)) => {
                assert_eq!(is_network(&e), matches!(expect, Expect::Network(_)), "{name}: {e}");
                assert!(e.to_string().contains(words), "{name}: {e}");
                assert_eq!(before, dump(&db), "{name} changed the store: {e}");
            }
            (Expect::Cancelled, Err(SyncError::Cancelled)) => assert_eq!(before, dump(&db), "{name}"),
            (expect, got) => panic!("{name}: expected {expect:?}, got {got:?}"),
        }
    }
}
