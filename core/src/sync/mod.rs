//! Sync: fetch the feed, check everything, then apply it in one transaction.
//!
//! The order follows TUF: roots first (each checked against the one before),
//! then the timestamp (freshness, signed by the root's timestamp keys), the
//! snapshot it names (by hash and length), the documents the snapshot names
//! (by hash and length), and the revocation chains (by revoker signature,
//! chain continuity and the snapshot's head). Nothing touches the store until
//! every check has passed; the apply is atomic, so a cancel (a
//! [`CancelToken`], checked between and during fetches and once more before
//! the write) or a crash leaves the previous state intact.
//!
//! Sync is blocking I/O: run it on a thread of its own (the SDK does, and
//! offers it to Kotlin and Swift as `suspend` / `async`). The bytes move
//! through a [`Transport`] the embedder plugs in ([`HttpFeed`] puts a feed's
//! paths on it); nothing a transport returns is trusted.
//!
//! Each refusal names the attack it stops: rollback, mix-and-match, freeze,
//! endless data, slow retrieval, fork.

mod apply;
mod brand;
mod checks;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod transport;

#[cfg(feature = "reqwest")]
pub use reqwest_transport::ReqwestTransport;
pub use transport::{FeedConfig, HttpFeed, HttpRequest, HttpResponse, Transport, TransportError};

use apply::apply;
use brand::{ChainPlan, fetch_brand};
use checks::{check_snapshot_numbers, check_timestamp_numbers};

use crate::bundle::TrustBundle;
use crate::envelope::{Envelope, EnvelopeError};
use crate::feed::{
    BASE_TYPE, DELTA_TYPE, FileMeta, RevocationBase, RevocationDelta, RevocationMeta, SNAPSHOT_TYPE,
    Snapshot, TIMESTAMP_TYPE, Timestamp, caps, paths,
};
use crate::import::{ImportError, ImportReport, import_in};
use crate::revocation::{Head, RevocationLists, genesis, next_head};
use crate::revocation_store;
use crate::store::{Store, StoreError};
use crate::trust::{BrandRecord, RootDocument, TrustError, check_count, check_time};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Most root versions one sync will walk.
pub const MAX_ROOT_STEPS: u64 = 32;
/// A gap of more deltas than this is bridged with a base, when one exists.
pub const MAX_DELTA_RUN: u64 = 8;
/// Longest a timestamp may be valid (`expires - issued_at`). Feeds use about
/// a day; the cap bounds how long a stolen timestamp key can hold a device on
/// one timestamp before any newer one is accepted again.
pub const MAX_TIMESTAMP_LIFETIME: u64 = 31 * 86_400;

/// A fetched file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The body, and its ETag if the server sent one.
    Body(Vec<u8>, Option<String>),
    /// 304: unchanged since the ETag we sent.
    NotModified,
    /// 404.
    NotFound,
}

/// Asks a running sync to stop. Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// Stops the sync at its next check; nothing it fetched is applied.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Has [`CancelToken::cancel`] been called?
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Is `other` this token or a clone of it?
    pub fn same_as(&self, other: &CancelToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The body is over the cap for its kind ("endless data").
    #[error("{path}: over the {cap}-byte cap")]
    TooLarge {
        /// The file.
        path: String,
        /// Its cap.
        cap: u64,
    },
    /// Too slow ("slow retrieval").
    #[error("{0}: timed out")]
    Timeout(String),
    /// The connection failed or the body was cut short.
    #[error("{0}: {1}")]
    Transport(String, String),
    /// An HTTP status other than 200, 304 and 404.
    #[error("{path}: HTTP {status}")]
    Status {
        /// The file.
        path: String,
        /// The status.
        status: u16,
    },
}

impl FetchError {
    /// Worth trying again later (network trouble, server errors)?
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Transport(..) => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            FetchError::TooLarge { .. } | FetchError::Cancelled => false,
        }
    }
}

