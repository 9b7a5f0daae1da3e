//! Shared pieces of Genuine's end-to-end tests: the deterministic demo world
//! that the committed fixtures, test vectors and the CLI's embedded bundle are
//! made from, and helpers to build stores from it.

pub mod demo;
pub mod feed_server;
pub mod files;
pub mod frames;
#[cfg(feature = "net")]
pub mod lab;
pub mod post;
pub mod postgres;
pub mod softhsm;
#[cfg(feature = "net")]
pub mod world;

use std::path::PathBuf;

/// A moment, from the unix seconds the tests' constants are written in.
pub fn at(secs: u64) -> genuine::UnixTime {
    genuine::UnixTime::from_secs(secs)
}

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

use genuine::Store;
use genuine_format::trust::TrustAnchor;

/// A fresh store in a temp dir holding the demo bundle. The `TempDir` must
/// outlive the store.
pub fn demo_store() -> (tempfile::TempDir, Store) {
    let a = demo::authority();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("genuine.db"), &a.anchor).expect("open store");
    store.import(&a.bundle().expect("bundle"), crate::at(demo::T0)).expect("import demo bundle");
    (dir, store)
}

/// An empty store in a temp dir for `anchor`.
pub fn empty_store(anchor: &TrustAnchor) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("genuine.db"), anchor).expect("open store");
    (dir, store)
}

/// The size of the SQLite file at `db` once its WAL is folded into it: what
/// stays on disk (the benchmarks' store sizes).
pub fn checkpointed_size(db: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
    std::fs::metadata(db).expect("size").len()
}

/// Every row of every table of the SQLite file at `path`, as text, to prove
/// an operation changed nothing.
pub fn dump(path: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open for dump");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("list tables");
    tables.retain(|t| !t.starts_with("sqlite_"));
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2")).expect("select");
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .expect("rows");
        for row in rows {
            out.push_str(&format!("{t}: {}\n", row.expect("row").join(" | ")));
        }
    }
    out
}

/// A feed read straight from a directory: the sync logic without HTTP, for
/// property tests that run many syncs.
pub struct DirFeed(pub std::path::PathBuf);

impl genuine::Fetch for DirFeed {
    fn fetch(
        &self,
        path: &str,
        cap: u64,
        _etag: Option<&str>,
        _cancel: &genuine::CancelToken,
    ) -> Result<genuine::Fetched, genuine::FetchError> {
        use genuine::{FetchError, Fetched};
        match std::fs::read(self.0.join(path)) {
            Ok(b) if b.len() as u64 > cap => Err(FetchError::TooLarge { path: path.into(), cap }),
            Ok(b) => Ok(Fetched::Body(b, None)),
            Err(_) => Ok(Fetched::NotFound),
        }
    }
}
