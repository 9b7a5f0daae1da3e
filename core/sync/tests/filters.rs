//! Exact revocation filters through a real sync: a brand folds its lists
//! into filters over a closed key's serials, phones that synced the old
//! format move over in one sync with nothing lost, and a feed that serves
//! the filters wrongly changes nothing.

use genuine::Verdict;
use genuine_format::feed::{FILTER_TYPE, RevocationFilterDoc};
use genuine_format::gs1::Gtin;
use genuine_format::revocation::{Entry, ListKind, entry};
use genuine_format::verdict::RevocationReason;
use genuine_issuer::filters::Universe;
use genuine_tests::demo::{self, ACME_GTIN, NOW};
use genuine_tests::feed_server::Behavior;
use genuine_tests::world::{DAY, World};
use std::collections::BTreeMap;

/// Key 1's universe: every demo code it signed, and 20,000 other serials.
fn universe(w: &World) -> Universe {
    let mut u = Universe { kid: 1, ..Universe::default() };
    let mut add = |gtin: &str, serial: &str| {
        u.revoked.push(entry(ListKind::Revoked, gtin, serial));
        u.cloned.push(entry(ListKind::Cloned, gtin, serial));
    };
    for f in &w.fixtures {
        if let Ok(link) = genuine_format::link::DigitalLink::parse(&f.text)
            && let Some(serial) = link.data.serial()
        {
            add(link.data.gtin().as_str(), serial);
        }
    }
    for i in 0..20_000 {
        add(ACME_GTIN, &format!("S{i:07}"));
    }
    u
}

fn serial_of(w: &World, name: &str) -> (Gtin, String) {
    let text = &w.fixtures.iter().find(|f| f.file == name).unwrap().text;
    let link = genuine_format::link::DigitalLink::parse(text).unwrap();
    (link.data.gtin().clone(), link.data.serial().unwrap().to_string())
}

fn reason(v: &Verdict) -> Option<&RevocationReason> {
    match v {
        Verdict::Revoked { reason, .. } => Some(reason),
        _ => None,
    }
}

fn fold(w: &mut World, at: u64) -> genuine_issuer::publish::PublishReport {
    let mut universes = BTreeMap::from([("acme".to_string(), vec![universe(w)])]);
    w.a.publish_folding(w.feed.path(), at, DAY, false, &mut universes).unwrap()
}

/// The demo world with `n` serials of key 1 and two demo codes revoked as
/// today's entries, published at `NOW + 10` and synced by the phone.
fn on_entries(n: usize) -> World {
    let mut w = World::new();
    revoke_many(&mut w, n);
    w.publish(NOW + 10);
    w.sync_at(NOW + 20).unwrap();
    w
}

/// The demo world with `n` serials of key 1 and two demo codes revoked,
/// folded into filters at `NOW + 10` (not yet synced).
fn folded(n: usize) -> World {
    let mut w = World::new();
    revoke_many(&mut w, n);
    fold(&mut w, NOW + 10);
    w
}

