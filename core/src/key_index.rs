//! An in-memory index of the trusted claim keys, rebuilt from the store's
//! tables whenever they change, so a verify costs no SQL on the hot path.
//!
//! Keys are few (thousands at most, against millions of revocations), so the
//! whole set fits comfortably in memory.

use crate::gs1::Gtin;
use crate::keys::PreparedKey;
use crate::store::{KeyRecord, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

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
    /// The floor for "now" ([`Store::time_floor`]).
    time_floor: u64,
    /// Revocation list index and signed time, by brand.
    rev_brands: HashMap<String, (i64, u64)>,
    /// (brand index << 8 | list kind) of every list that has entries: a
    /// verify skips the lookup of an empty list.
    nonempty_lists: std::collections::HashSet<i64>,
    /// Claim keys revoked through a brand's `keys` list: (brand, kid) -> since.
    rev_keys: HashMap<(String, u16), u64>,
    /// When the last good timestamp was accepted, if any sync succeeded.
    last_timestamp: Option<u64>,
    /// Per brand: when a sync last brought its documents in full.
    brand_fresh: HashMap<String, u64>,
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

    /// The floor for "now" ([`Store::time_floor`]).
    pub fn time_floor(&self) -> u64 {
        self.time_floor
    }

    /// The list index of a brand and when its lists were signed.
    pub fn rev_brand(&self, brand_id: &str) -> Option<(i64, u64)> {
        self.rev_brands.get(brand_id).copied()
    }

    /// Does the brand's list of `kind` have any entry?
    pub fn has_entries(&self, idx: i64, kind: crate::revocation::ListKind) -> bool {
        self.nonempty_lists.contains(&((idx << 8) | kind as i64))
    }

    /// When a key was revoked through its brand's `keys` list.
    pub fn key_revoked_since(&self, brand_id: &str, kid: u16) -> Option<u64> {
        self.rev_keys.get(&(brand_id.to_string(), kid)).copied()
    }

    /// When a sync last brought this brand's documents and lists in full
    /// (a brand refused by later syncs keeps the time of its last good one).
    pub fn brand_synced_at(&self, brand_id: &str) -> Option<u64> {
        self.brand_fresh.get(brand_id).copied()
    }

    /// When the last good timestamp was accepted (its signed time, capped at
    /// the device clock of that sync).
    pub fn last_timestamp(&self) -> Option<u64> {
        self.last_timestamp
    }

    /// Reads the index from the store's tables.
    pub(crate) fn load(store: &Store) -> Result<KeyIndex, StoreError> {
        let conn = &store.conn;
        let mut index = KeyIndex { time_floor: store.time_floor()?, ..KeyIndex::default() };
        let mut scopes: HashMap<i64, Vec<String>> = HashMap::new();
        let mut stmt = conn.prepare("SELECT key_id, prefix FROM key_scopes")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (key_id, prefix) = row?;
            scopes.entry(key_id).or_default().push(prefix);
        }
        let mut stmt = conn.prepare(
            "SELECT k.brand_id, b.name, k.kid, k.public_key, k.sign_from, k.sign_until, \
             k.verify_until, k.revoked_at, k.id FROM claim_keys k JOIN brands b ON b.brand_id = k.brand_id",
        )?;
        for row in stmt.query_map([], |r| Ok((crate::store::key_record(r)?, r.get::<_, i64>(8)?)))? {
            let (key, id) = row?;
            let prefixes = scopes.remove(&id).unwrap_or_default();
            let indexed = IndexedKey { prefixes, key: PreparedKey::new(key.public_key), record: key };
            index.by_kid.entry(indexed.record.kid).or_default().push(indexed);
        }
        let mut stmt = conn.prepare("SELECT brand_id, idx, issued_at FROM rev_brands")?;
        for row in
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, u64>(2)?)))?
        {
            let (brand, idx, at) = row?;
            index.rev_brands.insert(brand, (idx, at));
        }
        // Bucket ids are idx << 24 | kind << 16 | bucket.
        let mut stmt = conn.prepare("SELECT DISTINCT id >> 16 FROM rev_buckets")?;
        for row in stmt.query_map([], |r| r.get::<_, i64>(0))? {
            index.nonempty_lists.insert(row?);
        }
        let mut stmt = conn.prepare("SELECT brand_id, kid, since FROM rev_keys")?;
        for row in
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u16>(1)?, r.get::<_, u64>(2)?)))?
        {
            let (brand, kid, since) = row?;
            index.rev_keys.insert((brand, kid), since);
        }
        index.last_timestamp = store.meta_u64("ts_seen_at")?;
        let mut stmt = conn.prepare("SELECT brand_id, seen_at FROM brand_fresh")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))? {
            let (brand, at) = row?;
            index.brand_fresh.insert(brand, at);
        }
        let mut stmt = conn.prepare("SELECT brand_id, host FROM brand_hosts")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (brand, host) = row?;
            index.hosts.entry(brand).or_default().push(host);
        }
        Ok(index)
    }
}

impl Store {
    /// The current key index, rebuilt if the tables changed since it was read.
    ///
    /// `PRAGMA data_version` changes when another connection commits; our own
    /// imports clear the cache themselves.
    pub fn key_index(&self) -> Result<Arc<KeyIndex>, StoreError> {
        let version: i64 = self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?;
        if let Some((v, index)) = &*self.index.borrow()
            && *v == version
        {
            return Ok(Arc::clone(index));
        }
        let index = Arc::new(KeyIndex::load(self)?);
        *self.index.borrow_mut() = Some((version, Arc::clone(&index)));
        Ok(index)
    }
}
