//! Revocation at platform scale, in one run: a brand with N issued serials
//! under a closed key and R = N/100 of them revoked, published as today's
//! 8-byte entries and as exact filters (`feed publish --fold`), each served
//! over HTTP on 127.0.0.1 and synced into its own real SQLite store; then a
//! daily delta of 10,000 after the fold, and a verify against the populated
//! filters beside a bare `verify_strict`. Bytes are held against the bound
//! R·(log2(N/R) + 1.44) bits.
//!
//!   cargo run --release -p genuine-tests --bin bench-filters [MAX_N]
//!
//! MAX_N (default 100000000) caps the largest size; sizes are 1M, 10M, 100M.

use genuine::{FeedConfig, HttpFeed, ReqwestTransport, Store};
use genuine_format::revocation::{Entry, ListKind, entry};
use genuine_issuer::authority::Authority;
use genuine_issuer::filters::Universe;
use genuine_tests::demo::{self, ACME_GTIN, NOW};
use genuine_tests::feed_server::FeedServer;
use genuine_tests::lab::random;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const DAY: u64 = 86_400;

/// Peak resident memory since the last reset, in MiB (Linux).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

/// A feed directory, its server and a fresh store that syncs from it.
struct Side {
    a: Authority,
    feed: tempfile::TempDir,
    http: HttpFeed<ReqwestTransport>,
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    store: Store,
    _server: FeedServer,
}

impl Side {
    fn new() -> Side {
        let feed = tempfile::tempdir().expect("tmp");
        let server = FeedServer::start(feed.path().to_path_buf());
        let (dir, store) = genuine_tests::demo_store();
        let db = dir.path().join("genuine.db");
        let http =
            HttpFeed::new(&server.url, ReqwestTransport::new().expect("transport"), FeedConfig::default())
                .expect("http");
        Side { a: demo::authority(), feed, http, _dir: dir, db, store, _server: server }
    }

    /// Syncs at `now`: (time, bytes fetched in all, store growth).
    fn sync(&mut self, now: u64) -> (Duration, u64, u64) {
        let before = genuine_tests::checkpointed_size(&self.db);
        let t = Instant::now();
        let report = genuine::sync(&mut self.store, &self.http, genuine_tests::at(now), &Default::default())
            .expect("sync");
        let took = t.elapsed();
        assert!(report.refused.is_empty(), "{report:?}");
        (took, report.bytes_fetched, genuine_tests::checkpointed_size(&self.db).saturating_sub(before))
    }
}

/// Bytes of the newest base and the filters that go with it: what a phone
/// downloads for the brand's revocations on a first sync.
fn revocation_files(a: &Authority, dir: &std::path::Path) -> u64 {
    let feed = &a.feed.revocations["acme"];
    let size = |p: String| std::fs::metadata(dir.join(p)).map_or(0, |m| m.len());
    let base = feed.base.as_ref().map_or(0, |(seq, _)| size(genuine_format::feed::paths::base("acme", *seq)));
    base + feed.filter.as_ref().map_or(0, |f| size(genuine_format::feed::paths::filter("acme", f.seq)))
}

