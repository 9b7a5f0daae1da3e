//! The misbehaving-server suite, written once and run through every
//! transport: reqwest from Rust (`tests/tests/transports.rs`) and the
//! Kotlin SDK's default transport on a real JVM (`SyncLabTest.kt`, driving
//! the `sync-lab` binary over loopback). One device syncs through the steps
//! in order, as a phone would over time: first sync, 304, delta, base, then
//! each attack, each refused with the store unchanged, then recovery and a
//! freeze.
//!
//! Time is the real clock on both sides: the Kotlin SDK has no other.

use crate::demo;
use crate::feed_server::{Behavior, FeedServer};
use crate::world::copy_dir;
use genuine::{CancelToken, FeedConfig, HttpFeed, sync};
use genuine_format::gs1::Gtin;
use genuine_format::revocation::ListKind;
use genuine_issuer::authority::Authority;
use std::path::PathBuf;
use std::time::Duration;

/// A day in seconds.
const DAY: u64 = 86_400;

/// What a step's sync must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Synced, fetching what changed.
    Synced,
    /// Synced, the server answered 304.
    NotModified,
    /// Synced, revocations by delta.
    Delta,
    /// Synced, revocations by a base (a long gap).
    Base,
    /// Refused as the network's fault (retry later); the error says `words`.
    Network(&'static str),
    /// Refused as an attack or a broken feed; the error says `words`.
    FeedRefused(&'static str),
    /// The caller cancels the sync after [`CANCEL_AFTER`].
    Cancelled,
}

/// When the cancelling step cancels.
pub const CANCEL_AFTER: Duration = Duration::from_millis(300);
/// The request timeout the suite's syncs use (the Kotlin SDK's unit is seconds).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);

/// The steps, in order: a name and what its sync must end in.
pub const STEPS: &[(&str, Expect)] = &[
    ("first-sync", Expect::Synced),
    ("not-modified", Expect::NotModified),
    ("delta", Expect::Delta),
    ("base", Expect::Base),
    ("rollback", Expect::FeedRefused("rollback")),
    ("mix-and-match", Expect::FeedRefused("mix-and-match")),
    ("endless-data", Expect::Network("cap")),
    ("endless-chunk", Expect::Network("")),
    ("oversized-head", Expect::Network("")),
    ("slow-retrieval", Expect::Network("timed out")),
    ("truncated", Expect::Network("")),
    ("not-found", Expect::FeedRefused("not found")),
    ("server-error", Expect::Network("HTTP 500")),
    // Issue 30, finding 13: an error's body is never read, endless or not.
    ("endless-error", Expect::Network("HTTP 500")),
    ("cancelled", Expect::Cancelled),
    ("recovered", Expect::Synced),
    ("freeze", Expect::FeedRefused("freeze")),
];

/// The operator's side of the suite: a feed on a loopback server that each
/// step changes or breaks.
pub struct Lab {
    /// The operator and brands.
    pub a: Authority,
    /// The feed directory.
    pub feed: tempfile::TempDir,
    /// An older copy of the feed (rollback).
    older: Option<tempfile::TempDir>,
    /// The server.
    pub server: FeedServer,
    /// Serials revoked so far.
    revoked: u32,
    /// The last publish time (publishes are at least a second apart).
    published_at: u64,
    /// The sync speed benchmark's own store, synced through reqwest.
    bench_store: Option<(tempfile::TempDir, genuine::Store)>,
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Lab {
    /// The demo world's feed, published now.
    pub fn new() -> Lab {
        let feed = tempfile::tempdir().expect("temp dir");
        let server = FeedServer::start(feed.path().to_path_buf());
        let mut lab = Lab {
            a: demo::authority(),
            feed,
            older: None,
            server,
            revoked: 0,
            published_at: 0,
            bench_store: None,
        };
        lab.publish();
        lab
    }

    /// The sync speed benchmark's feed: a brand with 1,000,000 revoked
    /// serials, published as a base (docs/BENCHMARKS.md).
    pub fn bench() -> Lab {
        let mut lab = Lab::new();
        lab.a
            .revoke_entries("acme", ListKind::Revoked, &random(1_000_000, 0x1234_5678_9abc_def1))
            .expect("revoke");
        lab.publish_now(true);
        lab
    }

    /// The benchmark's next publish: a delta of 10,000 entries.
    pub fn bench_delta(&mut self) {
        self.a.revoke_entries("acme", ListKind::Revoked, &random(10_000, 0x0bad_cafe)).expect("revoke");
        self.publish();
    }

    /// Syncs the benchmark's own store through reqwest: milliseconds taken.
    pub fn bench_reqwest_sync(&mut self) -> Result<f64, String> {
        let (_, store) = self.bench_store.get_or_insert_with(crate::demo_store);
        let config = FeedConfig { request_timeout: Duration::from_secs(60), ..FeedConfig::default() };
        let feed = HttpFeed::new(&self.server.url, crate::world::reqwest_transport(), config)
            .map_err(|e| e.to_string())?;
        let start = std::time::Instant::now();
        sync(store, &feed, crate::at(genuine::device_now().as_secs()), &CancelToken::default())
            .map_err(|e| e.to_string())?;
        Ok(start.elapsed().as_secs_f64() * 1e3)
    }

    /// The feed's base URL.
    pub fn url(&self) -> &str {
        &self.server.url
    }

    fn publish_at(&mut self, at: u64, ttl: u64) {
        self.a.publish(self.feed.path(), at, ttl, false).expect("publish");
    }

    /// Publishes now with a one-day timestamp.
    pub fn publish(&mut self) {
        self.publish_now(false);
    }

    /// Publishes now (at least a second after the last publish), with a base
    /// of every brand's lists when `force_base`.
    fn publish_now(&mut self, force_base: bool) {
        let now = genuine::device_now().as_secs().max(self.published_at + 1);
        self.published_at = now;
        self.a.publish(self.feed.path(), now, DAY, force_base).expect("publish");
    }

    fn revoke_one(&mut self) {
        self.revoked += 1;
        let gtin = Gtin::parse(demo::ACME_GTIN).expect("demo GTIN");
        self.a.revoke("acme", ListKind::Revoked, &gtin, &format!("LAB{:05}", self.revoked)).expect("revoke");
    }

    /// The two newest snapshot files, newest first.
    fn newest_snapshots(&self) -> (String, String) {
        let mut versions: Vec<u64> = std::fs::read_dir(self.feed.path().join("v1/snapshot"))
            .expect("snapshots")
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        versions.sort_unstable();
        let path = |v: &u64| format!("v1/snapshot/{v}");
        let n = versions.len();
        (path(&versions[n - 1]), path(&versions[n.saturating_sub(2)]))
    }

    /// Sets the feed up for step `name`, with the server behaving again first.
    pub fn step(&mut self, name: &str) -> Result<Expect, String> {
        let expect =
            STEPS.iter().find(|(n, _)| *n == name).map(|(_, e)| *e).ok_or(format!("no step {name}"))?;
        self.server.clear();
        self.server.set_dir(self.feed.path().to_path_buf());
        match name {
            "first-sync" | "not-modified" | "recovered" => {}
            "delta" => {
                self.revoke_one();
                self.publish();
            }
            "base" => {
                // Keep this feed: served later, it is a rollback.
                let older = tempfile::tempdir().map_err(|e| e.to_string())?;
                copy_dir(self.feed.path(), older.path());
                self.older = Some(older);
                // More deltas than a device bridges one by one.
                for _ in 0..=genuine_sync::MAX_DELTA_RUN {
                    self.revoke_one();
                    self.publish();
                }
            }
            "rollback" => {
                let older = self.older.as_ref().ok_or("run the base step first")?;
                self.server.set_dir(older.path().to_path_buf());
            }
            "mix-and-match" => {
                // The new timestamp names snapshot N; the server hands out N-1
                // under its name, at N's length (so that the hash, not the
                // length, is what refuses it).
                self.revoke_one();
                self.publish();
                let (newest, previous) = self.newest_snapshots();
                let read = |p: &str| std::fs::read(self.feed.path().join(p)).map_err(|e| e.to_string());
                let (new, mut old) = (read(&newest)?, read(&previous)?);
                old.resize(new.len(), 0);
                self.server.set(&newest, Behavior::Body(old));
            }
            "endless-data" => self.server.set("v1/timestamp", Behavior::Endless),
            "endless-chunk" => self.server.set("v1/timestamp", Behavior::HugeChunk),
            "oversized-head" => self.server.set("v1/timestamp", Behavior::HugeHead),
            // The snapshot of the mix-and-match step is still to fetch.
            "slow-retrieval" => self.server.set(&self.newest_snapshots().0, Behavior::Stall),
            "truncated" => self.server.set(&self.newest_snapshots().0, Behavior::Truncate),
            "not-found" => self.server.set(&self.newest_snapshots().0, Behavior::Status(404)),
            "server-error" => self.server.set(&self.newest_snapshots().0, Behavior::Status(500)),
            "endless-error" => self.server.set(&self.newest_snapshots().0, Behavior::EndlessStatus(500)),
            "cancelled" => self.server.set(&self.newest_snapshots().0, Behavior::Stall),
            "freeze" => {
                // A newer timestamp that expired a day ago: the feed was frozen.
                self.revoke_one();
                let at = genuine::device_now().as_secs() - 2 * DAY;
                self.publish_at(at, DAY);
            }
            _ => return Err(format!("no setup for {name}")),
        }
        Ok(expect)
    }
}

/// The `sync-lab` binary's remote control, for the Kotlin suite:
/// - `steps`: one line per step, `NAME EXPECT[:WORDS]`;
/// - `step/NAME`: sets the step up;
/// - `dump?db=PATH`: the store at PATH, as [`crate::dump`] prints it;
/// - `bench/delta`, `bench/reqwest-sync`: the sync speed benchmark's steps.
pub fn control(lab: &std::sync::Mutex<Lab>, request: &str) -> (u16, Vec<u8>) {
    let (route, query) = request.split_once('?').unwrap_or((request, ""));
    if route == "steps" {
        let lines: Vec<String> = STEPS.iter().map(|(n, e)| format!("{n} {}", describe(*e))).collect();
        return (200, lines.join("\n").into_bytes());
    }
    if let Some(name) = route.strip_prefix("step/") {
        let mut lab = lab.lock().unwrap_or_else(|e| e.into_inner());
        return match lab.step(name) {
            Ok(e) => (200, describe(e).into_bytes()),
            Err(e) => (400, e.into_bytes()),
        };
    }
    if route == "bench/delta" {
        lab.lock().unwrap_or_else(|e| e.into_inner()).bench_delta();
        return (200, b"published".to_vec());
    }
    if route == "bench/reqwest-sync" {
        return match lab.lock().unwrap_or_else(|e| e.into_inner()).bench_reqwest_sync() {
            Ok(ms) => (200, format!("{ms:.1}").into_bytes()),
            Err(e) => (500, e.into_bytes()),
        };
    }
    if let (true, Some(db)) = (route == "dump", query.strip_prefix("db=")) {
        return match genuine_format::link::percent_decode(db) {
            Ok(db) => (200, crate::dump(&PathBuf::from(db)).into_bytes()),
            Err(e) => (400, e.to_string().into_bytes()),
        };
    }
    (404, b"unknown lab request".to_vec())
}

/// An expectation as the Kotlin suite reads it.
pub fn describe(e: Expect) -> String {
    match e {
        Expect::Synced => "synced".into(),
        Expect::NotModified => "not-modified".into(),
        Expect::Delta => "delta".into(),
        Expect::Base => "base".into(),
        Expect::Network(w) => format!("network:{w}"),
        Expect::FeedRefused(w) => format!("feed-refused:{w}"),
        Expect::Cancelled => "cancelled".into(),
    }
}

/// `n` pseudo-random list entries from `seed` (xorshift: the benchmarks' serials).
pub fn random(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}
