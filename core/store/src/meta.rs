//! The `meta` table's single values: counters, times and the stored
//! timestamp and snapshot, read the same way by every part of the store.

use genuine_format::UnixTime;
use rusqlite::{Connection, OptionalExtension};

/// A numeric value (a value a file edited behind our back made negative reads as 0).
pub(crate) fn meta_u64(conn: &Connection, key: &str) -> rusqlite::Result<Option<u64>> {
    let mut stmt = conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
    let v: Option<i64> = stmt.query_row([key], |r| r.get(0)).optional()?;
    Ok(v.map(|v| u64::try_from(v).unwrap_or(0)))
}

/// A time.
pub(crate) fn meta_time(conn: &Connection, key: &str) -> rusqlite::Result<Option<UnixTime>> {
    Ok(meta_u64(conn, key)?.map(UnixTime::from_secs))
}

/// Stored bytes.
pub(crate) fn meta_bytes(conn: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
}