fn main() {
    let max_n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000_000);
    println!(
        "| issued N | revoked R | bound | entries: download, store, lookup | filters: download, store, lookup | filters / bound (download, store) | build, peak memory |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut last = None;
    for n in [1_000_000usize, 10_000_000, 100_000_000].into_iter().filter(|n| *n <= max_n) {
        let r = n / 100;
        // Serials are random, so their entries are: a random universe, and
        // a benchmark code of its own in it (for the verify below).
        let mut universe = random(n - 1, n as u64 | 1);
        let code_entry = entry(ListKind::Revoked, ACME_GTIN, "BENCH2345");
        universe.push(code_entry);
        let revoked: Vec<Entry> = universe.iter().copied().step_by(100).take(r).collect();
        let probes: Vec<Entry> =
            universe.iter().copied().step_by((n / 100_000).max(1)).take(100_000).collect();
        let bound = r as f64 * (((n as f64) / (r as f64)).log2() + 1.44) / 8.0;

        // Today: every revoked serial an 8-byte entry.
        let mut today = Side::new();
        today.a.revoke_entries("acme", ListKind::Revoked, &revoked).expect("revoke");
        today.a.publish(today.feed.path(), NOW, DAY, true).expect("publish");
        let today_bytes = revocation_files(&today.a, today.feed.path());
        let (_, _, today_store) = today.sync(NOW + 10);
        let lists = today.store.key_index().expect("index").lists_of("acme").expect("lists");
        let today_lookup = median(
            probes
                .iter()
                .map(|e| {
                    let t = Instant::now();
                    black_box(today.store.listed(lists, ListKind::Revoked, *e).expect("lookup"));
                    t.elapsed()
                })
                .collect(),
        );
        drop(today);

        // Filters: the same revocations folded over key 1's serials.
        let mut side = Side::new();
        side.a.revoke_entries("acme", ListKind::Revoked, &revoked).expect("revoke");
        let mut universes = BTreeMap::from([(
            "acme".to_string(),
            vec![Universe { kid: 1, revoked: std::mem::take(&mut universe), cloned: Vec::new() }],
        )]);
        reset_peak();
        let base_mem = peak_mib();
        let t = Instant::now();
        side.a.publish_folding(side.feed.path(), NOW, DAY, true, &mut universes).expect("fold");
        let build = t.elapsed();
        let peak = peak_mib() - base_mem;
        let bytes = revocation_files(&side.a, side.feed.path());
        let (_, _, store) = side.sync(NOW + 10);
        let index = side.store.key_index().expect("index");
        let lists = index.lists_of("acme").expect("lists");
        let mut wrong = 0;
        let lookup = median(
            probes
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let t = Instant::now();
                    let hit = black_box(index.filtered(lists, 1, ListKind::Revoked, *e));
                    let took = t.elapsed();
                    // Probes step through the universe; every 100th serial is revoked.
                    let step = (n / 100_000).max(1);
                    if hit != Some((i * step) % 100 == 0 && i * step / 100 < r) {
                        wrong += 1;
                    }
                    took
                })
                .collect(),
        );
        assert_eq!(wrong, 0, "a filter answered wrongly");
        println!(
            "| {n} | {r} | {:.0} KB | {:.0} KB, {:.0} KB, {:.2} µs | {:.0} KB, {:.0} KB, {:.2} µs | {:.3}×, {:.3}× | {:.1} s, {:.0} MiB |",
            bound / 1e3,
            today_bytes as f64 / 1e3,
            today_store as f64 / 1e3,
            today_lookup.as_secs_f64() * 1e6,
            bytes as f64 / 1e3,
            store as f64 / 1e3,
            lookup.as_secs_f64() * 1e6,
            bytes as f64 / bound,
            store as f64 / bound,
            build.as_secs_f64(),
            peak,
        );
        drop(index);
        last = Some(side);
    }
    let Some(mut side) = last else { return };

    // A verify of a code whose key has a populated filter block, against
    // the bare signature; alternated, best of three each.
    // Key 1 is folded and signs no more: the code as the demo printed it.
    let code = demo::authority()
        .issue("acme", demo::product(ACME_GTIN, None, "BENCH2345", None), Some(1), None, NOW, true)
        .expect("issue");
    let link = genuine_format::link::DigitalLink::parse(&code).expect("parse");
    let sig = genuine_format::code::CodeSignature::parse(link.sig.as_deref().expect("sig")).expect("sig");
    let message = genuine_format::code::signed_message(sig.header, sig.kid, &link.data);
    let key = side.a.brands["acme"].keyset.keys[0].public_key;
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key.0).expect("key");
    let signature = ed25519_dalek::Signature::from_bytes(&sig.signature);
    let rounds = 20_000;
    let (_empty_dir, empty) = genuine_tests::demo_store();
    let (mut full, mut bare, mut none) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..rounds {
            black_box(genuine::verify(&side.store, &code, genuine_tests::at(NOW + 20)).expect("verify"));
        }
        full = full.min(t.elapsed().as_secs_f64() * 1e6 / rounds as f64);
        let t = Instant::now();
        for _ in 0..rounds {
            black_box(genuine::verify(&empty, &code, genuine_tests::at(NOW + 20)).expect("verify"));
        }
        none = none.min(t.elapsed().as_secs_f64() * 1e6 / rounds as f64);
        let t = Instant::now();
        for _ in 0..rounds {
            black_box(dalek.verify_strict(black_box(&message), &signature).is_ok());
        }
        bare = bare.min(t.elapsed().as_secs_f64() * 1e6 / rounds as f64);
    }
    let verdict = genuine::verify(&side.store, &code, genuine_tests::at(NOW + 20)).expect("verify");
    // Not revoked: the longest path, every list asked.
    assert!(matches!(verdict, genuine::Verdict::Authentic(_)), "{verdict:?}");

    // A day's revocations after the fold: exact entries in a delta.
    let day = random(10_000, 0x0bad_cafe);
    side.a.revoke_entries("acme", ListKind::Revoked, &day).expect("revoke");
    side.a.publish(side.feed.path(), NOW + 3600, DAY, false).expect("publish");
    let (delta_sync, delta_bytes, _) = side.sync(NOW + 3700);
    println!();
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!(
        "| verify against the populated filters vs bare verify_strict | {full:.1} µs vs {bare:.1} µs = {:.3}× | ≤ 1.05× |",
        full / bare
    );
    println!(
        "| the same verify on a store without revocation data | {none:.1} µs: the filters add {:.3}× | |",
        full / none
    );
    println!(
        "| daily delta of 10,000 after the fold, download | {:.1} KB | ≤ 100 KB |",
        delta_bytes as f64 / 1e3
    );
    println!("| its sync (fetch + check + apply) | {:.1} ms | ≤ 100 ms |", delta_sync.as_secs_f64() * 1e3);
}
