//! A world for sync tests: the demo authority publishing to a feed served
//! over real HTTP on 127.0.0.1, and a store on a real SQLite file.

use crate::demo::{self, NOW};
use crate::dump;
use crate::feed_server::FeedServer;
use genuine::{CancelToken, FeedConfig, HttpFeed, ReqwestTransport, SyncError, SyncReport, sync};
use genuine::{Store, Verdict};
use genuine_issuer::authority::Authority;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A day in seconds.
pub const DAY: u64 = 86_400;

/// The demo world served over real HTTP on 127.0.0.1, and a store on a real
/// SQLite file that syncs from it.
pub struct World {
    /// The operator and brands.
    pub a: Authority,
    /// The feed directory the server serves.
    pub feed: tempfile::TempDir,
    /// The HTTP server.
    pub server: FeedServer,
    _store_dir: tempfile::TempDir,
    /// The store's file.
    pub db: PathBuf,
    /// The store.
    pub store: Store,
    /// The demo codes, signed once: a key folded into filters signs no
    /// more, and the codes already printed are what phones scan.
    pub fixtures: Vec<demo::Fixture>,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    /// The demo world with its bundle imported and one publish done.
    pub fn new() -> World {
        let a = demo::authority();
        let feed = tempfile::tempdir().unwrap();
        let server = FeedServer::start(feed.path().to_path_buf());
        let (store_dir, store) = crate::demo_store();
        let db = store_dir.path().join("genuine.db");
        let fixtures = demo::fixtures(&a);
        let mut w = World { a, feed, server, _store_dir: store_dir, db, store, fixtures };
        w.publish(NOW);
        w
    }

    /// Publishes the feed at `at` with a one-day timestamp.
    pub fn publish(&mut self, at: u64) {
        self.a.publish(self.feed.path(), at, DAY, false).unwrap();
    }

    /// The feed over HTTP (reqwest) with short timeouts.
    pub fn http(&self) -> HttpFeed<Arc<ReqwestTransport>> {
        let config = FeedConfig {
            request_timeout: Duration::from_millis(1500),
            retries: 1,
            backoff: Duration::from_millis(10),
        };
        HttpFeed::new(&self.server.url, reqwest_transport(), config).unwrap()
    }

    /// Syncs with the device clock at `now`.
    pub fn sync_at(&mut self, now: u64) -> Result<SyncReport, SyncError> {
        let feed = self.http();
        sync(&mut self.store, &feed, crate::at(now), &CancelToken::default())
    }

    /// Syncs and asserts it was refused with the store unchanged.
    pub fn refused(&mut self, now: u64) -> SyncError {
        let before = dump(&self.db);
        let err = self.sync_at(now).expect_err("sync must be refused");
        assert_eq!(before, dump(&self.db), "a refused sync changed the store: {err}");
        err
    }

    /// Syncs and asserts `brand` was skipped, reported with its reason, its
    /// trusted state unchanged, while the sync itself went on; the reason.
    pub fn skipped(&mut self, now: u64, brand: &str) -> String {
        let before = brand_rows(&self.db, brand);
        let report = self.sync_at(now).expect("one brand's refused documents never fail the sync");
        assert_eq!(before, brand_rows(&self.db, brand), "a skipped brand changed");
        let refused = report.refused.iter().find(|r| r.brand_id == brand);
        refused.unwrap_or_else(|| panic!("{brand} not reported: {report:?}")).reason.clone()
    }

    /// The verdict of a demo fixture at `now`.
    pub fn verdict(&self, name: &str, now: u64) -> Verdict {
        let text = &self.fixtures.iter().find(|f| f.file == name).unwrap().text;
        genuine::verify(&self.store, text, crate::at(now)).unwrap()
    }

    /// A copy of the feed as it is now (to serve later: rollback).
    pub fn snapshot_feed(&self) -> tempfile::TempDir {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(self.feed.path(), copy.path());
        copy
    }
}

/// One reqwest transport for a test process: it holds the connection pool
/// and its runtime, as an app's would.
pub fn reqwest_transport() -> Arc<ReqwestTransport> {
    static TRANSPORT: OnceLock<Arc<ReqwestTransport>> = OnceLock::new();
    Arc::clone(TRANSPORT.get_or_init(|| Arc::new(ReqwestTransport::new().expect("reqwest transport"))))
}

/// The store rows of one brand, its revocation buckets included.
pub fn brand_rows(db: &std::path::Path, brand: &str) -> String {
    let quoted = format!("Text(\"{brand}\")");
    let conn = rusqlite::Connection::open(db).expect("open for dump");
    let idx: Option<i64> =
        conn.query_row("SELECT idx FROM rev_brands WHERE brand_id = ?1", [brand], |r| r.get(0)).ok();
    let bucket_of_brand = |line: &str| {
        let id = line.strip_prefix("rev_buckets: Integer(").and_then(|l| l.split(')').next());
        id.and_then(|i| i.parse::<i64>().ok()).is_some_and(|id| Some(id >> 24) == idx)
    };
    dump(db).lines().filter(|l| l.contains(&quoted) || bucket_of_brand(l)).collect::<Vec<_>>().join("\n")
}

/// Copies a directory tree.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
