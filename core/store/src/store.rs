//! The store itself: opening the file (with migrations and a corruption
//! check), its pinned anchor, its summary, and the one write path.

use crate::meta::{meta_time, meta_u64};
use genuine_format::UnixTime;
use genuine_format::trust::TrustAnchor;
use genuine_format::verdict::Freshness;
use genuine_state::{KeyIndex, ListsRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Schema migrations, applied in order; `PRAGMA user_version` counts those done.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE roots (version INTEGER PRIMARY KEY, envelope BLOB NOT NULL);
CREATE TABLE brands (
    brand_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    envelope BLOB NOT NULL
);
CREATE TABLE brand_hosts (
    brand_id TEXT NOT NULL REFERENCES brands(brand_id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    PRIMARY KEY (brand_id, host)
) WITHOUT ROWID;
CREATE TABLE brand_prefixes (
    prefix TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL REFERENCES brands(brand_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE keysets (
    brand_id TEXT PRIMARY KEY REFERENCES brands(brand_id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    envelope BLOB NOT NULL
);
CREATE TABLE claim_keys (
    id INTEGER PRIMARY KEY,
    brand_id TEXT NOT NULL REFERENCES brands(brand_id) ON DELETE CASCADE,
    kid INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    sign_from INTEGER NOT NULL,
    sign_until INTEGER NOT NULL,
    verify_until INTEGER NOT NULL,
    revoked_at INTEGER,
    UNIQUE (brand_id, kid)
);
CREATE TABLE key_scopes (
    prefix TEXT NOT NULL,
    kid INTEGER NOT NULL,
    key_id INTEGER NOT NULL REFERENCES claim_keys(id) ON DELETE CASCADE,
    PRIMARY KEY (prefix, kid, key_id)
) WITHOUT ROWID;
CREATE INDEX key_scopes_by_kid ON key_scopes (kid);
CREATE INDEX key_scopes_by_key ON key_scopes (key_id);
"#,
    r#"
CREATE TABLE rev_brands (
    idx INTEGER PRIMARY KEY,
    brand_id TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL,
    head BLOB NOT NULL,
    issued_at INTEGER NOT NULL
);
CREATE TABLE rev_buckets (id INTEGER PRIMARY KEY, entries BLOB NOT NULL);
CREATE TABLE rev_keys (
    brand_id TEXT NOT NULL,
    kid INTEGER NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (brand_id, kid)
) WITHOUT ROWID;
"#,
    // Signed time as a floor for "now" used to be the newest `issued_at` of
    // any document, brand-signed ones included: one brand could push every
    // device's clock into the future (security review finding 2). The floor
    // is now kept by sync alone; an old one is dropped, not trusted, and the
    // next sync sets it again.
    r#"
DELETE FROM meta WHERE key = 'newest_signed';
INSERT INTO meta (key, value) SELECT 'ts_seen_at', value FROM meta WHERE key = 'ts_issued_at';
INSERT INTO meta (key, value) SELECT 'ts_live_until', value FROM meta WHERE key = 'ts_expires';
CREATE TABLE brand_fresh (brand_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO brand_fresh (brand_id, seen_at)
    SELECT b.brand_id, m.value FROM brands b JOIN meta m ON m.key = 'ts_seen_at';
"#,
    // Opt-in scan reports waiting to go to their brand's collector.
    r#"
CREATE TABLE report_queue (
    id INTEGER PRIMARY KEY,
    brand_id TEXT NOT NULL,
    code TEXT NOT NULL,
    verdict TEXT NOT NULL,
    hour INTEGER NOT NULL,
    place TEXT NOT NULL,
    install TEXT NOT NULL,
    UNIQUE (code, install)
);
"#,
    // Exact filters of closed keys, one per brand, with the base they came
    // with; a store without any (every store before this) syncs them in.
    r#"
CREATE TABLE rev_filters (
    idx INTEGER PRIMARY KEY REFERENCES rev_brands(idx),
    seq INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
"#,
];

/// Why the store cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (I/O, disk full, a locked or corrupt file).
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file trusts a different pinned root than the one given.
    #[error("store was created for a different trust anchor")]
    AnchorMismatch,
    /// Stored data that does not decode: the file was changed behind our back.
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    /// Another writer changed the store between a read and the write that
    /// was planned from it; nothing was written.
    #[error("another writer changed the store first")]
    Changed,
}

/// What the store holds, for `status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoreSummary {
    /// Version of the trusted root, if any.
    pub root_version: Option<u32>,
    /// The brands.
    pub brands: Vec<BrandSummary>,
    /// The floor for "now": see [`Store::time_floor`].
    pub time_floor: UnixTime,
    /// Version of the last good timestamp, if any sync succeeded.
    pub timestamp_version: Option<u64>,
    /// When it was accepted: its signed time, but never later than the device
    /// clock at that sync. Freshness is measured from here.
    pub last_timestamp: Option<UnixTime>,
    /// When it expires: after this a sync is needed for fresh data.
    pub timestamp_expires: Option<UnixTime>,
    /// How current the revocation data is now.
    pub freshness: Freshness,
}

/// One brand in a [`StoreSummary`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrandSummary {
    /// Id.
    pub brand_id: String,
    /// Name.
    pub name: String,
    /// Brand record version.
    pub record_version: u32,
    /// Keyset version, if one is stored.
    pub keyset_version: Option<u32>,
    /// Number of claim keys.
    pub claim_keys: u32,
    /// Sequence number of its revocation lists, if synced.
    pub revocation_seq: Option<u64>,
}

/// The store. `Send` but not `Sync`: share it behind a mutex.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) anchor: TrustAnchor,
    /// The key index and the `data_version` it was read at.
    pub(crate) index: RefCell<Option<(i64, Arc<KeyIndex>)>>,
}

impl Store {
    /// The current key index, rebuilt if the tables changed since it was read.
    ///
    /// `PRAGMA data_version` changes when another connection commits; our own
    /// writes clear the cache themselves.
    pub fn key_index(&self) -> Result<Arc<KeyIndex>, StoreError> {
        let version: i64 = self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?;
        if let Some((v, index)) = &*self.index.borrow()
            && *v == version
        {
            return Ok(Arc::clone(index));
        }
        let index = Arc::new(crate::key_index::load(&self.conn)?);
        *self.index.borrow_mut() = Some((version, Arc::clone(&index)));
        Ok(index)
    }

    /// Opens (creating if needed) the store at `path`, bound to `anchor`.
    pub fn open(path: &Path, anchor: &TrustAnchor) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        Self::init(conn, anchor).map_err(corruption)
    }

    /// Opens the store; if the file is corrupt (truncated, overwritten,
    /// not a database), moves it aside as `<path>.corrupt` and starts an empty
    /// store in its place. Returns whether that happened: the caller then
    /// imports its shipped bundle, and the next sync brings the rest.
    pub fn open_or_rebuild(path: &Path, anchor: &TrustAnchor) -> Result<(Store, bool), StoreError> {
        match Store::open(path, anchor) {
            Err(StoreError::Corrupt(_)) => {
                let aside = path.with_extension("corrupt");
                std::fs::rename(path, &aside)
                    .map_err(|e| StoreError::Corrupt(format!("cannot move aside: {e}")))?;
                for suffix in ["-wal", "-shm"] {
                    let mut side = path.as_os_str().to_owned();
                    side.push(suffix);
                    let _ = std::fs::remove_file(std::path::PathBuf::from(side));
                }
                Ok((Store::open(path, anchor)?, true))
            }
            other => other.map(|s| (s, false)),
        }
    }

    /// An in-memory store, for tests and one-shot tools.
    pub fn open_in_memory(anchor: &TrustAnchor) -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?, anchor)
    }

    fn init(mut conn: Connection, anchor: &TrustAnchor) -> Result<Store, StoreError> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL lets readers verify while a writer imports; NORMAL is durable
        // across app crashes (only a power cut can lose the last commit).
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        // Revocation lookups read random pages of a file that grows to ~9 MB
        // per million entries: map it rather than pay a read() per page miss.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = 268435456;",
        )?;
        migrate(&mut conn)?;
        // A damaged page would otherwise surface later as a failed verify.
        let check: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Corrupt(check));
        }
        let mut anchor_bytes = Vec::new();
        ciborium::into_writer(anchor, &mut anchor_bytes).expect("writing CBOR to a Vec cannot fail");
        let stored: Option<Vec<u8>> =
            conn.query_row("SELECT value FROM meta WHERE key = 'anchor'", [], |r| r.get(0)).optional()?;
        match stored {
            Some(bytes) if bytes != anchor_bytes => return Err(StoreError::AnchorMismatch),
            Some(_) => {}
            None => {
                conn.execute("INSERT INTO meta (key, value) VALUES ('anchor', ?1)", [&anchor_bytes])?;
            }
        }
        Ok(Store { conn, anchor: anchor.clone(), index: RefCell::new(None) })
    }

    /// The pinned anchor this store trusts.
    pub fn anchor(&self) -> &TrustAnchor {
        &self.anchor
    }

    /// The floor for "now", so that a clock turned back cannot revive an
    /// expired key: the signed time of the timestamps sync accepted, each
    /// capped at the device clock of the sync that accepted it. Only the
    /// operator's timestamp role moves it (never a brand's documents), and
    /// never past what this device's own clock once said, so no signer can
    /// push the device into the future (see docs/SECURITY.md).
    pub fn time_floor(&self) -> Result<UnixTime, StoreError> {
        Ok(meta_time(&self.conn, "time_floor")?.unwrap_or_default())
    }

    /// Is `entry` in a brand's list of `kind`? (`lists` from [`KeyIndex::lists_of`].)
    pub fn listed(
        &self,
        lists: ListsRef,
        kind: genuine_format::revocation::ListKind,
        entry: u64,
    ) -> Result<bool, StoreError> {
        let id = crate::revocations::bucket_id(lists.handle, kind, entry);
        let mut stmt = self.conn.prepare_cached("SELECT entries FROM rev_buckets WHERE id = ?1")?;
        let mut rows = stmt.query([id])?;
        Ok(match rows.next()? {
            Some(row) => {
                let blob = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
                crate::revocations::bucket_contains(blob, entry)
            }
            None => false,
        })
    }

    /// What the store holds, and how fresh it is at `device_now`.
    pub fn summary(&self, device_now: UnixTime) -> Result<StoreSummary, StoreError> {
        let root_version: Option<u32> =
            self.conn.query_row("SELECT MAX(version) FROM roots", [], |r| r.get(0))?;
        let mut stmt = self.conn.prepare(
            "SELECT b.brand_id, b.name, b.version, ks.version, \
             (SELECT COUNT(*) FROM claim_keys k WHERE k.brand_id = b.brand_id), rb.seq \
             FROM brands b LEFT JOIN keysets ks ON ks.brand_id = b.brand_id \
             LEFT JOIN rev_brands rb ON rb.brand_id = b.brand_id ORDER BY b.brand_id",
        )?;
        let brands = stmt
            .query_map([], |r| {
                Ok(BrandSummary {
                    brand_id: r.get(0)?,
                    name: r.get(1)?,
                    record_version: r.get(2)?,
                    keyset_version: r.get(3)?,
                    claim_keys: r.get(4)?,
                    revocation_seq: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let time_floor = self.time_floor()?;
        let last_timestamp = meta_time(&self.conn, "ts_seen_at")?;
        Ok(StoreSummary {
            root_version,
            brands,
            time_floor,
            timestamp_version: meta_u64(&self.conn, "ts_version")?,
            last_timestamp,
            timestamp_expires: meta_time(&self.conn, "ts_expires")?,
            freshness: Freshness::at(last_timestamp, device_now.max(time_floor)),
        })
    }

    /// Runs `f` in one IMMEDIATE transaction, committed only if it succeeds.
    /// Every write that changes a row counts one revision, so a plan made from an earlier read
    /// can tell that the store moved on ([`StoreError::Changed`]).
    pub(crate) fn write_tx<T, E: From<rusqlite::Error>>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = tx.total_changes();
        let out = f(&tx)?;
        // A write that changed nothing (an import of documents already held)
        // leaves the file as it was, revision included.
        if tx.total_changes() != before {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('revision', 1) \
                 ON CONFLICT (key) DO UPDATE SET value = value + 1",
                [],
            )?;
        }
        tx.commit()?;
        // Our own commits do not change `data_version` for this connection.
        self.index.borrow_mut().take();
        Ok(out)
    }
}

/// SQLite's "not a database" and "malformed" errors mean a damaged file.
fn corruption(e: StoreError) -> StoreError {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
            if matches!(f.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) =>
        {
            StoreError::Corrupt(msg.unwrap_or_else(|| f.to_string()))
        }
        e => e,
    }
}

/// Brings the schema up to date. A version this build cannot have written
/// (negative, newer than it knows, or one whose migrations the file's
/// tables contradict) is a damaged or foreign file: `Corrupt`, so that
/// `open_or_rebuild` starts afresh rather than fail at every open (issue
/// 30, finding 12). A store from a newer SDK after a downgrade goes the
/// same way: the bundle and the next sync rebuild it.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    let Some(done) = usize::try_from(done).ok().filter(|&d| d as i64 <= known) else {
        return Err(StoreError::Corrupt(format!("schema version {done}: this build knows 0 to {known}")));
    };
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        match tx.execute_batch(sql) {
            // An error in our own migration's SQL is a table that exists
            // (or is missing) against what the version says.
            Err(e @ rusqlite::Error::SqlInputError { .. }) => {
                return Err(StoreError::Corrupt(format!(
                    "schema version {done} does not match the file: {e}"
                )));
            }
            other => other?,
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
