//! What the operator has published so far: the feed's version and each
//! brand's revocation history, kept in the authority's state so the next
//! publish continues the chains.

use genuine_format::revocation::{Head, RevocationLists, genesis};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;

/// What the operator has published.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct FeedState {
    /// Version of the last timestamp and snapshot.
    pub version: u64,
    /// Revocation lists by brand.
    pub revocations: BTreeMap<String, BrandFeed>,
}

/// One brand's revocation lists and their history.
#[derive(Clone, Serialize, Deserialize)]
pub struct BrandFeed {
    /// Last delta published.
    pub seq: u64,
    /// Chain head at `seq`.
    pub head: Head,
    /// When the last delta or base was signed.
    pub issued_at: u64,
    /// Every entry as of `seq`, sorted.
    pub current: RevocationLists,
    /// Changes waiting for the next publish.
    pub pending_add: RevocationLists,
    /// Removals waiting for the next publish.
    pub pending_remove: RevocationLists,
    /// Every delta envelope, `deltas[i]` being seq i + 1.
    pub deltas: Vec<ByteBuf>,
    /// The newest base: (seq, envelope).
    pub base: Option<(u64, ByteBuf)>,
    /// The filters of closed keys in force (absent in states from before).
    #[serde(default)]
    pub filter: Option<PublishedFilter>,
}

/// Filters published at a base: every later base leaves out what they
/// answer, until the next fold replaces them.
#[derive(Clone, Serialize, Deserialize)]
pub struct PublishedFilter {
    /// The base they were built at.
    pub seq: u64,
    /// The signed filter document.
    pub envelope: ByteBuf,
    /// The entries they answer, sorted.
    pub covered: RevocationLists,
}

impl BrandFeed {
    pub(crate) fn new(brand_id: &str) -> BrandFeed {
        BrandFeed {
            seq: 0,
            head: genesis(brand_id),
            issued_at: 0,
            current: RevocationLists::default(),
            pending_add: RevocationLists::default(),
            pending_remove: RevocationLists::default(),
            deltas: Vec::new(),
            base: None,
            filter: None,
        }
    }
}
