//! Sync at scale: a brand with 1,000,000 revoked serials, then a delta of
//! 10,000, served over HTTP on 127.0.0.1 and synced into a real SQLite file.
//! Prints a table. Run: `cargo run --release -p genuine-tests --bin bench-sync`

use genuine::{FeedConfig, HttpFeed, ReqwestTransport};
use genuine_format::revocation::ListKind;
use genuine_tests::demo::{self, NOW};
use genuine_tests::feed_server::FeedServer;
use genuine_tests::lab::random;
use std::time::{Duration, Instant};

fn main() {
    let mut a = demo::authority();
    let feed = tempfile::tempdir().expect("tmp");
    let server = FeedServer::start(feed.path().to_path_buf());
    let (dir, mut store) = genuine_tests::demo_store();
    let db = dir.path().join("genuine.db");
    let transport = ReqwestTransport::new().expect("transport");
    let http = HttpFeed::new(&server.url, transport, FeedConfig::default()).expect("http");

    let million = random(1_000_000, 0x1234_5678_9abc_def1);
    a.revoke_entries("acme", ListKind::Revoked, &million).expect("revoke");
    a.publish(feed.path(), NOW, 86_400, true).expect("publish");
    let base_bytes = std::fs::metadata(feed.path().join("v1/revocations/acme/base-1")).expect("base").len();
    let before = genuine_tests::checkpointed_size(&db);
    let start = Instant::now();
    let report =
        genuine::sync(&mut store, &http, genuine_tests::at(NOW + 10), &Default::default()).expect("sync");
    let base_sync = start.elapsed();
    assert!(report.revocations[0].used_base);
    let after = genuine_tests::checkpointed_size(&db);

    // Lookups: half present, half absent, each timed.
    let lists = store.key_index().expect("index").lists_of("acme").expect("lists");
    let absent = random(50_000, 0xdead_beef);
    let mut times: Vec<Duration> = Vec::new();
    for (present, entry) in
        million.iter().take(50_000).zip(&absent).flat_map(|(p, q)| [(true, *p), (false, *q)])
    {
        let t = Instant::now();
        let found = store.listed(lists, ListKind::Revoked, entry).expect("lookup");
        times.push(t.elapsed());
        assert_eq!(found, present);
    }
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];

    // A full verify with a million-entry list against the bare signature check.
    let code = a
        .issue(
            "acme",
            demo::product(demo::ACME_GTIN, Some("L1"), "BENCH2345", None),
            Some(1),
            None,
            NOW,
            true,
        )
        .expect("issue");
    let link = genuine_format::link::DigitalLink::parse(&code).expect("parse");
    let sig = genuine_format::code::CodeSignature::parse(link.sig.as_deref().expect("sig")).expect("sig");
    let message = genuine_format::code::signed_message(sig.header, sig.kid, &link.data);
    let key = a.brands["acme"].keyset.keys[0].public_key;
    let (verify_us, strict_us) = {
        let rounds = 20_000;
        let t = Instant::now();
        for _ in 0..rounds {
            assert!(matches!(
                genuine::verify(&store, &code, genuine_tests::at(NOW + 20)).expect("verify"),
                genuine::Verdict::Authentic(_)
            ));
        }
        let v = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key.0).expect("key");
        let signature = ed25519_dalek::Signature::from_bytes(&sig.signature);
        let t = Instant::now();
        for _ in 0..rounds {
            assert!(dalek.verify_strict(std::hint::black_box(&message), &signature).is_ok());
        }
        (v, t.elapsed().as_secs_f64() * 1e6 / rounds as f64)
    };

    let delta = random(10_000, 0x0bad_cafe);
    a.revoke_entries("acme", ListKind::Revoked, &delta).expect("revoke");
    a.publish(feed.path(), NOW + 3600, 86_400, false).expect("publish");
    let delta_bytes = std::fs::metadata(feed.path().join("v1/revocations/acme/2")).expect("delta").len();
    let start = Instant::now();
    let report =
        genuine::sync(&mut store, &http, genuine_tests::at(NOW + 3700), &Default::default()).expect("sync");
    let delta_sync = start.elapsed();
    assert_eq!(report.revocations[0].to_seq, 2);

    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!(
        "| base of 1,000,000 entries, download | {:.2} MB ({:.2} bytes/entry) | |",
        base_bytes as f64 / 1e6,
        base_bytes as f64 / 1e6
    );
    println!("| sync of that base (fetch + check + apply) | {:.0} ms | |", base_sync.as_secs_f64() * 1e3);
    println!(
        "| store growth | {:.2} MB ({:.2} bytes/entry) | ≤ 12 bytes/entry |",
        (after - before) as f64 / 1e6,
        (after - before) as f64 / 1e6
    );
    println!("| lookup, median | {:.2} µs | < 5 µs |", median.as_secs_f64() * 1e6);
    println!("| lookup, p99 | {:.2} µs | |", p99.as_secs_f64() * 1e6);
    println!(
        "| verify against a 1M-entry revoked list vs bare verify_strict | {verify_us:.1} µs vs {strict_us:.1} µs = {:.2}× | ≤ 1.25× |",
        verify_us / strict_us
    );
    println!("| delta of 10,000 entries, download | {:.1} KB | < 100 KB |", delta_bytes as f64 / 1e3);
    println!(
        "| sync of that delta (fetch + check + apply) | {:.1} ms | < 100 ms |",
        delta_sync.as_secs_f64() * 1e3
    );
}
