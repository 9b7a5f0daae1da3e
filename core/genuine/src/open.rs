//! A desktop tool's store: pinned to an anchor, on a SQLite file (moved
//! aside and rebuilt if damaged), with a trust bundle imported into it, and
//! synced from a feed over reqwest. The CLI and the Python package open and
//! sync their stores here, so both trust alike and say the same words when
//! they cannot.

use crate::{ImportError, Refused, Store, StoreError, TrustAnchor, TrustError, UnixTime};
use std::path::{Path, PathBuf};

/// Why a store could not be opened. The words are what the CLI prints after
/// `genuine: ` and what the Python package's exceptions say.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// A file (anchor, bundle) could not be read.
    #[error("{}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The anchor is not an anchor.
    #[error("{0}")]
    Anchor(TrustError),
    /// The store was made for another root: opening it would trust neither.
    #[error("{} trusts a different root; use a store file made for this anchor", db.display())]
    AnchorMismatch {
        /// The store's file.
        db: PathBuf,
    },
    /// SQLite failed, or the file is from a newer version.
    #[error("{}: {error}", db.display())]
    Store {
        /// The store's file.
        db: PathBuf,
        /// Why.
        error: StoreError,
    },
    /// The bundle was refused as a whole (garbage, or not of this root).
    #[error("bundle: {0}")]
    Bundle(ImportError),
}

/// What a person should know about an opened store (the CLI prints each
/// on stderr, Python warns): nothing here stops the store from working.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenNote {
    /// The file was damaged: moved aside, and the store started afresh.
    Rebuilt {
        /// The store's file.
        db: PathBuf,
    },
    /// One brand of the bundle was refused; the others were imported.
    Skipped(Refused),
}

impl std::fmt::Display for OpenNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenNote::Rebuilt { db } => write!(
                f,
                "{} was damaged; moved aside and started afresh (sync to restore revocations)",
                db.display()
            ),
            OpenNote::Skipped(refused) => {
                write!(f, "bundle: skipped brand {}: {}", refused.brand_id, refused.error)
            }
        }
    }
}

/// An opened store and what to say about it.
pub struct Opened {
    /// The store.
    pub store: Store,
    /// Things to tell the person who opened it.
    pub notes: Vec<OpenNote>,
}

/// Reads a file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, OpenError> {
    std::fs::read(path).map_err(|error| OpenError::Read { path: path.to_path_buf(), error })
}

/// Opens (or creates) the store at `db` for the anchor in `anchor_text`
/// and imports `bundle` into it. The import is idempotent: documents the
/// store already holds, or holds newer, are skipped.
pub fn open_store(
    anchor_text: &str,
    bundle: Option<&[u8]>,
    db: &Path,
    now: UnixTime,
) -> Result<Opened, OpenError> {
    let anchor = TrustAnchor::from_text(anchor_text).map_err(OpenError::Anchor)?;
    let (mut store, rebuilt) = Store::open_or_rebuild(db, &anchor).map_err(|e| match e {
        StoreError::AnchorMismatch => OpenError::AnchorMismatch { db: db.to_path_buf() },
        error => OpenError::Store { db: db.to_path_buf(), error },
    })?;
    let mut notes = Vec::new();
    if rebuilt {
        notes.push(OpenNote::Rebuilt { db: db.to_path_buf() });
    }
    if let Some(bundle) = bundle {
        let report = store.import_bundle(bundle, now).map_err(OpenError::Bundle)?;
        notes.extend(report.refused.into_iter().map(OpenNote::Skipped));
    }
    Ok(Opened { store, notes })
}

/// Why a sync did not happen. The words are the CLI's.
#[cfg(feature = "reqwest")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The HTTP client could not start.
    #[error("{0}")]
    Client(crate::TransportError),
    /// The feed's URL is not one.
    #[error("{0}")]
    Url(crate::FetchError),
    /// The sync stopped; the store is as it was.
    #[error("sync refused, nothing changed: {0}")]
    Refused(crate::SyncError),
}

/// Syncs `store` from the feed at `url` over reqwest (rustls, the system's
/// certificate store and proxy), with the default timeouts and retries.
#[cfg(feature = "reqwest")]
pub fn sync_feed(store: &mut Store, url: &str, now: UnixTime) -> Result<crate::SyncReport, FeedError> {
    let transport = crate::ReqwestTransport::new().map_err(FeedError::Client)?;
    let feed = crate::HttpFeed::new(url, transport, crate::FeedConfig::default()).map_err(FeedError::Url)?;
    crate::sync(store, &feed, now, &Default::default()).map_err(FeedError::Refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named() {
        let err = read_file(Path::new("no/such/anchor.txt")).unwrap_err();
        assert!(err.to_string().starts_with("no/such/anchor.txt: "), "{err}");
    }
}
