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

//! The checks are a planner: [`sync`] reads what the store knows
//! ([`genuine_state::FeedState`]), fetches and checks, and hands the store one
//! [`genuine_state::FeedWrite`] to apply. Any [`TrustState`] will do (SQLite
//! on phones, memory in a browser): there is no SQL in this crate. An
//! embedder whose fetches are asynchronous (a browser's `fetch`) runs the
//! same planner in rounds ([`sync_round`]): each round names the next file it
//! needs, and the checks are the same code either way.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod brand;
mod checks;
mod counted;
mod error;
mod fetch;
#[cfg(not(target_arch = "wasm32"))]
mod http_feed;
mod limits;
mod plan;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod rounds;
mod transport;

pub use error::{RefusedBrand, RevocationChange, SyncError, SyncReport};
pub use fetch::{CancelToken, Fetch, FetchError, Fetched};
#[cfg(not(target_arch = "wasm32"))]
pub use http_feed::HttpFeed;
pub use limits::{MAX_DELTA_RUN, MAX_ROOT_STEPS, MAX_TIMESTAMP_LIFETIME};
#[cfg(feature = "reqwest")]
pub use reqwest_transport::ReqwestTransport;
pub use rounds::{Answers, FileRequest, MAX_ROUND_FILES, Round, sync_round};
pub use transport::{
    FeedBase, FeedConfig, HttpRequest, HttpResponse, PostRequest, Transport, TransportError, fetched,
};

use genuine_format::UnixTime;
use genuine_state::{ApplyError, TrustState};

/// Syncs the store with a feed. `device_now` is the device clock; `cancel`
/// stops it at the next check, with nothing written.
pub fn sync<S: TrustState + ?Sized>(
    store: &mut S,
    feed: &impl Fetch,
    device_now: UnixTime,
    cancel: &CancelToken,
) -> Result<SyncReport, SyncError> {
    let state = store.feed_state().map_err(store_error)?;
    let (write, mut report) = plan::plan(&state, store.anchor(), feed, device_now, cancel)?;
    if cancel.is_cancelled() {
        return Err(SyncError::Cancelled);
    }
    match store.apply_feed(&write) {
        Err(ApplyError::Changed) => return Err(SyncError::Concurrent),
        Err(ApplyError::Store(e)) => return Err(store_error(e)),
        Ok(()) => {}
    }
    report.timestamp_version = write.timestamp.version;
    Ok(report)
}

fn store_error(e: impl std::error::Error + Send + Sync + 'static) -> SyncError {
    SyncError::Store(Box::new(e))
}
