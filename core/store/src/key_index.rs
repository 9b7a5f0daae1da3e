//! The key index read from the store's tables (`genuine_state::KeyIndex`),
//! rebuilt whenever they change, so a verify costs no SQL on the hot path.

use crate::meta::meta_time;
use genuine_format::UnixTime;
use genuine_format::filter::RevocationFilter;
use genuine_format::keys::PublicKey;
use genuine_format::revocation::ListKind;
use genuine_state::{KeyIndex, KeyRecord, ListsRef};
use rusqlite::Connection;
use std::collections::HashMap;

/// Reads the index from the store's tables.
pub(crate) fn load(conn: &Connection) -> rusqlite::Result<KeyIndex> {
    let time_floor = meta_time(conn, "time_floor")?.unwrap_or_default();
    let mut index = KeyIndex::new(time_floor, meta_time(conn, "ts_seen_at")?);
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
        index.add_key(scopes.remove(&id).unwrap_or_default(), key);
    }
    let mut stmt = conn.prepare("SELECT brand_id, idx, issued_at FROM rev_brands")?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, u64>(2)?)))?
    {
        let (brand, idx, at) = row?;
        index.add_lists(&brand, ListsRef { handle: idx, signed_at: UnixTime::from_secs(at) });
    }
    // Filters were checked before they were written; one that no longer
    // decodes was changed behind our back: verification stops with an error
    // (the base left out what it answers) until a sync writes it again.
    let mut stmt = conn.prepare("SELECT idx, bytes FROM rev_filters")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))? {
        let (idx, bytes) = row?;
        let filter = RevocationFilter::decode(&bytes).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Blob, Box::new(e))
        })?;
        index.add_filter(idx, std::sync::Arc::new(filter));
    }
    // Bucket ids are idx << 24 | kind << 16 | bucket.
    let mut stmt = conn.prepare("SELECT DISTINCT id >> 16 FROM rev_buckets")?;
    for row in stmt.query_map([], |r| r.get::<_, i64>(0))? {
        let list = row?;
        if let Some(kind) = ListKind::ALL.into_iter().find(|k| *k as i64 == list & 0xFF) {
            index.add_nonempty(list >> 8, kind);
        }
    }
    let mut stmt = conn.prepare("SELECT brand_id, kid, since FROM rev_keys")?;
    for row in
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u16>(1)?, r.get::<_, u64>(2)?)))?
    {
        let (brand, kid, since) = row?;
        index.add_key_revoked(&brand, kid, UnixTime::from_secs(since));
    }
    let mut stmt = conn.prepare("SELECT brand_id, seen_at FROM brand_fresh")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))? {
        let (brand, at) = row?;
        index.add_brand_synced(&brand, UnixTime::from_secs(at));
    }
    let mut stmt = conn.prepare("SELECT brand_id, host FROM brand_hosts")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (brand, host) = row?;
        index.add_host(&brand, &host);
    }
    Ok(index)
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
