//! The on-device store: one SQLite file holding every trusted document
//! verbatim, plus tables derived from them for fast lookups.
//!
//! Documents are the truth; the derived tables (`claim_keys`, `key_scopes`,
//! `brand_hosts`, `brand_prefixes`) are rebuilt from them inside the same
//! transaction that changes a document, so they can never disagree.
//!
//! This crate owns the connection and every SQL statement of Genuine. What
//! others need it offers as typed calls: [`Store::import_bundle`] writes what
//! `genuine_format::admit` decided from [`Store::held`],
//! [`Store::feed_state`] and [`Store::apply_feed`] are sync's read and
//! write, and [`Store::key_index`] with [`Store::listed`] serve verification
//! — the calls of `genuine_state::TrustState`, which the store implements
//! (its values, [`FeedState`], [`FeedWrite`], [`KeyIndex`], are that crate's
//! and re-exported here).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod documents;
mod feed_state;
mod key_index;
mod meta;
mod reports;
mod revocations;
mod store;
mod trust_state;

pub use documents::ImportError;
pub use genuine_state::{
    ChainHead, ChainWrite, FeedState, FeedWrite, IndexedKey, KeyIndex, KeyRecord, ListsDelta, ListsRef,
    TimestampWrite,
};
pub use reports::{MAX_QUEUED_REPORTS, NewReport, PSEUDONYM_DAYS, QueuedReport};
pub use store::{BrandSummary, Store, StoreError, StoreSummary};