/// Where feed files come from: an [`HttpFeed`] over a [`Transport`], or
/// anything else (a directory, a test's script).
pub trait Fetch {
    /// Fetches `path` (relative to the feed root), refusing more than `cap`
    /// bytes; `etag` makes the request conditional; stops when `cancel` is
    /// cancelled. Blocks.
    fn fetch(
        &self,
        path: &str,
        cap: u64,
        etag: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Fetched, FetchError>;
}

/// Why a sync was refused. The store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The network or the server.
    #[error("fetch: {0}")]
    Fetch(#[from] FetchError),
    /// A document older than the one trusted ("rollback").
    #[error("rollback refused: {0}")]
    Rollback(String),
    /// A document the snapshot or timestamp does not vouch for ("mix-and-match").
    #[error("mix-and-match refused: {0}")]
    MixAndMatch(String),
    /// The timestamp has expired ("freeze"): data cannot be shown as fresh.
    #[error("freeze refused: the feed's timestamp expired at {expired_at}")]
    Freeze {
        /// Its expiry (unix seconds).
        expired_at: u64,
    },
    /// A revocation delta that does not continue the chain we hold ("fork").
    #[error("fork refused: {0}")]
    Fork(String),
    /// A bad signature or an invalid document.
    #[error("{what}: {source}")]
    Untrusted {
        /// Which document.
        what: String,
        /// Why.
        source: TrustError,
    },
    /// A file the feed should have is missing.
    #[error("{0}: not found on the feed")]
    Missing(String),
    /// The trusted documents could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The caller cancelled; nothing was written.
    #[error("sync cancelled; nothing changed")]
    Cancelled,
    /// Another sync changed the store while this one fetched.
    #[error("another sync updated the store first; sync again")]
    Concurrent,
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Store(StoreError::Sqlite(e))
    }
}

impl SyncError {
    /// Is this about one brand's documents (so that brand is skipped and the
    /// sync goes on), rather than the network, the store or the feed as a whole?
    pub fn concerns_one_brand(&self) -> bool {
        match self {
            SyncError::Fetch(e) => !e.is_transient() && *e != FetchError::Cancelled,
            SyncError::Rollback(_)
            | SyncError::MixAndMatch(_)
            | SyncError::Fork(_)
            | SyncError::Untrusted { .. }
            | SyncError::Missing(_) => true,
            _ => false,
        }
    }

    /// Worth retrying later without changing anything?
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Fetch(e) => e.is_transient(),
            SyncError::Concurrent => true,
            _ => false,
        }
    }
}

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// The timestamp version now trusted.
    pub timestamp_version: u64,
    /// True when the server said the timestamp had not changed.
    pub not_modified: bool,
    /// Trusted documents added or updated.
    pub trust: ImportReport,
    /// Revocation changes by brand.
    pub revocations: Vec<RevocationChange>,
    /// Bytes of feed files fetched.
    pub bytes_fetched: u64,
    /// Files fetched.
    pub files_fetched: u32,
    /// Brands whose documents were refused this time: their trusted state
    /// stays as it was (and their revocation status ages), the other brands
    /// were synced.
    pub refused: Vec<RefusedBrand>,
}

/// A brand a sync skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefusedBrand {
    /// The brand.
    pub brand_id: String,
    /// What was wrong with its documents.
    pub reason: String,
}

/// How one brand's lists moved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevocationChange {
    /// The brand.
    pub brand_id: String,
    /// Sequence number before.
    pub from_seq: u64,
    /// Sequence number after.
    pub to_seq: u64,
    /// A base was used (first sync or a long gap).
    pub used_base: bool,
    /// Entries added or removed.
    pub entries: usize,
}

/// What the store held when the sync started.
struct Known {
    root: RootDocument,
    ts_version: Option<u64>,
    ts_bytes: Option<Vec<u8>>,
    ts_etag: Option<String>,
    /// When the stored timestamp stops vouching, counted from when it was
    /// accepted (so a timestamp signed "in 2100" still lapses on time).
    ts_live_until: Option<u64>,
    /// When the stored timestamp was accepted (its signed time, capped at the
    /// device clock of that sync).
    ts_seen_at: Option<u64>,
    snapshot_bytes: Option<Vec<u8>>,
    brands: BTreeMap<String, (u64, Vec<u8>)>,
    keysets: BTreeMap<String, (u64, Vec<u8>)>,
    chains: BTreeMap<String, (u64, Head)>,
    time_floor: u64,
}