fn count(w: &World, sql: &str) -> i64 {
    rusqlite::Connection::open(&w.db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Entries the store holds in its buckets, of every brand and list.
fn stored_entries(w: &World) -> i64 {
    count(w, "SELECT COALESCE(SUM(length(entries)), 0) / 8 FROM rev_buckets")
}

/// Revokes `n` serials of key 1's universe and one code of each demo list.
fn revoke_many(w: &mut World, n: usize) -> Vec<Entry> {
    let gtin = Gtin::parse(ACME_GTIN).unwrap();
    let (g, s) = serial_of(w, "genuine.png");
    w.a.revoke("acme", ListKind::Revoked, &g, &s).unwrap();
    let (g, s) = serial_of(w, "genuine-full.png");
    w.a.revoke("acme", ListKind::Cloned, &g, &s).unwrap();
    let entries: Vec<Entry> =
        (0..n).map(|i| entry(ListKind::Revoked, gtin.as_str(), &format!("S{i:07}"))).collect();
    w.a.revoke_entries("acme", ListKind::Revoked, &entries).unwrap();
    entries
}

#[test]
fn a_phone_on_entries_moves_to_filters_in_one_sync_and_nothing_is_lost() {
    let mut w = on_entries(300);
    assert_eq!(stored_entries(&w), 302, "today's format: every entry stored");
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 20)), Some(&RevocationReason::CodeRevoked));

    let report = fold(&mut w, NOW + 30);
    assert_eq!(report.filters.len(), 1, "{report:?}");
    assert_eq!(report.filters[0].covered, 302);
    let synced = w.sync_at(NOW + 40).unwrap();
    assert!(synced.revocations[0].used_base, "the phone takes the base that goes with the filters");
    assert_eq!(stored_entries(&w), 0, "the base left out what the filters answer");
    assert_eq!(count(&w, "SELECT count(*) FROM rev_filters"), 1);
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 40)), Some(&RevocationReason::CodeRevoked));
    assert_eq!(reason(&w.verdict("genuine-full.png", NOW + 40)), Some(&RevocationReason::CodeCloned));
    // Codes of the universe that were never revoked stay genuine.
    assert!(matches!(w.verdict("lookalike-host.png", NOW + 40), Verdict::Authentic(_)));

    // A revocation after the fold travels as a delta entry, no base again.
    let (g, s) = serial_of(&w, "lookalike-host.png");
    w.a.revoke("acme", ListKind::Revoked, &g, &s).unwrap();
    w.publish(NOW + 50);
    let delta = w.sync_at(NOW + 60).unwrap();
    assert!(!delta.revocations[0].used_base);
    assert_eq!(stored_entries(&w), 1);
    assert_eq!(reason(&w.verdict("lookalike-host.png", NOW + 60)), Some(&RevocationReason::CodeRevoked));
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 60)), Some(&RevocationReason::CodeRevoked));
}

#[test]
fn a_first_sync_after_a_fold_gets_base_and_filters() {
    let mut w = folded(50);
    // More deltas, and a due base, after the fold: they leave out the same.
    for i in 0..9u64 {
        let gtin = Gtin::parse(ACME_GTIN).unwrap();
        w.a.revoke("acme", ListKind::Revoked, &gtin, &format!("LATER{i}")).unwrap();
        w.publish(NOW + 20 + i);
    }
    let first = w.sync_at(NOW + 40).unwrap();
    assert!(first.revocations.first().is_some_and(|r| r.used_base), "{first:?}");
    assert_eq!(count(&w, "SELECT count(*) FROM rev_filters"), 1);
    assert_eq!(stored_entries(&w), 9, "the later entries only");
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 40)), Some(&RevocationReason::CodeRevoked));
}

#[test]
fn reinstating_a_folded_entry_waits_for_the_next_fold() {
    let mut w = folded(5);
    w.sync_at(NOW + 20).unwrap();
    let (g, s) = serial_of(&w, "genuine.png");
    w.a.reinstate("acme", ListKind::Revoked, &g, &s).unwrap();
    let err = w.a.publish(w.feed.path(), NOW + 30, DAY, false).expect_err("a delta cannot unfold");
    assert!(err.to_string().contains("--fold"), "{err}");
    // The next fold rebuilds without it.
    fold(&mut w, NOW + 40);
    w.sync_at(NOW + 50).unwrap();
    assert!(matches!(w.verdict("genuine.png", NOW + 50), Verdict::Authentic(_)));
    assert_eq!(reason(&w.verdict("genuine-full.png", NOW + 50)), Some(&RevocationReason::CodeCloned));
}

#[test]
fn a_key_folded_into_filters_signs_no_more_codes() {
    let w = folded(5);
    let data = demo::product(ACME_GTIN, None, "AFTERFOLD1", None);
    let err = w.a.issue("acme", data, Some(1), None, NOW + 20, true).expect_err("folded key");
    assert!(matches!(err, genuine_issuer::authority::AuthorityError::FoldedKey(_, 1)), "{err}");
}

fn filter_path(w: &World) -> String {
    let seq = w.a.feed.revocations["acme"].filter.as_ref().expect("filters").seq;
    genuine_format::feed::paths::filter("acme", seq)
}

