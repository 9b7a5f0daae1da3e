//! An in-memory index of the trusted claim keys, built by a store from what
//! it holds whenever that changes, so a verify costs no storage access on the
//! hot path (only a revocation lookup may).
//!
//! Keys are few (thousands at most, against millions of revocations), so the
//! whole set fits comfortably in memory.

use genuine_format::UnixTime;
use genuine_format::filter::RevocationFilter;
use genuine_format::gs1::Gtin;
use genuine_format::keys::{PreparedKey, PublicKey};
use genuine_format::revocation::{Entry, ListKind};
use std::collections::{HashMap, HashSet};

/// A claim key found for a code, with what verification needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Brand that owns the key.
    pub brand_id: String,
    /// Brand's display name.
    pub brand_name: String,
    /// The kid.
    pub kid: u16,
    /// The key.
    pub public_key: PublicKey,
    /// Signing window start.
    pub sign_from: UnixTime,
    /// Signing window end.
    pub sign_until: UnixTime,
    /// Verification window end.
    pub verify_until: UnixTime,
    /// When the brand revoked it in its keyset, if it did.
    pub revoked_at: Option<UnixTime>,
}

/// Where a brand's revocation lists are, and when they were signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListsRef {
    /// The store's own number for the brand's lists (for SQLite, its rows in
    /// the bucket table): only the store that made it can look it up.
    pub handle: i64,
    /// When the lists the store holds were signed.
    pub signed_at: UnixTime,
}

/// One claim key as the index holds it.
#[derive(Debug)]
pub struct IndexedKey {
    /// Company prefixes it may sign for.
    pub prefixes: Vec<String>,
    /// What the store knows of it.
    pub record: KeyRecord,
    /// The key, decoded once.
    pub key: PreparedKey,
}

impl IndexedKey {
    /// May this key sign for the GTIN?
    pub fn covers(&self, gtin: &Gtin) -> bool {
        let space = gtin.prefix_space();
        self.prefixes.iter().any(|p| space.starts_with(p.as_str()))
    }
}

/// A consistent snapshot of every trusted claim key and brand host.
#[derive(Debug, Default)]
pub struct KeyIndex {
    /// Keys by kid, each with the company prefixes it may sign for.
    by_kid: HashMap<u16, Vec<IndexedKey>>,
    /// Registered hosts by brand.
    hosts: HashMap<String, Vec<String>>,
    /// The floor for "now" ([`KeyIndex::time_floor`]).
    time_floor: UnixTime,
    /// Where each brand's revocation lists are.
    lists: HashMap<String, ListsRef>,
    /// [`list_number`] of every list that has entries: a verify skips the
    /// lookup of an empty list.
    nonempty_lists: HashSet<i64>,
    /// Claim keys revoked through a brand's `keys` list: (brand, kid) -> since.
    rev_keys: HashMap<(String, u16), UnixTime>,
    /// When the last good timestamp was accepted, if any sync succeeded.
    last_timestamp: Option<UnixTime>,
    /// Per brand: when a sync last brought its documents in full.
    brand_fresh: HashMap<String, UnixTime>,
    filters: HashMap<i64, std::sync::Arc<RevocationFilter>>,
}

