//! The same planner over both stores: a feed synced into a phone's SQLite
//! file and, in rounds (as a browser's page syncs), into a `MemoryState`
//! gives the same chain state and the same verdict for every demo code,
//! through deltas, removals, a base and a key revoked online; and a hostile
//! answer in a round is refused with the memory state unchanged.

use genuine::{
    Answers, CancelToken, Fetch, FetchError, Fetched, MemoryState, Round, SyncError, SyncReport, TrustState,
    Verdict, sync, sync_round, verify,
};
use genuine_format::link::DigitalLink;
use genuine_format::revocation::ListKind;
use genuine_issuer::authority::Authority;
use genuine_tests::demo::{self, NOW};
use genuine_tests::{DirFeed, at, demo_store};
use std::path::Path;

const DAY: u64 = 86_400;

/// Syncs `state` from the feed in `dir` in rounds; also returns the rounds taken.
fn in_rounds(state: &mut MemoryState, dir: &Path, now: u64) -> Result<(SyncReport, usize), SyncError> {
    let mut answers = Answers::new();
    for rounds in 1.. {
        match sync_round(state, &answers, at(now))? {
            Round::Synced(report) => return Ok((report, rounds)),
            Round::Need(file) => {
                let got =
                    DirFeed(dir.to_path_buf()).fetch(&file.path, file.cap, None, &CancelToken::default());
                answers.answer(&file.path, got);
            }
        }
    }
    unreachable!()
}

/// A brand's change between two publishes.
type Step<'a> = Box<dyn Fn(&mut Authority) + 'a>;

fn memory_with_bundle(a: &Authority) -> MemoryState {
    let mut state = MemoryState::new(&a.anchor);
    state.import_bundle(&a.bundle().unwrap().encode(), at(demo::T0)).unwrap();
    state
}

fn verdicts<S: TrustState>(store: &S, a: &Authority, now: u64) -> Vec<Verdict> {
    demo::fixtures(a).iter().map(|f| verify(store, &f.text, at(now)).unwrap()).collect()
}

fn serial(a: &Authority, file: &str) -> DigitalLink {
    let text = demo::fixtures(a).into_iter().find(|f| f.file == file).unwrap().text;
    DigitalLink::parse(&text).unwrap()
}