#[test]
fn filter_bytes_other_than_the_snapshot_vouches_for_change_nothing() {
    let mut w = on_entries(20);
    fold(&mut w, NOW + 30);
    let path = filter_path(&w);
    let good = std::fs::read(w.feed.path().join(&path)).unwrap();
    let mut flipped = good.clone();
    let n = flipped.len();
    flipped[n / 2] ^= 1;
    let mut long = good.clone();
    long.extend([0; 64]);
    for (body, why) in [(flipped, "does not match the hash"), (long, ""), (good[..n - 1].to_vec(), "")] {
        w.server.set(&path, Behavior::Body(body));
        let reason = w.skipped(NOW + 40, "acme");
        assert!(reason.contains(why), "{reason}");
    }
    w.server.set(&path, Behavior::Status(404));
    assert!(w.skipped(NOW + 40, "acme").contains("not found"));
    w.server.clear();
    let report = w.sync_at(NOW + 50).unwrap();
    assert_eq!(count(&w, "SELECT count(*) FROM rev_filters"), 1, "{report:?}");
}

/// The feed `w` would serve with acme's filters re-signed by `brand`'s
/// revoker (the operator's snapshot vouching for the bytes).
fn resigned_by(w: &World, brand: &str, dir: &std::path::Path, at: u64) {
    let mut other = w.a.clone();
    // Each forgery a newer timestamp than the last one served.
    other.feed.version += at - NOW;
    let key = other.brands[brand].revoker_keys[0].clone();
    let f = other.feed.revocations.get_mut("acme").unwrap().filter.as_mut().unwrap();
    let env = genuine_format::envelope::Envelope::decode(&f.envelope, usize::MAX).unwrap();
    let doc: RevocationFilterDoc = ciborium::from_reader(env.payload.as_slice()).unwrap();
    let signer = key.signer(None).unwrap();
    let resealed = genuine_format::envelope::try_seal(FILTER_TYPE, &doc, &[signer.as_ref()]).unwrap();
    f.envelope = serde_bytes::ByteBuf::from(resealed.encode());
    other.publish(dir, at, DAY, false).unwrap();
}

#[test]
fn filters_signed_by_another_brands_revoker_are_refused() {
    let mut w = folded(20);
    let forged = tempfile::tempdir().unwrap();
    resigned_by(&w, "globex", forged.path(), NOW + 20);
    w.server.set_dir(forged.path().to_path_buf());
    let why = w.skipped(NOW + 30, "acme");
    assert!(why.contains("filter-"), "{why}");
    // The same re-signing by acme's own revoker is taken: the signer is
    // what was refused.
    let resigned = tempfile::tempdir().unwrap();
    resigned_by(&w, "acme", resigned.path(), NOW + 40);
    w.server.set_dir(resigned.path().to_path_buf());
    w.sync_at(NOW + 50).unwrap();
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 50)), Some(&RevocationReason::CodeRevoked));
}

#[test]
fn a_newer_feed_that_names_older_filters_is_a_rollback() {
    let mut w = folded(20);
    let first = w.a.feed.revocations["acme"].filter.clone();
    let gtin = Gtin::parse(ACME_GTIN).unwrap();
    w.a.revoke("acme", ListKind::Revoked, &gtin, "LATER1").unwrap();
    fold(&mut w, NOW + 20);
    w.sync_at(NOW + 30).unwrap();
    // The first filters again, under a newer timestamp and snapshot.
    let why = served_with_filters(&mut w, first, NOW + 40);
    assert!(why.contains("rollback"), "{why}");
}

/// Why acme is skipped when the feed is published again at `at` (a newer
/// timestamp and snapshot) with `filters` in place of the brand's own.
fn served_with_filters(
    w: &mut World,
    filters: Option<genuine_issuer::published::PublishedFilter>,
    at: u64,
) -> String {
    let mut other = w.a.clone();
    other.feed.revocations.get_mut("acme").unwrap().filter = filters;
    let dir = tempfile::tempdir().unwrap();
    other.publish(dir.path(), at, DAY, false).unwrap();
    w.server.set_dir(dir.path().to_path_buf());
    w.skipped(at + 10, "acme")
}

#[test]
fn a_base_that_leaves_out_other_filters_than_the_snapshot_names_is_refused() {
    let mut w = folded(20);
    // The snapshot stops naming the filters while the base still leaves
    // their entries out: a phone would lose those revocations.
    let why = served_with_filters(&mut w, None, NOW + 20);
    assert!(why.contains("leaves out filters"), "{why}");
}

