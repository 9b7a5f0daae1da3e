//! What phones send (docs/CLONES.md): batches of scan events and shoppers'
//! reports of fakes, as JSON, checked field by field before anything is
//! stored. A batch with one malformed field is refused whole.

use serde::Deserialize;

/// The largest batch body (events), in bytes.
pub const MAX_EVENTS_BODY: usize = 256 * 1024;
/// The largest report body (with its photo), in bytes.
pub const MAX_REPORT_BODY: usize = 1024 * 1024;
/// Events in one batch.
pub const MAX_EVENTS: usize = 500;
/// A code's text, as the verifier bounds it.
pub const MAX_CODE: usize = 512;
/// A report's note.
pub const MAX_NOTE: usize = 500;
/// A report's photo (one JPEG).
pub const MAX_PHOTO: usize = 512 * 1024;
/// How old an event may be when it arrives (90 days, in hours).
pub const MAX_AGE_HOURS: u64 = 90 * 24;

/// A batch of scan events from one install.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// The install pseudonym (rotates every 30 days on the phone).
    pub install: String,
    /// The events.
    pub events: Vec<ScanEvent>,
}

/// One verified scan.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanEvent {
    /// The code's text, as printed on the box.
    pub code: String,
    /// The phone's verdict (`genuine` or `revoked`); the collector verifies again.
    pub verdict: String,
    /// The hour of the scan (unix seconds / 3600).
    pub hour: u64,
    /// A geohash of at most 5 characters, only if the app sent one.
    #[serde(default)]
    pub place: Option<String>,
}

/// A shopper's report of a suspected fake.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeReportIn {
    /// The install pseudonym.
    pub install: String,
    /// The code on the suspect box.
    pub code: String,
    /// Why: `price`, `packaging`, `seller`, `product` or `other`.
    pub reason: String,
    /// The shopper's words.
    #[serde(default)]
    pub note: String,
    /// The hour of the report.
    pub hour: u64,
    /// A geohash of at most 5 characters.
    #[serde(default)]
    pub place: Option<String>,
    /// One JPEG, base64.
    #[serde(default)]
    pub photo: Option<String>,
}

/// Why a batch or report was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct WireError(pub String);

fn bad<T>(why: impl Into<String>) -> Result<T, WireError> {
    Err(WireError(why.into()))
}

fn check_install(install: &str) -> Result<(), WireError> {
    let ok = (16..=64).contains(&install.len())
        && install.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { bad("install: 16 to 64 characters of A-Z a-z 0-9 - _") }
}

fn check_place(place: &Option<String>) -> Result<(), WireError> {
    match place {
        Some(p) if crate::geo::decode(p).is_none() => bad("place: a geohash of 1 to 5 characters"),
        _ => Ok(()),
    }
}

fn check_hour(hour: u64, now_hour: u64) -> Result<(), WireError> {
    if hour > now_hour + 1 || hour + MAX_AGE_HOURS < now_hour {
        return bad(format!("hour {hour}: more than an hour ahead or {MAX_AGE_HOURS} hours old"));
    }
    Ok(())
}

fn check_code(code: &str) -> Result<(), WireError> {
    if code.is_empty() || code.len() > MAX_CODE {
        return bad(format!("code: 1 to {MAX_CODE} characters"));
    }
    Ok(())
}

impl EventBatch {
    /// Checks every field; `now_hour` is the collector's clock.
    pub fn check(&self, now_hour: u64) -> Result<(), WireError> {
        check_install(&self.install)?;
        if self.events.is_empty() || self.events.len() > MAX_EVENTS {
            return bad(format!("events: 1 to {MAX_EVENTS} per batch"));
        }
        for (i, event) in self.events.iter().enumerate() {
            let at = |e: WireError| WireError(format!("events[{i}]: {}", e.0));
            check_code(&event.code).map_err(at)?;
            if !matches!(event.verdict.as_str(), "genuine" | "revoked") {
                return bad(format!("events[{i}]: verdict must be genuine or revoked"));
            }
            check_hour(event.hour, now_hour).map_err(at)?;
            check_place(&event.place).map_err(at)?;
        }
        Ok(())
    }
}

impl FakeReportIn {
    /// Checks every field and returns the photo's bytes, if any, without
    /// their metadata ([`genuine::redact::strip_metadata`]).
    pub fn check(&self, now_hour: u64) -> Result<Option<Vec<u8>>, WireError> {
        use base64::Engine;
        check_install(&self.install)?;
        check_code(&self.code)?;
        if !matches!(self.reason.as_str(), "price" | "packaging" | "seller" | "product" | "other") {
            return bad("reason: price, packaging, seller, product or other");
        }
        if self.note.chars().count() > MAX_NOTE {
            return bad(format!("note: at most {MAX_NOTE} characters"));
        }
        check_hour(self.hour, now_hour)?;
        check_place(&self.place)?;
        let Some(photo) = &self.photo else { return Ok(None) };
        // Decoded size is 3/4 of the text: refuse before decoding anything larger.
        if photo.len() / 4 * 3 > MAX_PHOTO + 3 {
            return bad(format!("photo: at most {MAX_PHOTO} bytes"));
        }
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(photo).or_else(|_| bad("photo: not base64"))?;
        if bytes.len() > MAX_PHOTO {
            return bad(format!("photo: one JPEG of at most {MAX_PHOTO} bytes"));
        }
        // Stored without what it says about the shopper, whatever the
        // phone did (an old SDK, or no SDK at all, sends EXIF).
        genuine::redact::strip_metadata(&bytes).map(Some).or_else(|e| bad(format!("photo: {e}")))
    }
}