/// Everything checked, ready to apply.
struct Plan {
    timestamp: Timestamp,
    ts_bytes: Vec<u8>,
    ts_etag: Option<String>,
    snapshot_bytes: Vec<u8>,
    bundle: TrustBundle,
    chains: Vec<ChainPlan>,
    known_ts: Option<u64>,
    not_modified: bool,
    /// Brands whose documents were refused, and why.
    refused: Vec<RefusedBrand>,
    /// Every brand the snapshot lists.
    listed: Vec<String>,
    /// The timestamp is the one already stored: it moves no clock.
    same_timestamp: bool,
    /// When this timestamp counts as accepted: its signed time, never later
    /// than this device's clock (for the stored one, when it was taken).
    seen_at: u64,
    now: u64,
}

fn meta_bytes(store: &Store, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(store.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn known(store: &Store) -> Result<Known, SyncError> {
    let conn = &store.conn;
    let root_bytes: Vec<u8> = conn
        .query_row("SELECT envelope FROM roots ORDER BY version DESC LIMIT 1", [], |r| r.get(0))
        .optional()?
        .ok_or(SyncError::Import(ImportError::NoTrustedRoot))?;
    let corrupt = |e: EnvelopeError| SyncError::Store(StoreError::Corrupt(format!("root: {e}")));
    let root = Envelope::decode(&root_bytes, usize::MAX).and_then(|e| e.decode_payload()).map_err(corrupt)?;
    let versions = |table: &str| -> Result<BTreeMap<String, (u64, Vec<u8>)>, SyncError> {
        let mut stmt = conn.prepare(&format!("SELECT brand_id, version, envelope FROM {table}"))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, u64>(1)?, r.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let mut chains = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT brand_id, seq, head FROM rev_brands")?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?, r.get::<_, Vec<u8>>(2)?)))?
    {
        let (id, seq, head) = row?;
        let head: Head = head.try_into().map_err(|_| StoreError::Corrupt("revocation head".into()))?;
        chains.insert(id, (seq, head));
    }
    Ok(Known {
        root,
        ts_version: store.meta_u64("ts_version")?,
        ts_bytes: meta_bytes(store, "ts_bytes")?,
        ts_etag: meta_bytes(store, "ts_etag")?.and_then(|b| String::from_utf8(b).ok()),
        ts_live_until: store.meta_u64("ts_live_until")?,
        ts_seen_at: store.meta_u64("ts_seen_at")?,
        snapshot_bytes: meta_bytes(store, "snapshot_bytes")?,
        brands: versions("brands")?,
        keysets: versions("keysets")?,
        chains,
        time_floor: store.time_floor()?,
    })
}

/// Counts what is fetched, for the report.
struct Counted<'a, F> {
    inner: &'a F,
    cancel: &'a CancelToken,
    bytes: AtomicU64,
    files: AtomicU32,
}

impl<F: Fetch> Counted<'_, F> {
    fn get(&self, path: &str, cap: u64, etag: Option<&str>) -> Result<Fetched, SyncError> {
        if self.cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let got = match self.inner.fetch(path, cap, etag, self.cancel) {
            Err(FetchError::Cancelled) => return Err(SyncError::Cancelled),
            got => got?,
        };
        if let Fetched::Body(b, _) = &got {
            // The cap is the engine's, not the transport's: whatever moves the
            // bytes (reqwest, an app's HTTP stack), nothing over it goes further.
            if b.len() as u64 > cap {
                return Err(FetchError::TooLarge { path: path.into(), cap }.into());
            }
            self.bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
            self.files.fetch_add(1, Ordering::Relaxed);
        }
        Ok(got)
    }

    /// A file that must exist, checked against what vouches for it.
    fn vouched(&self, path: &str, meta: &FileMeta, cap: u64) -> Result<Envelope, SyncError> {
        // Declared lengths bound the download before a byte arrives.
        if meta.length > cap {
            return Err(FetchError::TooLarge { path: path.into(), cap }.into());
        }
        let bytes = match self.get(path, meta.length, None)? {
            Fetched::Body(b, _) => b,
            _ => return Err(SyncError::Missing(path.into())),
        };
        if !meta.matches(&bytes) {
            return Err(SyncError::MixAndMatch(format!(
                "{path} does not match the hash its snapshot vouches for"
            )));
        }
        envelope(path, &bytes)
    }

    fn required(&self, path: &str, cap: u64) -> Result<Vec<u8>, SyncError> {
        match self.get(path, cap, None)? {
            Fetched::Body(b, _) => Ok(b),
            _ => Err(SyncError::Missing(path.into())),
        }
    }
}

fn envelope(path: &str, bytes: &[u8]) -> Result<Envelope, SyncError> {
    Envelope::decode(bytes, usize::MAX)
        .map_err(|e| SyncError::Untrusted { what: path.into(), source: TrustError::Envelope(e) })
}

fn untrusted(what: &str) -> impl FnOnce(EnvelopeError) -> SyncError + '_ {
    move |e| SyncError::Untrusted { what: what.into(), source: TrustError::Envelope(e) }
}

