//! Where feed files come from, and how a sync asks for them: the [`Fetch`]
//! trait (an [`crate::HttpFeed`] over a transport, or anything else) and the
//! [`CancelToken`] that stops it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// Not fetched yet: a sync in rounds ([`crate::sync_round`]) asks its
    /// embedder for this file and runs again once it has it.
    #[error("{0}: not fetched yet")]
    Pending(String),
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
            FetchError::TooLarge { .. } | FetchError::Cancelled | FetchError::Pending(_) => false,
        }
    }
}

/// Where feed files come from: an [`HttpFeed`](crate::HttpFeed) over a [`Transport`](crate::Transport), or
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
