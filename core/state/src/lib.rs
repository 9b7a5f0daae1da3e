//! The trust state a verifier holds, as values, and the seam every store
//! implements.
//!
//! Sync's planner (`genuine-sync`) and verification (`genuine-verify`) run
//! over a [`TrustState`]: on phones the SQLite file (`genuine-store`, the
//! truth there), in a browser the [`MemoryState`] here. What crosses the
//! seam is plain values — the [`KeyIndex`] verification reads, the
//! [`FeedState`] a sync starts from and the one [`FeedWrite`] it hands back —
//! so each rule is written once, whichever store holds the state.
//!
//! Revocation lists are asked one question only, [`TrustState::listed`]: a
//! store may hold them as it likes (SQLite buckets, sorted vectors, a
//! compact filter), and nothing else reads them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod feed;
mod index;
mod lists;
mod memory;
mod seam;

pub use feed::{
    ChainHead, ChainWrite, FeedState, FeedWrite, FilterChange, FilterWrite, ListsDelta, TimestampWrite,
};
pub use index::{IndexedKey, KeyIndex, KeyRecord, ListsRef};
pub use lists::merge;
pub use memory::{MemoryError, MemoryState};
pub use seam::{ApplyError, TrustState};