impl KeyIndex {
    /// Keys of `kid` whose scope covers the GTIN's company prefix.
    pub fn keys_for<'a>(&'a self, gtin: &'a Gtin, kid: u16) -> impl Iterator<Item = &'a IndexedKey> + 'a {
        self.keys_with_kid(kid).filter(move |k| k.covers(gtin))
    }

    /// Every key with this kid, whatever its scope, with its prefixes.
    pub fn keys_with_kid(&self, kid: u16) -> impl Iterator<Item = &IndexedKey> {
        self.by_kid.get(&kid).into_iter().flatten()
    }

    /// Is `host` registered by the brand?
    pub fn host_registered(&self, brand_id: &str, host: &str) -> bool {
        self.hosts.get(brand_id).is_some_and(|hosts| hosts.iter().any(|h| h == host))
    }

    /// The hosts a brand registered (its landing pages).
    pub fn hosts_of(&self, brand_id: &str) -> &[String] {
        self.hosts.get(brand_id).map_or(&[], Vec::as_slice)
    }

    /// The floor for "now", so that a clock turned back cannot revive an
    /// expired key: the signed time of the timestamps sync accepted, each
    /// capped at the device clock of the sync that accepted it.
    pub fn time_floor(&self) -> UnixTime {
        self.time_floor
    }

    /// A brand's revocation lists, if a sync brought any.
    pub fn lists_of(&self, brand_id: &str) -> Option<ListsRef> {
        self.lists.get(brand_id).copied()
    }

    /// Does this list of `kind` have any entry?
    pub fn has_entries(&self, lists: ListsRef, kind: ListKind) -> bool {
        self.nonempty_lists.contains(&list_number(lists.handle, kind))
    }

    /// Whether the exact filters of these lists answer for `kid`'s `kind`
    /// list, and what (`None`: no block, the entries answer).
    pub fn filtered(&self, lists: ListsRef, kid: u16, kind: ListKind, entry: Entry) -> Option<bool> {
        self.filters.get(&lists.handle)?.contains(kid, kind, entry)
    }

    /// When a key was revoked through its brand's `keys` list.
    pub fn key_revoked_since(&self, brand_id: &str, kid: u16) -> Option<UnixTime> {
        self.rev_keys.get(&(brand_id.to_string(), kid)).copied()
    }

    /// When a sync last brought this brand's documents and lists in full
    /// (a brand refused by later syncs keeps the time of its last good one).
    pub fn brand_synced_at(&self, brand_id: &str) -> Option<UnixTime> {
        self.brand_fresh.get(brand_id).copied()
    }

    /// When the last good timestamp was accepted (its signed time, capped at
    /// the device clock of that sync).
    pub fn last_timestamp(&self) -> Option<UnixTime> {
        self.last_timestamp
    }

    /// An empty index at a time floor, for a store to fill in.
    pub fn new(time_floor: UnixTime, last_timestamp: Option<UnixTime>) -> KeyIndex {
        KeyIndex { time_floor, last_timestamp, ..KeyIndex::default() }
    }

    /// Adds a claim key with the company prefixes its keyset scopes it to.
    pub fn add_key(&mut self, prefixes: Vec<String>, record: KeyRecord) {
        let indexed = IndexedKey { prefixes, key: PreparedKey::new(record.public_key), record };
        self.by_kid.entry(indexed.record.kid).or_default().push(indexed);
    }

    /// Adds a host the brand registered.
    pub fn add_host(&mut self, brand_id: &str, host: &str) {
        let hosts = self.hosts.entry(brand_id.to_string()).or_default();
        if !hosts.iter().any(|h| h == host) {
            hosts.push(host.to_string());
        }
    }

    /// Sets where a brand's revocation lists are.
    pub fn add_lists(&mut self, brand_id: &str, lists: ListsRef) {
        self.lists.insert(brand_id.to_string(), lists);
    }

    /// Notes that the brand's lists of `handle` have entries of `kind`.
    pub fn add_nonempty(&mut self, handle: i64, kind: ListKind) {
        self.nonempty_lists.insert(list_number(handle, kind));
    }

    /// The exact filters held with the lists `handle`.
    pub fn add_filter(&mut self, handle: i64, filter: std::sync::Arc<RevocationFilter>) {
        self.filters.insert(handle, filter);
    }

    /// Adds a claim key revoked through its brand's `keys` list.
    pub fn add_key_revoked(&mut self, brand_id: &str, kid: u16, since: UnixTime) {
        self.rev_keys.insert((brand_id.to_string(), kid), since);
    }

    /// Sets when a sync last brought this brand's documents in full.
    pub fn add_brand_synced(&mut self, brand_id: &str, at: UnixTime) {
        self.brand_fresh.insert(brand_id.to_string(), at);
    }
}

/// One number for a brand's list of one kind.
fn list_number(handle: i64, kind: ListKind) -> i64 {
    (handle << 8) | kind as i64
}
