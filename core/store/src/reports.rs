//! Opt-in scan reports (docs/CLONES.md): the shopper's consent, the install
//! pseudonym, and the queue of reports waiting for their brand's collector.
//!
//! Off until the app turns it on; turning it off empties the queue, so
//! nothing recorded before is sent after consent is withdrawn. The queue is
//! bounded: past [`MAX_QUEUED_REPORTS`] the oldest report goes, and is
//! counted. One report per code and pseudonym.

use crate::meta::{meta_bytes, meta_u64};
use crate::store::{Store, StoreError};
use genuine_format::UnixTime;
use rusqlite::params;

/// Reports kept waiting at most.
pub const MAX_QUEUED_REPORTS: u64 = 500;
/// Days an install pseudonym lives before a new one replaces it.
pub const PSEUDONYM_DAYS: u64 = 30;

/// A verified scan to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The brand that signed the code.
    pub brand_id: String,
    /// The code's text, as printed on the box.
    pub code: String,
    /// `genuine` or `revoked`.
    pub verdict: String,
    /// Where, as a geohash of at most 5 characters, if the app gave one.
    pub place: Option<String>,
}

/// A report waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedReport {
    /// Its row.
    pub id: i64,
    /// The brand whose collector it goes to.
    pub brand_id: String,
    /// The code's text.
    pub code: String,
    /// `genuine` or `revoked`.
    pub verdict: String,
    /// The hour of the scan (unix seconds / 3600).
    pub hour: u64,
    /// The geohash, if any.
    pub place: Option<String>,
    /// The install pseudonym at the time of the scan.
    pub install: String,
}

impl Store {
    /// Whether the shopper agreed to scan reporting (off by default).
    pub fn reporting(&self) -> Result<bool, StoreError> {
        Ok(meta_u64(&self.conn, "reporting")?.unwrap_or(0) == 1)
    }

    /// Turns scan reporting on or off; off also empties the queue.
    pub fn set_reporting(&mut self, on: bool) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reporting', ?1)", [i64::from(on)])?;
        if !on {
            tx.execute("DELETE FROM report_queue", [])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The install pseudonym for `now`: a new one from `fresh` when there is
    /// none or it is [`PSEUDONYM_DAYS`] old, so reports cannot be linked
    /// across months.
    fn pseudonym(&mut self, now: UnixTime, fresh: [u8; 16]) -> Result<String, StoreError> {
        let since = meta_u64(&self.conn, "pseudonym_since")?;
        let current = meta_bytes(&self.conn, "pseudonym")?;
        if let (Some(since), Some(bytes)) = (since, current)
            && now.as_secs().saturating_sub(since) < PSEUDONYM_DAYS * 86_400
            && let Ok(text) = String::from_utf8(bytes)
        {
            return Ok(text);
        }
        let text: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('pseudonym', ?1), ('pseudonym_since', ?2)",
            params![text.as_bytes(), now.as_secs() as i64],
        )?;
        Ok(text)
    }

    /// The install pseudonym for a report the shopper sends themselves.
    pub fn report_pseudonym(&mut self, now: UnixTime, fresh: [u8; 16]) -> Result<String, StoreError> {
        self.pseudonym(now, fresh)
    }

    /// Queues a report if reporting is on (else does nothing and says so).
    /// `fresh` is randomness for a new pseudonym, used only when one is due.
    pub fn queue_report(
        &mut self,
        report: &NewReport,
        now: UnixTime,
        fresh: [u8; 16],
    ) -> Result<bool, StoreError> {
        if !self.reporting()? {
            return Ok(false);
        }
        let install = self.pseudonym(now, fresh)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO report_queue (brand_id, code, verdict, hour, place, install)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                report.brand_id,
                report.code,
                report.verdict,
                (now.as_secs() / 3600) as i64,
                report.place.clone().unwrap_or_default(),
                install
            ],
        )?;
        let queued: i64 = tx.query_row("SELECT count(*) FROM report_queue", [], |r| r.get(0))?;
        let over = queued - MAX_QUEUED_REPORTS as i64;
        if over > 0 {
            tx.execute(
                "DELETE FROM report_queue WHERE id IN (SELECT id FROM report_queue ORDER BY id LIMIT ?1)",
                [over],
            )?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('reports_dropped', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                [over],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Up to `limit` queued reports, oldest first.
    pub fn queued_reports(&self, limit: usize) -> Result<Vec<QueuedReport>, StoreError> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, brand_id, code, verdict, hour, place, install FROM report_queue ORDER BY id LIMIT ?1",
        )?;
        let rows = query.query_map([limit as i64], |r| {
            let place: String = r.get(5)?;
            Ok(QueuedReport {
                id: r.get(0)?,
                brand_id: r.get(1)?,
                code: r.get(2)?,
                verdict: r.get(3)?,
                hour: r.get::<_, i64>(4)?.max(0) as u64,
                place: (!place.is_empty()).then_some(place),
                install: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes reports that were delivered (or that a collector refused for good).
    pub fn remove_reports(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut delete = tx.prepare_cached("DELETE FROM report_queue WHERE id = ?1")?;
            for id in ids {
                delete.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Reports dropped because the queue was full.
    pub fn reports_dropped(&self) -> Result<u64, StoreError> {
        Ok(meta_u64(&self.conn, "reports_dropped")?.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genuine_format::keys::PublicKey;
    use genuine_format::trust::TrustAnchor;

    fn report(code: &str) -> NewReport {
        NewReport { brand_id: "tea".into(), code: code.into(), verdict: "genuine".into(), place: None }
    }

    #[test]
    fn the_queue_is_bounded_deduplicated_and_its_pseudonym_rotates() {
        let anchor = TrustAnchor { keys: vec![PublicKey([1; 32])], threshold: 1 };
        let mut store = Store::open_in_memory(&anchor).unwrap();
        let t0 = UnixTime::from_secs(1_800_000_000);
        assert!(!store.queue_report(&report("a"), t0, [1; 16]).unwrap(), "off by default");
        store.set_reporting(true).unwrap();
        for i in 0..MAX_QUEUED_REPORTS + 20 {
            assert!(store.queue_report(&report(&format!("code-{i}")), t0, [1; 16]).unwrap());
        }
        store.queue_report(&report("code-600"), t0, [2; 16]).unwrap();
        store.queue_report(&report("code-600"), t0, [3; 16]).unwrap();
        let queued = store.queued_reports(1000).unwrap();
        assert_eq!(queued.len() as u64, MAX_QUEUED_REPORTS);
        assert_eq!(queued[0].code, "code-21", "the oldest went first");
        assert_eq!(store.reports_dropped().unwrap(), 21);
        assert!(queued.iter().all(|r| r.install == "01".repeat(16)), "one pseudonym within 30 days");
        // Thirty days on, a new pseudonym; the same code is a new report under it.
        let later = UnixTime::from_secs(t0.as_secs() + PSEUDONYM_DAYS * 86_400);
        store.queue_report(&report("code-600"), later, [4; 16]).unwrap();
        let last = store.queued_reports(1000).unwrap().pop().unwrap();
        assert_eq!((last.code.as_str(), last.install.as_str()), ("code-600", "04".repeat(16).as_str()));
        store.set_reporting(false).unwrap();
        assert!(store.queued_reports(1000).unwrap().is_empty());
    }
}
