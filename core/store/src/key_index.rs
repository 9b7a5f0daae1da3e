//! An in-memory index of the trusted claim keys, rebuilt from the store's
//! tables whenever they change, so a verify costs no SQL on the hot path.
//!
//! Keys are few (thousands at most, against millions of revocations), so the
//! whole set fits comfortably in memory.

use crate::meta::meta_time;
use genuine_format::UnixTime;
use genuine_format::gs1::Gtin;
use genuine_format::keys::{PreparedKey, PublicKey};
use genuine_format::revocation::ListKind;
use rusqlite::Connection;
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
    /// The brand's number in the bucket table.
    pub(crate) index: i64,
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
    /// The floor for "now" ([`crate::Store::time_floor`]).
    time_floor: UnixTime,
    /// Where each brand's revocation lists are.
    lists: HashMap<String, ListsRef>,
    /// (brand index << 8 | list kind) of every list that has entries: a
    /// verify skips the lookup of an empty list.
    nonempty_lists: HashSet<i64>,
    /// Claim keys revoked through a brand's `keys` list: (brand, kid) -> since.
    rev_keys: HashMap<(String, u16), UnixTime>,
    /// When the last good timestamp was accepted, if any sync succeeded.
    last_timestamp: Option<UnixTime>,
    /// Per brand: when a sync last brought its documents in full.
    brand_fresh: HashMap<String, UnixTime>,
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

    /// The floor for "now" ([`crate::Store::time_floor`]).
    pub fn time_floor(&self) -> UnixTime {
        self.time_floor
    }

    /// A brand's revocation lists, if a sync brought any.
    pub fn lists_of(&self, brand_id: &str) -> Option<ListsRef> {
        self.lists.get(brand_id).copied()
    }

    /// Does this list of `kind` have any entry?
    pub fn has_entries(&self, lists: ListsRef, kind: ListKind) -> bool {
        self.nonempty_lists.contains(&((lists.index << 8) | kind as i64))
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

    /// Reads the index from the store's tables.
    pub(crate) fn load(conn: &Connection) -> rusqlite::Result<KeyIndex> {
        let time_floor = meta_time(conn, "time_floor")?.unwrap_or_default();
        let mut index = KeyIndex { time_floor, ..KeyIndex::default() };
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
        for row in stmt.query_map([], |r| Ok((key_record(r)?, r.get::<_, i64>(8)?)))? {
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
            index.lists.insert(brand, ListsRef { index: idx, signed_at: UnixTime::from_secs(at) });
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
            index.rev_keys.insert((brand, kid), UnixTime::from_secs(since));
        }
        index.last_timestamp = meta_time(conn, "ts_seen_at")?;
        let mut stmt = conn.prepare("SELECT brand_id, seen_at FROM brand_fresh")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))? {
            let (brand, at) = row?;
            index.brand_fresh.insert(brand, UnixTime::from_secs(at));
        }
        let mut stmt = conn.prepare("SELECT brand_id, host FROM brand_hosts")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (brand, host) = row?;
            index.hosts.entry(brand).or_default().push(host);
        }
        Ok(index)
    }
}

fn key_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRecord> {
    let key: Vec<u8> = r.get(3)?;
    let public_key = key.try_into().map(PublicKey).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Blob, "key length".into())
    })?;
    let time = |i| r.get::<_, u64>(i).map(UnixTime::from_secs);
    Ok(KeyRecord {
        brand_id: r.get(0)?,
        brand_name: r.get(1)?,
        kid: r.get(2)?,
        public_key,
        sign_from: time(4)?,
        sign_until: time(5)?,
        verify_until: time(6)?,
        revoked_at: r.get::<_, Option<u64>>(7)?.map(UnixTime::from_secs),
    })
}