#[test]
fn a_store_written_before_filters_migrates_and_takes_them() {
    let mut w = on_entries(10);
    // The schema main shipped before this change: no rev_filters, version 4.
    {
        let conn = rusqlite::Connection::open(&w.db).unwrap();
        conn.execute_batch("DROP TABLE rev_filters; PRAGMA user_version = 4;").unwrap();
    }
    let anchor = w.store.anchor().clone();
    w.store = genuine::Store::open(&w.db, &anchor).unwrap();
    assert_eq!(count(&w, "PRAGMA user_version"), 5);
    assert_eq!(stored_entries(&w), 12, "nothing lost in the migration");
    fold(&mut w, NOW + 30);
    w.sync_at(NOW + 40).unwrap();
    assert_eq!(count(&w, "SELECT count(*) FROM rev_filters"), 1);
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 40)), Some(&RevocationReason::CodeRevoked));
}

#[test]
fn filters_the_snapshot_stops_naming_are_dropped_by_a_phone_within_deltas() {
    // Review finding 3: every folded entry reinstated, a fold makes no
    // filters; a phone a delta behind must not keep answering from the old.
    let mut w = World::new();
    let (g, s) = serial_of(&w, "genuine.png");
    w.a.revoke("acme", ListKind::Revoked, &g, &s).unwrap();
    fold(&mut w, NOW + 10);
    w.sync_at(NOW + 20).unwrap();
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 20)), Some(&RevocationReason::CodeRevoked));
    w.a.reinstate("acme", ListKind::Revoked, &g, &s).unwrap();
    let report = fold(&mut w, NOW + 30);
    assert!(report.filters.is_empty(), "{report:?}");
    w.sync_at(NOW + 40).unwrap();
    assert_eq!(count(&w, "SELECT count(*) FROM rev_filters"), 0);
    assert!(matches!(w.verdict("genuine.png", NOW + 40), Verdict::Authentic(_)));
}

#[test]
fn a_key_once_folded_signs_no_more_even_when_later_filters_leave_it_out() {
    // Review finding 3b: a phone offline since the first fold still holds
    // its block for the key, so the key may never sign again.
    let mut w = folded(5);
    let mut none = BTreeMap::from([("acme".to_string(), Vec::new())]);
    w.a.publish_folding(w.feed.path(), NOW + 20, DAY, false, &mut none).unwrap();
    assert!(w.a.feed.revocations["acme"].filter.is_none());
    let data = demo::product(ACME_GTIN, None, "AFTERFOLD2", None);
    let err = w.a.issue("acme", data, Some(1), None, NOW + 30, true).expect_err("folded once");
    assert!(matches!(err, genuine_issuer::authority::AuthorityError::FoldedKey(_, 1)), "{err}");
}

#[test]
fn filters_no_phone_would_take_are_never_published() {
    // Review finding 4: a filter over the blocks a phone decodes would be
    // refused by every phone, freezing the brand's revocations.
    let mut w = World::new();
    let n = genuine_format::filter::MAX_BLOCKS + 1;
    let universes: Vec<Universe> = (1..=n as u16)
        .map(|kid| Universe { kid, revoked: vec![u64::from(kid)], cloned: Vec::new() })
        .collect();
    let entries: Vec<Entry> = (1..=n as u64).collect();
    w.a.revoke_entries("acme", ListKind::Revoked, &entries).unwrap();
    let mut universes = BTreeMap::from([("acme".to_string(), universes)]);
    let err = w.a.publish_folding(w.feed.path(), NOW + 10, DAY, false, &mut universes).expect_err("too many");
    assert!(err.to_string().contains("over what phones take"), "{err}");
}

#[test]
fn filters_damaged_on_disk_are_fetched_again_by_the_next_sync() {
    // Review finding 6: one damaged row stopped every verification for good.
    let mut w = folded(5);
    w.sync_at(NOW + 20).unwrap();
    rusqlite::Connection::open(&w.db)
        .unwrap()
        .execute("UPDATE rev_filters SET bytes = x'475246310100'", [])
        .unwrap();
    let text = w.fixtures.iter().find(|f| f.file == "genuine.png").unwrap().text.clone();
    assert!(genuine::verify(&w.store, &text, genuine_tests::at(NOW + 30)).is_err(), "refused, not answered");
    w.publish(NOW + 40);
    w.sync_at(NOW + 50).unwrap();
    assert_eq!(reason(&w.verdict("genuine.png", NOW + 50)), Some(&RevocationReason::CodeRevoked));
}