/// Syncs the store with a feed. `device_now` is the device clock (unix seconds).
/// `cancel` stops it at the next check, with nothing written.
pub fn sync(
    store: &mut Store,
    feed: &impl Fetch,
    device_now: u64,
    cancel: &CancelToken,
) -> Result<SyncReport, SyncError> {
    let known = known(store)?;
    let counted = Counted { inner: feed, cancel, bytes: Default::default(), files: Default::default() };
    let plan = fetch_plan(&known, &counted, device_now)?;
    if cancel.is_cancelled() {
        return Err(SyncError::Cancelled);
    }
    let mut report = apply(store, plan)?;
    report.bytes_fetched = counted.bytes.load(Ordering::Relaxed);
    report.files_fetched = counted.files.load(Ordering::Relaxed);
    Ok(report)
}

fn fetch_plan<F: Fetch>(known: &Known, feed: &Counted<'_, F>, device_now: u64) -> Result<Plan, SyncError> {
    let now = device_now.max(known.time_floor);

    // 1. Roots: walk v+1, v+2, ... until the feed has no next one.
    let mut root = known.root.clone();
    let mut roots = Vec::new();
    for _ in 0..MAX_ROOT_STEPS {
        let path = paths::root(u64::from(root.version) + 1);
        let bytes = match feed.get(&path, caps::ROOT, None)? {
            Fetched::Body(b, _) => b,
            _ => break,
        };
        let env = envelope(&path, &bytes)?;
        root = RootDocument::open_next(&env, &root)
            .map_err(|source| SyncError::Untrusted { what: path, source })?;
        roots.push(env);
    }
    // A root that replaced the timestamp keys is how the operator recovers
    // from a stolen timestamp key (as in TUF): what the old keys signed —
    // however high its version — no longer holds the feed back.
    let ts_keys_replaced = root.timestamp_keys != known.root.timestamp_keys
        || root.timestamp_threshold != known.root.timestamp_threshold;
    let (known_ts_version, known_ts_bytes, known_ts_etag) = if ts_keys_replaced {
        (None, None, None)
    } else {
        (known.ts_version, known.ts_bytes.as_deref(), known.ts_etag.as_deref())
    };

    // 2. Timestamp: freshness, signed by the root's timestamp keys.
    let ts_keys = (&root.timestamp_keys, usize::from(root.timestamp_threshold));
    let (ts_bytes, ts_etag, not_modified) =
        match feed.get(&paths::timestamp(), caps::TIMESTAMP, known_ts_etag)? {
            Fetched::Body(b, etag) => (b, etag, false),
            Fetched::NotModified => match known_ts_bytes {
                Some(b) => (b.to_vec(), known.ts_etag.clone(), true),
                None => return Err(SyncError::Missing(paths::timestamp())),
            },
            Fetched::NotFound => return Err(SyncError::Missing(paths::timestamp())),
        };
    let timestamp: Timestamp = envelope("timestamp", &ts_bytes)?
        .open(TIMESTAMP_TYPE, ts_keys.0, ts_keys.1)
        .map_err(untrusted("timestamp"))?;
    check_timestamp_numbers(&timestamp)?;
    let same_timestamp = known_ts_bytes == Some(&ts_bytes[..]);
    // No signer can move the floor or freshness past what this device saw.
    let taken_now = timestamp.issued_at.min(device_now);
    let seen_at = if same_timestamp { known.ts_seen_at.unwrap_or(taken_now) } else { taken_now };
    // Rollback: never an older timestamp while ours still vouches. Once ours
    // has lapsed (counted from when we accepted it) a valid, unexpired one
    // replaces it whatever its version, so a timestamp key's holder can hold
    // a device back at most one timestamp lifetime.
    let ours_live = known.ts_live_until.is_some_and(|until| until > now);
    if let Some(v) = known_ts_version
        && ours_live
        && !same_timestamp
        && timestamp.version <= v
    {
        return Err(SyncError::Rollback(format!("timestamp v{} after v{v}", timestamp.version)));
    }
    if timestamp.expires <= now {
        return Err(SyncError::Freeze { expired_at: timestamp.expires });
    }

    // 3. Snapshot, by the hash and length the timestamp gives.
    let snap_path = paths::snapshot(timestamp.snapshot.version);
    let snapshot_bytes = match &known.snapshot_bytes {
        Some(b) if timestamp.snapshot.matches(b) => b.clone(),
        _ => feed.vouched(&snap_path, &timestamp.snapshot, caps::SNAPSHOT)?.encode(),
    };
    let snapshot: Snapshot = envelope(&snap_path, &snapshot_bytes)?
        .open(SNAPSHOT_TYPE, ts_keys.0, ts_keys.1)
        .map_err(untrusted("snapshot"))?;
    check_snapshot_numbers(&snapshot)
        .map_err(|source| SyncError::Untrusted { what: snap_path.clone(), source })?;
    if snapshot.version != timestamp.snapshot.version {
        return Err(SyncError::MixAndMatch(format!(
            "snapshot v{} named as v{}",
            snapshot.version, timestamp.snapshot.version
        )));
    }
    if snapshot.root.version != u64::from(root.version) {
        return Err(SyncError::MixAndMatch(format!(
            "snapshot names root v{}, the feed's root chain ends at v{}",
            snapshot.root.version, root.version
        )));
    }

    // 4. Each brand on its own: its record, keyset and revocation chain. A
    // brand whose documents are refused is skipped and reported, and every
    // other brand goes on (one brand must never block the others: security
    // review finding 3); network trouble still stops the whole sync.
    let mut bundle = TrustBundle { roots, ..TrustBundle::default() };
    let mut chains = Vec::new();
    let mut refused = Vec::new();
    let ids: std::collections::BTreeSet<&String> =
        snapshot.brands.keys().chain(snapshot.keysets.keys()).chain(snapshot.revocations.keys()).collect();
    for id in ids {
        match fetch_brand(feed, known, &snapshot, &root, id) {
            Ok(brand) => {
                bundle.brands.extend(brand.record);
                bundle.keysets.extend(brand.keyset);
                chains.extend(brand.chain);
            }
            Err(e) if e.concerns_one_brand() => {
                refused.push(RefusedBrand { brand_id: id.clone(), reason: e.to_string() })
            }
            Err(e) => return Err(e),
        }
    }
    let listed = snapshot.brands.keys().cloned().collect();
    Ok(Plan {
        timestamp,
        ts_bytes,
        ts_etag,
        snapshot_bytes,
        bundle,
        chains,
        known_ts: known.ts_version,
        not_modified,
        refused,
        listed,
        same_timestamp,
        seen_at,
        now,
    })
}
