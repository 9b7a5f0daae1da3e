//! Opt-in scan reports (docs/CLONES.md): off until the app turns them on
//! with its user's consent. Each verified scan (GENUINE or REVOKED) becomes
//! a report — the code's text, the verdict, the hour, a pseudonym that
//! rotates every 30 days, and a geohash cut to 5 characters only if the app
//! gives one — queued in the store and sent to the brand's own collector
//! (the URL in its root-signed record) by [`upload_reports`].
//!
//! With reporting off nothing is queued and [`upload_reports`] makes no
//! request at all.

use crate::{CancelToken, Store, StoreError, Transport, UnixTime, Verdict};
use genuine_store::NewReport;
use genuine_sync::PostRequest;
use std::collections::BTreeMap;
use std::time::Duration;

/// The coarsest place a report may carry: a geohash cell about 5 km across.
pub const MAX_PLACE: usize = 5;
/// Reports per request (the collector takes at most 500).
const BATCH: usize = 200;
/// The most a collector's answer may be.
const MAX_ANSWER: u64 = 16 * 1024;

fn fresh_pseudonym() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    // Without entropy the pseudonym is all zeros: linkable, never wrong.
    let _ = getrandom::fill(&mut bytes);
    bytes
}

/// A place as a report may carry it: a geohash cut to [`MAX_PLACE`]
/// characters (coarser, never finer), or nothing if it is not one.
pub fn coarse_place(place: &str) -> Option<String> {
    const GEOHASH: &str = "0123456789bcdefghjkmnpqrstuvwxyz";
    let cut: String = place.chars().take(MAX_PLACE).collect::<String>().to_ascii_lowercase();
    (!cut.is_empty() && cut.chars().all(|c| GEOHASH.contains(c))).then_some(cut)
}

/// Queues a report of a verified scan, if reporting is on and the verdict
/// is one a brand counts (GENUINE or REVOKED). Returns whether it queued.
pub fn record_scan(
    store: &mut Store,
    code: &str,
    verdict: &Verdict,
    now: UnixTime,
    place: Option<&str>,
) -> Result<bool, StoreError> {
    let (brand_id, verdict) = match verdict {
        Verdict::Authentic(a) => (a.issuer.brand_id.clone(), "genuine"),
        Verdict::Revoked { issuer, .. } => (issuer.brand_id.clone(), "revoked"),
        _ => return Ok(false),
    };
    let report = NewReport {
        brand_id,
        code: code.to_string(),
        verdict: verdict.into(),
        place: place.and_then(coarse_place),
    };
    store.queue_report(&report, now, fresh_pseudonym())
}

/// What an upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Reports the collectors took.
    pub sent: usize,
    /// Reports still queued (a collector unreachable or busy: tried again next time).
    pub kept: usize,
    /// Reports a collector refused as malformed (never sent again).
    pub refused: usize,
    /// Reports of brands without a collector (kept until one is published).
    pub no_collector: usize,
}

/// Sends queued reports, each to its brand's collector, through the app's
/// transport. Nothing is sent, and no request made, with reporting off.
pub fn upload_reports(
    store: &mut Store,
    transport: &dyn Transport,
    timeout: Duration,
    cancel: &CancelToken,
) -> Result<UploadReport, StoreError> {
    let mut done = UploadReport::default();
    if !store.reporting()? {
        return Ok(done);
    }
    let queued = store.queued_reports(crate::MAX_QUEUED_REPORTS as usize)?;
    let held = store.held()?;
    let mut by_collector: BTreeMap<(String, String), Vec<genuine_store::QueuedReport>> = BTreeMap::new();
    for report in queued {
        match held.brand(&report.brand_id).and_then(|b| b.doc.collector.clone()) {
            Some(url) => by_collector.entry((url, report.install.clone())).or_default().push(report),
            None => done.no_collector += 1,
        }
    }
    for ((url, install), reports) in by_collector {
        for batch in reports.chunks(BATCH) {
            let events: Vec<serde_json::Value> = batch
                .iter()
                .map(|r| {
                    let mut event = serde_json::json!({"code": r.code, "verdict": r.verdict, "hour": r.hour});
                    if let Some(place) = &r.place {
                        event["place"] = serde_json::Value::from(place.as_str());
                    }
                    event
                })
                .collect();
            let body = serde_json::json!({"install": install, "events": events}).to_string();
            let endpoint = format!("{}/v1/events", url.trim_end_matches('/'));
            let request =
                PostRequest { url: &endpoint, body: body.as_bytes(), max_bytes: MAX_ANSWER, timeout, cancel };
            let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
            match transport.post(&request).map(|r| r.status) {
                Ok(200..=299) => {
                    store.remove_reports(&ids)?;
                    done.sent += ids.len();
                }
                // Malformed or too large as sent: it will never be taken.
                Ok(400 | 413) => {
                    store.remove_reports(&ids)?;
                    done.refused += ids.len();
                }
                _ => done.kept += ids.len(),
            }
        }
    }
    Ok(done)
}
