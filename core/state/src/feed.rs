//! What a sync reads before fetching ([`FeedState`]) and the one write it
//! hands back ([`FeedWrite`]): values, so that every store (SQLite on phones,
//! memory in a browser) applies the same checked plan in one step or not at all.

use genuine_format::UnixTime;
use genuine_format::admit::{Admission, Held};
use genuine_format::revocation::{Head, RevocationLists};
use std::collections::BTreeMap;

/// Where a brand's revocation chain stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The last delta applied.
    pub seq: u64,
    /// The chain's head after it.
    pub head: Head,
    /// The base whose exact filters are held (0: none).
    pub filter_seq: u64,
}

/// What the store knows that a sync starts from.
#[derive(Debug, Clone)]
pub struct FeedState {
    /// The store's write counter when this was read: a store refuses to
    /// apply a plan made from an older state.
    pub revision: u64,
    /// The trusted documents, verified again.
    pub held: Held,
    /// Version of the stored timestamp.
    pub timestamp_version: Option<u64>,
    /// Its bytes, as fetched.
    pub timestamp_bytes: Option<Vec<u8>>,
    /// Its ETag, for a conditional fetch.
    pub timestamp_etag: Option<String>,
    /// When it stops vouching, counted from when it was accepted (so a
    /// timestamp signed "in 2100" still lapses on time).
    pub timestamp_live_until: Option<UnixTime>,
    /// When it was accepted (its signed time, capped at that sync's clock).
    pub timestamp_seen_at: Option<UnixTime>,
    /// The stored snapshot's bytes.
    pub snapshot_bytes: Option<Vec<u8>>,
    /// Each brand's revocation chain.
    pub chains: BTreeMap<String, ChainHead>,
    /// The floor for "now".
    pub time_floor: UnixTime,
}

/// A delta's additions and removals.
#[derive(Debug, Clone, Default)]
pub struct ListsDelta {
    /// Entries added.
    pub add: RevocationLists,
    /// Entries removed.
    pub remove: RevocationLists,
}

/// A brand's exact filters (`genuine_format::filter`) and the base they were
/// built at, as sent (the planner decoded them once to check them).
#[derive(Debug, Clone)]
pub struct FilterWrite {
    /// The base's seq.
    pub seq: u64,
    /// The filter's wire form.
    pub bytes: Vec<u8>,
}

/// What a chain write does to the brand's filters. A base says which
/// filters its lists leave out, so with a base it is `Set` or `Clear` (or
/// `Keep` when the base names the ones held); without one, always `Keep`.
#[derive(Debug, Clone, Default)]
pub enum FilterChange {
    /// Leave the held filters as they are.
    #[default]
    Keep,
    /// Replace them.
    Set(FilterWrite),
    /// Drop them: the base's lists are complete.
    Clear,
}

/// One brand's checked revocation work.
#[derive(Debug, Clone)]
pub struct ChainWrite {
    /// The brand.
    pub brand_id: String,
    /// A full list replacing what is held, applied first.
    pub base: Option<RevocationLists>,
    /// Deltas after it, in order.
    pub deltas: Vec<ListsDelta>,
    /// The seq reached.
    pub seq: u64,
    /// The head reached.
    pub head: Head,
    /// When the lists were signed ("since" for their entries).
    pub signed_at: UnixTime,
    /// What happens to the brand's exact filters.
    pub filter: FilterChange,
}

/// The timestamp a sync accepted.
#[derive(Debug, Clone)]
pub struct TimestampWrite {
    /// Its version.
    pub version: u64,
    /// Its signed time.
    pub issued_at: UnixTime,
    /// Its signed expiry.
    pub expires: UnixTime,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its ETag, if the server sent one.
    pub etag: Option<String>,
    /// When it counts as accepted: its signed time, never later than this
    /// device's clock (for the stored one, when it was first taken).
    pub seen_at: UnixTime,
    /// A newly accepted timestamp (not the stored one again): only then do
    /// its lifetime and the time floor move.
    pub is_new: bool,
}

/// Everything one sync checked, for the store to apply at once.
#[derive(Debug, Clone)]
pub struct FeedWrite {
    /// The [`FeedState::revision`] the plan was made from.
    pub read_at_revision: u64,
    /// Roots, brand records and keysets admitted.
    pub admission: Admission,
    /// Revocation chains moved forward.
    pub chains: Vec<ChainWrite>,
    /// The timestamp accepted.
    pub timestamp: TimestampWrite,
    /// The snapshot it names.
    pub snapshot_bytes: Vec<u8>,
    /// Brands whose documents and lists this sync brought in full: their
    /// revocation status counts as fresh from `timestamp.seen_at`.
    pub fresh_brands: Vec<String>,
}

impl TimestampWrite {
    /// Until when a newly accepted timestamp vouches: its signed lifetime,
    /// counted from when it was accepted (so a timestamp signed "in 2100"
    /// still lapses on time).
    pub fn live_until(&self) -> UnixTime {
        self.seen_at.plus(self.expires.since(self.issued_at))
    }
}
