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

/// Why a shopper's report of a fake was not sent.
#[derive(Debug, thiserror::Error)]
pub enum FakeReportError {
    /// The code is not a brand's (forged, unsigned, unknown): every phone
    /// already says so, and no brand collects it.
    #[error("this code is not one a brand signed: there is no brand to tell")]
    NotABrandsCode,
    /// The brand publishes no collector.
    #[error("brand '{0}' takes no reports")]
    NoCollector(String),
    /// A field the shopper or app gave is out of bounds.
    #[error("{0}")]
    BadInput(String),
    /// The collector could not be reached or refused it.
    #[error("could not send the report: {0}")]
    Network(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the shopper thinks the box is fake.
pub const FAKE_REASONS: [&str; 5] = ["price", "packaging", "seller", "product", "other"];
/// A report's note.
pub const MAX_NOTE: usize = 500;
/// A report's photo: one JPEG.
pub const MAX_PHOTO: usize = 512 * 1024;

/// A shopper's report of a suspected fake, sent at once to the brand's
/// collector: an explicit act of the shopper, so it needs no prior consent
/// to scan reporting, and it carries only what they chose to give. Every
/// field is checked before anything is sent.
#[allow(clippy::too_many_arguments)]
pub fn report_fake(
    store: &mut Store,
    transport: &dyn Transport,
    code: &str,
    reason: &str,
    note: &str,
    photo: Option<&[u8]>,
    place: Option<&str>,
    now: UnixTime,
    timeout: Duration,
    cancel: &CancelToken,
) -> Result<(), FakeReportError> {
    use base64::Engine;
    if !FAKE_REASONS.contains(&reason) {
        return Err(FakeReportError::BadInput(format!("reason must be one of {}", FAKE_REASONS.join(", "))));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(FakeReportError::BadInput(format!("the note is over {MAX_NOTE} characters")));
    }
    if photo.is_some_and(|photo| photo.len() > MAX_PHOTO) {
        return Err(FakeReportError::BadInput(format!(
            "the photo must be one JPEG of at most {MAX_PHOTO} bytes"
        )));
    }
    // Only the picture leaves the phone: its EXIF (GPS, time, device), XMP,
    // profiles and comments are dropped here, before anything else.
    let photo = photo
        .map(crate::redact::strip_metadata)
        .transpose()
        .map_err(|e| FakeReportError::BadInput(e.to_string()))?;
    let brand_id = match crate::verify(store, code, now)? {
        Verdict::Authentic(a) => a.issuer.brand_id,
        Verdict::Revoked { issuer, .. } => issuer.brand_id,
        _ => return Err(FakeReportError::NotABrandsCode),
    };
    let held = store.held()?;
    let url = held
        .brand(&brand_id)
        .and_then(|b| b.doc.collector.clone())
        .ok_or_else(|| FakeReportError::NoCollector(brand_id.clone()))?;
    let install = store.report_pseudonym(now, fresh_pseudonym())?;
    let mut body = serde_json::json!({
        "install": install, "code": code, "reason": reason, "note": note, "hour": now.as_secs() / 3600,
    });
    if let Some(place) = place.and_then(coarse_place) {
        body["place"] = serde_json::Value::from(place);
    }
    if let Some(photo) = &photo {
        body["photo"] = serde_json::Value::from(base64::engine::general_purpose::STANDARD.encode(photo));
    }
    let body = body.to_string();
    let endpoint = format!("{}/v1/reports", url.trim_end_matches('/'));
    let request =
        PostRequest { url: &endpoint, body: body.as_bytes(), max_bytes: MAX_ANSWER, timeout, cancel };
    match transport.post(&request) {
        Ok(answer) if (200..300).contains(&answer.status) => Ok(()),
        Ok(answer) => {
            Err(FakeReportError::Network(format!("the brand's collector answered {}", answer.status)))
        }
        Err(e) => Err(FakeReportError::Network(e.to_string())),
    }
}