#[test]
fn sqlite_and_memory_agree_through_deltas_removals_a_base_and_online_key_revocation() {
    let mut a = demo::authority();
    let feed = tempfile::tempdir().unwrap();
    let (_dir, mut sqlite) = demo_store();
    let mut memory = memory_with_bundle(&a);
    assert_eq!(verdicts(&sqlite, &a, NOW), verdicts(&memory, &a, NOW), "from the bundle alone");

    let genuine = serial(&a, "genuine.png");
    let full = serial(&a, "genuine-full.png");
    let gtin = genuine.data.gtin().clone();
    let steps: Vec<Step> = vec![
        Box::new(|_| {}),
        Box::new(|a| a.revoke("acme", ListKind::Revoked, &gtin, genuine.data.serial().unwrap()).unwrap()),
        Box::new(|a| {
            a.revoke("acme", ListKind::Recalled, &gtin, full.data.batch().unwrap()).unwrap();
            a.revoke("acme", ListKind::Cloned, &gtin, full.data.serial().unwrap()).unwrap();
        }),
        Box::new(|a| a.reinstate("acme", ListKind::Revoked, &gtin, genuine.data.serial().unwrap()).unwrap()),
        Box::new(|a| a.revoke_key_online("globex", 1).unwrap()),
    ];
    let mut now = NOW;
    for (i, step) in steps.iter().enumerate() {
        step(&mut a);
        now += 3600;
        a.publish(feed.path(), now, DAY, false).unwrap();
        let phone =
            sync(&mut sqlite, &DirFeed(feed.path().to_path_buf()), at(now + 60), &CancelToken::default())
                .unwrap();
        let (page, rounds) = in_rounds(&mut memory, feed.path(), now + 60).unwrap();
        assert_eq!(phone.revocations, page.revocations, "step {i}");
        assert_eq!(phone.trust, page.trust, "step {i}");
        // A round per file fetched, one for the next root's 404, one to finish.
        assert!(rounds <= phone.files_fetched as usize + 2, "step {i}: {rounds} rounds");
        assert_eq!(verdicts(&sqlite, &a, now + 60), verdicts(&memory, &a, now + 60), "step {i}");
        let (p, m) = (sqlite.feed_state().unwrap(), memory.feed_state().unwrap());
        assert_eq!(p.chains, m.chains, "step {i}");
        assert_eq!(
            (p.timestamp_version, p.timestamp_seen_at, p.timestamp_live_until, p.time_floor),
            (m.timestamp_version, m.timestamp_seen_at, m.timestamp_live_until, m.time_floor),
            "step {i}"
        );
    }
    let v = verdicts(&memory, &a, now + 60);
    assert!(v.iter().any(|v| matches!(v, Verdict::Revoked { .. })), "{v:?}");
    // A gap longer than a device bridges by deltas: both start from a base.
    for _ in 0..=genuine_sync::MAX_DELTA_RUN {
        a.revoke_entries("acme", ListKind::Revoked, &[now]).unwrap();
        now += 60;
        a.publish(feed.path(), now, DAY, false).unwrap();
    }
    let phone = sync(&mut sqlite, &DirFeed(feed.path().to_path_buf()), at(now + 60), &CancelToken::default())
        .unwrap();
    let (page, _) = in_rounds(&mut memory, feed.path(), now + 60).unwrap();
    assert!(page.revocations.iter().any(|r| r.used_base));
    assert_eq!(phone.revocations, page.revocations);
    assert_eq!(verdicts(&sqlite, &a, now + 60), verdicts(&memory, &a, now + 60));
    assert_eq!(sqlite.feed_state().unwrap().chains, memory.feed_state().unwrap().chains);
}

