//! Sync's side of the store: what it reads before fetching
//! ([`FeedState`]) and the one write it hands back ([`FeedWrite`]), applied
//! in a single transaction or not at all.

use crate::documents::{held, write_admission};
use crate::meta::{meta_bytes, meta_time, meta_u64};
use crate::revocations;
use crate::store::{Store, StoreError};
use genuine_format::filter::RevocationFilter;
use genuine_format::revocation::Head;
use genuine_state::{ChainHead, FeedState, FeedWrite, FilterChange};
use rusqlite::params;
use std::collections::BTreeMap;

impl Store {
    /// What a sync starts from.
    pub fn feed_state(&self) -> Result<FeedState, StoreError> {
        let conn = &self.conn;
        let mut chains = BTreeMap::new();
        let mut stmt = conn.prepare(
            "SELECT b.brand_id, b.seq, b.head, COALESCE(f.seq, 0), f.bytes FROM rev_brands b \
             LEFT JOIN rev_filters f ON f.idx = b.idx",
        )?;
        for row in stmt.query_map([], |r| {
            let bytes: Option<Vec<u8>> = r.get(4)?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, u64>(3)?,
                bytes,
            ))
        })? {
            let (id, seq, head, filter_seq, bytes) = row?;
            // Filters damaged on disk count as none held: the next sync
            // fetches them again with their base and writes them over.
            let intact = bytes.is_some_and(|b| RevocationFilter::decode(&b).is_ok());
            let filter_seq = if intact { filter_seq } else { 0 };
            let head: Head = head.try_into().map_err(|_| StoreError::Corrupt("revocation head".into()))?;
            chains.insert(id, ChainHead { seq, head, filter_seq });
        }
        Ok(FeedState {
            revision: meta_u64(conn, "revision")?.unwrap_or(0),
            held: held(conn, &self.anchor)?,
            timestamp_version: meta_u64(conn, "ts_version")?,
            timestamp_bytes: meta_bytes(conn, "ts_bytes")?,
            timestamp_etag: meta_bytes(conn, "ts_etag")?.and_then(|b| String::from_utf8(b).ok()),
            timestamp_live_until: meta_time(conn, "ts_live_until")?,
            timestamp_seen_at: meta_time(conn, "ts_seen_at")?,
            snapshot_bytes: meta_bytes(conn, "snapshot_bytes")?,
            chains,
            time_floor: self.time_floor()?,
        })
    }

    /// Applies one sync's checked plan in one IMMEDIATE transaction. Refused
    /// with [`StoreError::Changed`] if any write happened since the plan's
    /// [`FeedState`] was read (another sync, an import).
    pub fn apply_feed(&mut self, plan: &FeedWrite) -> Result<(), StoreError> {
        self.write_tx(|tx| {
            if meta_u64(tx, "revision")?.unwrap_or(0) != plan.read_at_revision {
                return Err(StoreError::Changed);
            }
            write_admission(tx, &plan.admission)?;
            for chain in &plan.chains {
                let id = &chain.brand_id;
                let idx = revocations::brand_index(tx, id)?;
                let since = chain.signed_at.as_secs();
                if let Some(lists) = &chain.base {
                    revocations::replace(tx, id, idx, lists, since)?;
                }
                match &chain.filter {
                    FilterChange::Keep => {}
                    FilterChange::Set(filter) => {
                        tx.execute(
                            "INSERT OR REPLACE INTO rev_filters (idx, seq, bytes) VALUES (?1, ?2, ?3)",
                            params![idx, filter.seq, filter.bytes],
                        )?;
                    }
                    FilterChange::Clear => {
                        tx.execute("DELETE FROM rev_filters WHERE idx = ?1", [idx])?;
                    }
                }
                for delta in &chain.deltas {
                    revocations::apply_delta(tx, id, idx, &delta.add, &delta.remove, since)?;
                }
                tx.execute(
                    "UPDATE rev_brands SET seq = ?1, head = ?2, issued_at = ?3 WHERE idx = ?4",
                    params![chain.seq, chain.head.as_slice(), since, idx],
                )?;
            }
            let ts = &plan.timestamp;
            let mut set = tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
            set.execute(params!["ts_version", ts.version])?;
            set.execute(params!["ts_issued_at", ts.issued_at.as_secs()])?;
            set.execute(params!["ts_expires", ts.expires.as_secs()])?;
            let seen = ts.seen_at.as_secs();
            if ts.is_new {
                // A newly accepted timestamp counts from `seen`: its lifetime,
                // the floor and freshness all start there.
                set.execute(params!["ts_seen_at", seen])?;
                set.execute(params!["ts_live_until", ts.live_until().as_secs()])?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('time_floor', ?1) \
                     ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                    [seen],
                )?;
            }
            set.execute(params!["ts_bytes", ts.bytes])?;
            set.execute(params!["snapshot_bytes", plan.snapshot_bytes])?;
            // Revocation status is fresh per brand: a brand refused this time
            // keeps the time of its last good sync.
            let mut fresh = tx.prepare_cached(
                "INSERT INTO brand_fresh (brand_id, seen_at) VALUES (?1, ?2) \
                 ON CONFLICT (brand_id) DO UPDATE SET seen_at = excluded.seen_at",
            )?;
            for id in &plan.fresh_brands {
                fresh.execute(params![id, seen])?;
            }
            match &ts.etag {
                Some(etag) => set.execute(params!["ts_etag", etag.as_bytes()])?,
                None => tx.execute("DELETE FROM meta WHERE key = 'ts_etag'", [])?,
            };
            Ok(())
        })
    }
}
