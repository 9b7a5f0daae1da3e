//! The seam between the rules and whatever holds the trust state: sync's
//! planner reads a [`FeedState`] and hands back one [`FeedWrite`];
//! verification reads a [`KeyIndex`] and asks [`TrustState::listed`]. SQLite
//! on phones (`genuine-store`) and memory in a browser
//! ([`crate::MemoryState`]) both implement it, so neither rule is written twice.

use crate::feed::{FeedState, FeedWrite};
use crate::index::{KeyIndex, ListsRef};
use genuine_format::revocation::{Entry, ListKind};
use genuine_format::trust::TrustAnchor;
use std::sync::Arc;

/// Why a store did not apply a sync's plan. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError<E> {
    /// Another writer changed the store after the plan's [`FeedState`] was
    /// read: the plan may rest on what is no longer there.
    #[error("another writer changed the store first")]
    Changed,
    /// The store itself failed.
    #[error(transparent)]
    Store(E),
}

/// What sync and verification need of a store.
pub trait TrustState {
    /// How the store fails (I/O, corruption); never a verdict.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The pinned root keys the store was opened with.
    fn anchor(&self) -> &TrustAnchor;

    /// The trusted claim keys, hosts and list handles, as of now.
    fn key_index(&self) -> Result<Arc<KeyIndex>, Self::Error>;

    /// Is `entry` in the brand's list of `kind`? The one revocation lookup:
    /// verification asks nothing else of the lists (`lists` from
    /// [`KeyIndex::lists_of`]), so a store may hold them in any form.
    fn listed(&self, lists: ListsRef, kind: ListKind, entry: Entry) -> Result<bool, Self::Error>;

    /// What a sync starts from.
    fn feed_state(&self) -> Result<FeedState, Self::Error>;

    /// Applies one sync's checked plan at once, or nothing of it.
    fn apply_feed(&mut self, write: &FeedWrite) -> Result<(), ApplyError<Self::Error>>;
}
