//! Revocation lists in the store, sized for millions of entries.
//!
//! Entries are random 64-bit values, so they are spread over 65,536 buckets
//! per (brand, list) by their top 16 bits; each bucket is one row holding its
//! entries sorted, 8 bytes each. A lookup reads one short row and binary
//! searches it; a million entries cost about 9 bytes each on disk, where one
//! row per entry would cost 14 or more; a delta rewrites only the buckets it
//! touches.

use genuine_format::revocation::{Entry, ListKind, RevocationLists};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;

/// Row id of a bucket: brand index, list kind, top 16 bits of the entry.
pub(crate) fn bucket_id(brand_idx: i64, kind: ListKind, entry: Entry) -> i64 {
    (brand_idx << 24) | ((kind as i64) << 16) | (entry >> 48) as i64
}

/// Is `entry` in this sorted bucket blob?
pub(crate) fn bucket_contains(blob: &[u8], entry: Entry) -> bool {
    let n = blob.len() / 8;
    let at = |i: usize| u64::from_be_bytes(blob[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match at(mid).cmp(&entry) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

fn pack(entries: &[Entry]) -> Vec<u8> {
    entries.iter().flat_map(|e| e.to_be_bytes()).collect()
}

fn unpack(blob: &[u8]) -> Vec<Entry> {
    blob.chunks_exact(8).map(|c| u64::from_be_bytes(c.try_into().unwrap_or([0; 8]))).collect()
}

/// The index of a brand's lists, created on first use.
pub(crate) fn brand_index(tx: &Transaction<'_>, brand_id: &str) -> rusqlite::Result<i64> {
    if let Some(idx) =
        tx.query_row("SELECT idx FROM rev_brands WHERE brand_id = ?1", [brand_id], |r| r.get(0)).optional()?
    {
        return Ok(idx);
    }
    tx.execute(
        "INSERT INTO rev_brands (brand_id, seq, head, issued_at) VALUES (?1, 0, ?2, 0)",
        params![brand_id, genuine_format::revocation::genesis(brand_id).as_slice()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Replaces a brand's lists with `lists` (a base).
pub(crate) fn replace(
    tx: &Transaction<'_>,
    brand_id: &str,
    idx: i64,
    lists: &RevocationLists,
    since: u64,
) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM rev_buckets WHERE id >= ?1 AND id < ?2", [idx << 24, (idx + 1) << 24])?;
    tx.execute("DELETE FROM rev_keys WHERE brand_id = ?1", [brand_id])?;
    let mut insert = tx.prepare_cached("INSERT INTO rev_buckets (id, entries) VALUES (?1, ?2)")?;
    for kind in ListKind::ALL {
        let mut entries = lists.of(kind).to_vec();
        entries.sort_unstable();
        entries.dedup();
        for chunk in entries.chunk_by(|a, b| a >> 48 == b >> 48) {
            insert.execute(params![bucket_id(idx, kind, chunk[0]), pack(chunk)])?;
        }
    }
    for kid in &lists.keys {
        tx.execute(
            "INSERT OR IGNORE INTO rev_keys (brand_id, kid, since) VALUES (?1, ?2, ?3)",
            params![brand_id, kid, since],
        )?;
    }
    Ok(())
}

/// Applies a delta's additions and removals, rewriting only touched buckets.
pub(crate) fn apply_delta(
    tx: &Transaction<'_>,
    brand_id: &str,
    idx: i64,
    add: &RevocationLists,
    remove: &RevocationLists,
    since: u64,
) -> rusqlite::Result<()> {
    // bucket id -> (additions, removals)
    let mut touched: BTreeMap<i64, (Vec<Entry>, Vec<Entry>)> = BTreeMap::new();
    for kind in ListKind::ALL {
        for &e in add.of(kind) {
            touched.entry(bucket_id(idx, kind, e)).or_default().0.push(e);
        }
        for &e in remove.of(kind) {
            touched.entry(bucket_id(idx, kind, e)).or_default().1.push(e);
        }
    }
    let mut read = tx.prepare_cached("SELECT entries FROM rev_buckets WHERE id = ?1")?;
    let mut write = tx.prepare_cached("INSERT OR REPLACE INTO rev_buckets (id, entries) VALUES (?1, ?2)")?;
    let mut delete = tx.prepare_cached("DELETE FROM rev_buckets WHERE id = ?1")?;
    for (id, (added, removed)) in touched {
        let blob: Option<Vec<u8>> = read.query_row([id], |r| r.get(0)).optional()?;
        let mut entries = blob.as_deref().map(unpack).unwrap_or_default();
        genuine_state::merge(&mut entries, &added, &removed);
        if entries.is_empty() {
            delete.execute([id])?;
        } else {
            write.execute(params![id, pack(&entries)])?;
        }
    }
    for kid in &add.keys {
        tx.execute(
            "INSERT OR IGNORE INTO rev_keys (brand_id, kid, since) VALUES (?1, ?2, ?3)",
            params![brand_id, kid, since],
        )?;
    }
    for kid in &remove.keys {
        tx.execute("DELETE FROM rev_keys WHERE brand_id = ?1 AND kid = ?2", params![brand_id, kid])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_search_finds_exactly_its_entries() {
        let entries = vec![3u64, 9, 27, u64::MAX];
        let blob = pack(&entries);
        for e in &entries {
            assert!(bucket_contains(&blob, *e));
        }
        for e in [0u64, 4, 28, u64::MAX - 1] {
            assert!(!bucket_contains(&blob, e));
        }
        assert!(!bucket_contains(&[], 1));
    }
}
