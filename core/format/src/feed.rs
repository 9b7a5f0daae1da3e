//! Feed documents: what a sync fetches from static files on any CDN.
//!
//! ```text
//! /v1/timestamp                      short expiry; names the snapshot (version, SHA-256, length)
//! /v1/snapshot/{v}                   every current document: versions, hashes, lengths, revocation heads
//! /v1/root/{v}  /v1/brands/{id}/{v}  /v1/keysets/{id}/{v}
//! /v1/revocations/{id}/{seq}         a delta of a brand's revocation lists
//! /v1/revocations/{id}/base-{seq}    the full lists at seq
//! /v1/revocations/{id}/filter-{seq}  exact filters of closed keys that go with that base
//! ```
//!
//! The timestamp and snapshot are signed by the root's timestamp keys, which
//! can only vouch for freshness; revocation lists by the brand's revoker keys,
//! which can only revoke, and only for their own brand.

use crate::revocation::{Head, RevocationLists};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Payload type of the timestamp.
pub const TIMESTAMP_TYPE: &str = "genuine/timestamp/v1";
/// Payload type of a snapshot.
pub const SNAPSHOT_TYPE: &str = "genuine/snapshot/v1";
/// Payload type of a revocation delta.
pub const DELTA_TYPE: &str = "genuine/revocations-delta/v1";
/// Payload type of a revocation base.
pub const BASE_TYPE: &str = "genuine/revocations-base/v1";
/// Payload type of a brand's exact revocation filters.
pub const FILTER_TYPE: &str = "genuine/revocations-filter/v1";

/// Hard caps per document kind, enforced while streaming ("endless data").
pub mod caps {
    /// The timestamp.
    pub const TIMESTAMP: u64 = 4 << 10;
    /// A snapshot.
    pub const SNAPSHOT: u64 = 1 << 20;
    /// A root document.
    pub const ROOT: u64 = crate::bundle::MAX_ROOT_LEN as u64;
    /// A brand record.
    pub const BRAND: u64 = crate::bundle::MAX_BRAND_LEN as u64;
    /// A keyset.
    pub const KEYSET: u64 = crate::bundle::MAX_KEYSET_LEN as u64;
    /// A revocation delta (about 250,000 entries).
    pub const DELTA: u64 = 2 << 20;
    /// A revocation base (about 4 million entries).
    pub const BASE: u64 = 32 << 20;
    /// A filter document: about 1.1 bytes a revoked serial at 1% revoked,
    /// so 32 MiB holds a brand's tens of millions.
    pub const FILTER: u64 = 32 << 20;
}

/// What the snapshot or timestamp vouches for a file: version, SHA-256 and length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    /// The file's version.
    pub version: u64,
    /// SHA-256 of the file's bytes.
    #[serde(with = "serde_bytes")]
    pub sha256: [u8; 32],
    /// Its length in bytes.
    pub length: u64,
}

impl FileMeta {
    /// The meta of some bytes.
    pub fn of(version: u64, bytes: &[u8]) -> FileMeta {
        FileMeta { version, sha256: Sha256::digest(bytes).into(), length: bytes.len() as u64 }
    }

    /// Do these bytes match? (A mismatch is mix-and-match or tampering.)
    pub fn matches(&self, bytes: &[u8]) -> bool {
        bytes.len() as u64 == self.length && Sha256::digest(bytes)[..] == self.sha256
    }
}

/// The timestamp: the only file that changes in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    /// Increases with every publish.
    pub version: u64,
    /// When it was signed (unix seconds).
    pub issued_at: u64,
    /// After this the feed is frozen: clients refuse it.
    pub expires: u64,
    /// The current snapshot.
    pub snapshot: FileMeta,
}

/// A brand's revocation lists as the snapshot vouches for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationMeta {
    /// Latest delta sequence number (0 = no delta yet).
    pub seq: u64,
    /// Head of the hash chain at `seq`.
    pub head: Head,
    /// Sequence number of the newest base.
    pub base_seq: u64,
    /// When the newest delta (or base) was signed.
    pub issued_at: u64,
    /// The exact filters that go with the newest base (version = its seq),
    /// by hash and length; absent for a brand without closed keys to fold,
    /// so snapshots without filters encode as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<FileMeta>,
}

/// The snapshot: versions and hashes of every current document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Equals the timestamp's snapshot version.
    pub version: u64,
    /// When it was signed.
    pub issued_at: u64,
    /// The current root document (`version` = root version).
    pub root: FileMeta,
    /// Brand records by brand id.
    pub brands: BTreeMap<String, FileMeta>,
    /// Keysets by brand id.
    pub keysets: BTreeMap<String, FileMeta>,
    /// Revocation lists by brand id.
    pub revocations: BTreeMap<String, RevocationMeta>,
}

/// One step of a brand's revocation lists, signed by its revoker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationDelta {
    /// Whose lists.
    pub brand_id: String,
    /// This delta's sequence number (first is 1).
    pub seq: u64,
    /// Head before this delta: a delta that does not continue our chain is a fork.
    pub prev_head: Head,
    /// When it was signed.
    pub issued_at: u64,
    /// Entries added.
    pub add: RevocationLists,
    /// Entries removed (a revocation made in error).
    pub remove: RevocationLists,
}

/// A brand's full lists at some sequence number, for a first sync or a long gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationBase {
    /// Whose lists.
    pub brand_id: String,
    /// The sequence number the lists are at.
    pub seq: u64,
    /// Chain head at `seq`.
    pub head: Head,
    /// When it was signed.
    pub issued_at: u64,
    /// Every entry.
    pub lists: RevocationLists,
    /// The filters (`filter-{seq}`) whose answers these lists leave out;
    /// absent when the lists are complete, so such bases encode as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_seq: Option<u64>,
}

/// A brand's exact filters at base `seq`: the base's lists leave out every
/// entry a filter block answers (genuine_format::filter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationFilterDoc {
    /// The brand.
    pub brand_id: String,
    /// The base it goes with.
    pub seq: u64,
    /// When it was signed.
    pub issued_at: u64,
    /// The filter's wire form.
    #[serde(with = "serde_bytes")]
    pub filter: Vec<u8>,
}

/// Feed paths.
pub mod paths {
    /// The timestamp.
    pub fn timestamp() -> String {
        "v1/timestamp".into()
    }
    /// A snapshot.
    pub fn snapshot(v: u64) -> String {
        format!("v1/snapshot/{v}")
    }
    /// A root.
    pub fn root(v: u64) -> String {
        format!("v1/root/{v}")
    }
    /// A brand record.
    pub fn brand(id: &str, v: u64) -> String {
        format!("v1/brands/{id}/{v}")
    }
    /// A keyset.
    pub fn keyset(id: &str, v: u64) -> String {
        format!("v1/keysets/{id}/{v}")
    }
    /// A revocation delta.
    pub fn delta(id: &str, seq: u64) -> String {
        format!("v1/revocations/{id}/{seq}")
    }
    /// A revocation base.
    pub fn base(id: &str, seq: u64) -> String {
        format!("v1/revocations/{id}/base-{seq}")
    }

    /// The filters that go with base `seq`.
    pub fn filter(id: &str, seq: u64) -> String {
        format!("v1/revocations/{id}/filter-{seq}")
    }
}
