//! Fetching for one sync: counts what arrives, holds every body to the
//! engine's cap whatever the transport did, and checks vouched files against
//! the hash and length that vouch for them.

use crate::error::SyncError;
use crate::fetch::{CancelToken, Fetch, FetchError, Fetched};
use genuine_format::envelope::{Envelope, EnvelopeError};
use genuine_format::feed::FileMeta;
use genuine_format::trust::TrustError;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Counts what is fetched, for the report.
pub(crate) struct Counted<'a, F> {
    pub(crate) inner: &'a F,
    pub(crate) cancel: &'a CancelToken,
    pub(crate) bytes: AtomicU64,
    pub(crate) files: AtomicU32,
}

impl<F: Fetch> Counted<'_, F> {
    pub(crate) fn get(&self, path: &str, cap: u64, etag: Option<&str>) -> Result<Fetched, SyncError> {
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
    pub(crate) fn vouched(&self, path: &str, meta: &FileMeta, cap: u64) -> Result<Envelope, SyncError> {
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

    pub(crate) fn required(&self, path: &str, cap: u64) -> Result<Vec<u8>, SyncError> {
        match self.get(path, cap, None)? {
            Fetched::Body(b, _) => Ok(b),
            _ => Err(SyncError::Missing(path.into())),
        }
    }
}

pub(crate) fn envelope(path: &str, bytes: &[u8]) -> Result<Envelope, SyncError> {
    Envelope::decode(bytes, usize::MAX)
        .map_err(|e| SyncError::Untrusted { what: path.into(), source: TrustError::Envelope(e) })
}

pub(crate) fn untrusted(what: &str) -> impl FnOnce(EnvelopeError) -> SyncError + '_ {
    move |e| SyncError::Untrusted { what: what.into(), source: TrustError::Envelope(e) }
}
