//! What a sync reports: the refusals, each named after the attack it stops,
//! and what it changed.

use crate::fetch::FetchError;
use genuine_format::admit::{AdmitError, ImportReport};
use genuine_format::trust::TrustError;

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
    Import(#[from] AdmitError),
    /// The store (SQLite on a phone) failed.
    #[error("store: {0}")]
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// The caller cancelled; nothing was written.
    #[error("sync cancelled; nothing changed")]
    Cancelled,
    /// Another sync changed the store while this one fetched.
    #[error("another sync updated the store first; sync again")]
    Concurrent,
}

impl SyncError {
    /// Is this about one brand's documents (so that brand is skipped and the
    /// sync goes on), rather than the network, the store or the feed as a whole?
    pub fn concerns_one_brand(&self) -> bool {
        match self {
            SyncError::Fetch(e) => {
                !e.is_transient() && !matches!(e, FetchError::Cancelled | FetchError::Pending(_))
            }
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
