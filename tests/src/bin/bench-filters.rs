//! Exact revocation filters against today's 8-byte entries, at three sizes
//! of issued (N) and revoked (R = N/100) serials, in one run: bytes against
//! the bound R·(log2(N/R) + 1.44) bits, build time and peak memory, lookup
//! median, and a verify with the lookup against a bare `verify_strict`.
//!
//!   cargo run --release -p genuine-tests --bin bench-filters [MAX_N]
//!
//! MAX_N (default 100000000) caps the largest size.

use ed25519_dalek::{Signer, SigningKey};
use genuine_format::filter::RevocationFilter;
use genuine_format::revocation::{Entry, ListKind, entry};
use genuine_issuer::filters::{BlockInput, build};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn splitmix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

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

/// Each lookup timed alone, over `probes`; the median.
fn lookup_median(probes: &[Entry], mut f: impl FnMut(Entry) -> bool) -> Duration {
    let mut times = Vec::with_capacity(probes.len());
    for p in probes {
        let t = Instant::now();
        black_box(f(black_box(*p)));
        times.push(t.elapsed());
    }
    median(times)
}

fn main() {
    let max_n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000_000);
    println!(
        "| issued N | revoked R | bound | filter | ratio | 8-byte entries | build | build peak | lookup filter | lookup entries |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut last = None;
    for n in [1_000_000usize, 10_000_000, 100_000_000].into_iter().filter(|n| *n <= max_n) {
        let r = n / 100;
        let mut seed = n as u64;
        let universe: Vec<Entry> = (0..n).map(|_| splitmix(&mut seed)).collect();
        // Serials are random, so every 100th is as good as a random sample.
        let listed: Vec<Entry> = universe.iter().copied().step_by(100).collect();
        let probes: Vec<Entry> =
            universe.iter().copied().step_by((n / 100_000).max(1)).take(100_000).collect();
        reset_peak();
        let before = peak_mib();
        let t = Instant::now();
        let (filter, _) = build(vec![BlockInput { kid: 1, kind: None, universe, listed: listed.clone() }]);
        let build_time = t.elapsed();
        let peak = peak_mib() - before;
        let bytes = filter.encode();
        let filter = RevocationFilter::decode(&bytes).expect("own bytes");
        let bound_bits = r as f64 * (((n as f64) / (r as f64)).log2() + 1.44);
        let bound = bound_bits / 8.0;
        let mut sorted = listed;
        sorted.sort_unstable();
        let by_filter = lookup_median(&probes, |e| filter.contains(1, ListKind::Revoked, e) == Some(true));
        let by_entries = lookup_median(&probes, |e| sorted.binary_search(&e).is_ok());
        println!(
            "| {n} | {r} | {:.0} KB | {:.0} KB ({:.2} B/revoked) | {:.3}× | {} KB | {:.1} s | {:.0} MiB | {:.0} ns | {:.0} ns |",
            bound / 1e3,
            bytes.len() as f64 / 1e3,
            bytes.len() as f64 / r as f64,
            bytes.len() as f64 / bound,
            8 * r / 1000,
            build_time.as_secs_f64(),
            peak,
            by_filter.as_nanos(),
            by_entries.as_nanos(),
        );
        last = Some(filter);
    }
    let Some(filter) = last else { return };

    // A verify as the phone does it: the signature, then the entry's hash
    // and the filter's answer; against the bare signature. Best of three.
    let key = SigningKey::from_bytes(&[7; 32]);
    let public = key.verifying_key();
    let message = b"genuine/code/v1\0 \0\x01\x0201\x0e09506000134352\x0221\x0a9AY5TFFMPP".to_vec();
    let signature = key.sign(&message);
    let rounds = 20_000;
    let time = |with_lookup: bool| {
        (0..1)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..rounds {
                    let ok = public.verify_strict(black_box(&message), &signature).is_ok();
                    if with_lookup {
                        let e = entry(ListKind::Revoked, "09506000134352", black_box("9AY5TFFMPP"));
                        black_box(filter.contains(1, ListKind::Revoked, e));
                    }
                    black_box(ok);
                }
                t.elapsed() / rounds
            })
            .min()
            .unwrap_or_default()
    };
    // Alternated, best of three each, so load drifts hit both sides.
    let (mut bare, mut with) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        bare = bare.min(time(false));
        with = with.min(time(true));
    }
    println!();
    println!(
        "verify_strict {:.1} µs; with the entry hash and the filter lookup {:.1} µs: {:.3}×",
        bare.as_secs_f64() * 1e6,
        with.as_secs_f64() * 1e6,
        with.as_secs_f64() / bare.as_secs_f64()
    );
}
