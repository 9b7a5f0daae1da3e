//! The store behind the seam sync and verification run over.

use crate::store::{Store, StoreError};
use genuine_format::revocation::{Entry, ListKind};
use genuine_format::trust::TrustAnchor;
use genuine_state::{ApplyError, FeedState, FeedWrite, KeyIndex, ListsRef, TrustState};
use std::sync::Arc;

impl TrustState for Store {
    type Error = StoreError;

    fn anchor(&self) -> &TrustAnchor {
        Store::anchor(self)
    }

    fn key_index(&self) -> Result<Arc<KeyIndex>, StoreError> {
        Store::key_index(self)
    }

    fn listed(&self, lists: ListsRef, kind: ListKind, entry: Entry) -> Result<bool, StoreError> {
        Store::listed(self, lists, kind, entry)
    }

    fn feed_state(&self) -> Result<FeedState, StoreError> {
        Store::feed_state(self)
    }

    fn apply_feed(&mut self, write: &FeedWrite) -> Result<(), ApplyError<StoreError>> {
        Store::apply_feed(self, write).map_err(|e| match e {
            StoreError::Changed => ApplyError::Changed,
            e => ApplyError::Store(e),
        })
    }
}