/// Serves the feed in `dir`, except `path`, which gets `answer`.
fn hostile_round(dir: &Path, path: &str, answer: Result<Fetched, FetchError>) -> SyncError {
    let a = demo::authority();
    let mut state = memory_with_bundle(&a);
    let before = format!("{:?}", state.feed_state().unwrap().chains);
    let revision = state.feed_state().unwrap().revision;
    let mut answers = Answers::new();
    answers.answer(path, answer);
    let err = loop {
        match sync_round(&mut state, &answers, at(NOW + 60)) {
            Ok(Round::Need(file)) => {
                let got =
                    DirFeed(dir.to_path_buf()).fetch(&file.path, file.cap, None, &CancelToken::default());
                answers.answer(&file.path, got);
            }
            Ok(Round::Synced(r)) => panic!("a hostile answer for {path} was taken: {r:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(state.feed_state().unwrap().revision, revision, "{err}");
    assert_eq!(format!("{:?}", state.feed_state().unwrap().chains), before);
    assert!(matches!(verify(&state, &demo::fixtures(&a)[0].text, at(NOW)).unwrap(), Verdict::Authentic(_)));
    err
}

#[test]
fn hostile_answers_in_a_round_are_refused_and_change_nothing() {
    let mut a = demo::authority();
    let feed = tempfile::tempdir().unwrap();
    a.publish(feed.path(), NOW, DAY, false).unwrap();
    let timestamp = std::fs::read(feed.path().join("v1/timestamp")).unwrap();

    // Endless data: more than the cap, whatever the embedder's fetch did.
    let huge = Ok(Fetched::Body(vec![0xA5; 1 << 20], None));
    let err = hostile_round(feed.path(), "v1/timestamp", huge);
    assert!(matches!(err, SyncError::Fetch(FetchError::TooLarge { .. })), "{err}");
    // A signature that does not verify.
    let mut forged = timestamp.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let err = hostile_round(feed.path(), "v1/timestamp", Ok(Fetched::Body(forged, None)));
    assert!(matches!(err, SyncError::Untrusted { .. }), "{err}");
    // The network's failure is the sync's, not a file's.
    let err = hostile_round(feed.path(), "v1/timestamp", Err(FetchError::Timeout("v1/timestamp".into())));
    assert!(err.is_transient(), "{err}");
    // Freeze: a timestamp that expired.
    let stale = tempfile::tempdir().unwrap();
    a.publish(stale.path(), NOW - 3 * DAY, DAY, false).unwrap();
    let old = std::fs::read(stale.path().join("v1/timestamp")).unwrap();
    let err = hostile_round(feed.path(), "v1/timestamp", Ok(Fetched::Body(old, None)));
    assert!(matches!(err, SyncError::Freeze { .. }), "{err}");
}

#[test]
fn sqlite_and_memory_agree_through_a_fold_into_filters() {
    let mut a = demo::authority();
    // Printed once: a folded key signs no more codes.
    let fixtures = demo::fixtures(&a);
    let feed = tempfile::tempdir().unwrap();
    let (_dir, mut sqlite) = demo_store();
    let mut memory = memory_with_bundle(&a);
    let links: Vec<DigitalLink> = fixtures.iter().filter_map(|f| DigitalLink::parse(&f.text).ok()).collect();
    let mut universe = genuine_issuer::filters::Universe { kid: 1, ..Default::default() };
    for l in links.iter().filter(|l| l.data.serial().is_some()) {
        let (g, s) = (l.data.gtin().as_str(), l.data.serial().unwrap_or_default());
        universe.revoked.push(genuine_format::revocation::entry(ListKind::Revoked, g, s));
        universe.cloned.push(genuine_format::revocation::entry(ListKind::Cloned, g, s));
    }
    let file =
        |name: &str| DigitalLink::parse(&fixtures.iter().find(|f| f.file == name).unwrap().text).unwrap();
    let (genuine, full) = (file("genuine.png"), file("genuine-full.png"));
    let gtin = genuine.data.gtin().clone();
    a.revoke("acme", ListKind::Revoked, &gtin, genuine.data.serial().unwrap()).unwrap();
    a.revoke("acme", ListKind::Cloned, &gtin, full.data.serial().unwrap()).unwrap();
    let texts: Vec<&str> = fixtures.iter().map(|f| f.text.as_str()).collect();
    let both = |sqlite: &genuine::Store, memory: &MemoryState, now: u64| {
        let one = |s: &dyn Fn(&str) -> Verdict| texts.iter().map(|t| s(t)).collect::<Vec<_>>();
        (one(&|t| verify(sqlite, t, at(now)).unwrap()), one(&|t| verify(memory, t, at(now)).unwrap()))
    };
    let mut now = NOW;
    for fold in [false, true, false] {
        now += 3600;
        if fold {
            let mut universes =
                std::collections::BTreeMap::from([("acme".to_string(), vec![universe.clone()])]);
            let report = a.publish_folding(feed.path(), now, DAY, false, &mut universes).unwrap();
            assert_eq!(report.filters.len(), 1);
        } else {
            a.publish(feed.path(), now, DAY, false).unwrap();
        }
        sync(&mut sqlite, &DirFeed(feed.path().to_path_buf()), at(now + 60), &CancelToken::default())
            .unwrap();
        in_rounds(&mut memory, feed.path(), now + 60).unwrap();
        let (p, m) = both(&sqlite, &memory, now + 60);
        assert_eq!(p, m, "fold {fold}");
        assert_eq!(p.iter().filter(|v| matches!(v, Verdict::Revoked { .. })).count(), 3, "{p:?}");
        assert_eq!(sqlite.feed_state().unwrap().chains, memory.feed_state().unwrap().chains);
    }
    assert!(sqlite.feed_state().unwrap().chains["acme"].filter_seq > 0);
}
