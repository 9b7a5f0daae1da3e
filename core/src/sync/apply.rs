//! Applying a checked plan: one IMMEDIATE transaction, or nothing.

use super::*;

pub(super) fn apply(store: &mut Store, plan: Plan) -> Result<SyncReport, SyncError> {
    let anchor = store.anchor().clone();
    store.write_tx(|tx| {
        // Another sync may have applied while this one fetched.
        let ts_now: Option<u64> =
            tx.query_row("SELECT value FROM meta WHERE key = 'ts_version'", [], |r| r.get(0)).optional()?;
        if ts_now != plan.known_ts {
            return Err(SyncError::Concurrent);
        }
        let trust = import_in(tx, &anchor, &plan.bundle, plan.now)?;
        let mut refused = plan.refused;
        refused.extend(
            trust
                .refused
                .iter()
                .map(|r| RefusedBrand { brand_id: r.brand_id.clone(), reason: r.error.to_string() }),
        );
        let mut revocations = Vec::new();
        // A chain is checked against the brand's new record: if the import
        // refused that record, its revoker keys vouch for nothing.
        let chains = plan.chains.into_iter().filter(|c| !refused.iter().any(|r| r.brand_id == c.brand_id));
        for chain in chains {
            let id = &chain.brand_id;
            let idx = revocation_store::brand_index(tx, id)?;
            let since = chain.meta.issued_at;
            if let Some(lists) = &chain.base {
                revocation_store::replace(tx, id, idx, lists, since)?;
            }
            for (add, remove) in &chain.deltas {
                revocation_store::apply_delta(tx, id, idx, add, remove, since)?;
            }
            tx.execute(
                "UPDATE rev_brands SET seq = ?1, head = ?2, issued_at = ?3 WHERE idx = ?4",
                params![chain.meta.seq, chain.meta.head.as_slice(), since, idx],
            )?;
            revocations.push(chain.change);
        }
        let ts = &plan.timestamp;
        let mut set = tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
        set.execute(params!["ts_version", ts.version])?;
        set.execute(params!["ts_issued_at", ts.issued_at])?;
        set.execute(params!["ts_expires", ts.expires])?;
        let seen = plan.seen_at;
        if !plan.same_timestamp {
            // A newly accepted timestamp counts from `seen`: its lifetime,
            // the floor and freshness all start there.
            let live_until = seen.saturating_add(ts.expires.saturating_sub(ts.issued_at));
            set.execute(params!["ts_seen_at", seen])?;
            set.execute(params!["ts_live_until", live_until])?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('time_floor', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                [seen],
            )?;
        }
        set.execute(params!["ts_bytes", plan.ts_bytes])?;
        set.execute(params!["snapshot_bytes", plan.snapshot_bytes])?;
        // Revocation status is fresh per brand: a brand refused this time
        // keeps the time of its last good sync.
        let mut fresh = tx.prepare_cached(
            "INSERT INTO brand_fresh (brand_id, seen_at) VALUES (?1, ?2) \
             ON CONFLICT (brand_id) DO UPDATE SET seen_at = excluded.seen_at",
        )?;
        for id in plan.listed.iter().filter(|id| !refused.iter().any(|r| &r.brand_id == *id)) {
            fresh.execute(params![id, seen])?;
        }
        match &plan.ts_etag {
            Some(etag) => set.execute(params!["ts_etag", etag.as_bytes()])?,
            None => tx.execute("DELETE FROM meta WHERE key = 'ts_etag'", [])?,
        };
        Ok(SyncReport {
            timestamp_version: ts.version,
            not_modified: plan.not_modified,
            trust,
            revocations,
            bytes_fetched: 0,
            files_fetched: 0,
            refused,
        })
    })
}
