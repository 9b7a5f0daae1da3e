//! Genuine in the browser: the same crates as the phones — the format,
//! sync's planner and checks, verification and the shopper's words — over a
//! trust state held in memory, behind a wasm-bindgen API. This crate
//! converts and maps errors, nothing more: every rule is in `core/`.
//!
//! JavaScript cannot block, so a sync runs in rounds (`genuine_sync::sync_round`):
//! [`Verifier::sync_round`] names the next feed file, the page's script
//! fetches it (moving bytes only: the cap, hash, signature and version
//! checks are all here), hands the outcome back with
//! [`Verifier::sync_answer`] or [`Verifier::sync_failed`], and asks again.
//!
//! Results cross as JSON text: a verdict with the CLI's `--json` names and
//! its card (see `@genuine/verify`'s `index.d.ts` for the shapes).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod session;

pub use session::{Session, SyncStep};
use wasm_bindgen::prelude::*;

/// A verifier over the pinned anchor and a bundle, with what its syncs
/// brought, in memory.
#[wasm_bindgen]
pub struct Verifier {
    session: Session,
}

#[wasm_bindgen]
impl Verifier {
    /// Opens with the pinned root keys (an anchor file's text) and a trust
    /// bundle; `now` is the device clock in unix seconds.
    #[wasm_bindgen(constructor)]
    pub fn new(anchor: &str, bundle: &[u8], now: f64) -> Result<Verifier, JsError> {
        Session::open(anchor, bundle, secs(now))
            .map(|session| Verifier { session })
            .map_err(|e| JsError::new(&e))
    }

    /// Starts a sync from the feed at `feed_url` (its base URL), forgetting
    /// the answers of any sync before it.
    #[wasm_bindgen(js_name = syncBegin)]
    pub fn sync_begin(&mut self, feed_url: &str) -> Result<(), JsError> {
        self.session.sync_begin(feed_url).map_err(|e| JsError::new(&e))
    }

    /// One round of the sync: `{"need":{"path","url","cap"}}` (fetch it and
    /// answer), `{"synced":REPORT}` or `{"refused":{"problem","detail"}}`.
    #[wasm_bindgen(js_name = syncRound)]
    pub fn sync_round(&mut self, now: f64) -> String {
        self.session.sync_round(secs(now)).to_json()
    }

    /// The answer for `path`: the HTTP status, the body (empty for
    /// anything but 200) and the ETag, if any.
    #[wasm_bindgen(js_name = syncAnswer)]
    pub fn sync_answer(&mut self, path: &str, status: u16, body: Vec<u8>, etag: Option<String>) {
        self.session.sync_answer(path, status, body, etag);
    }

    /// `path` could not be fetched: `failure` is `timeout`, `too_large`
    /// (the body passed the cap) or anything else (`detail` says what).
    #[wasm_bindgen(js_name = syncFailed)]
    pub fn sync_failed(&mut self, path: &str, failure: &str, detail: &str) {
        self.session.sync_failed(path, failure, detail);
    }

    /// Verifies a code's text at `now`: `{"verdict":KIND,"result":VERDICT,
    /// "card":CARD,"tone_rgb","updated","notes":{"update","host"}}`, the
    /// verdict as `genuine verify --json` prints it.
    pub fn verify(&self, text: &str, now: f64) -> Result<String, JsError> {
        self.session.verify(text, secs(now)).map_err(|e| JsError::new(&e))
    }

    /// How current the trusted state is at `now`: `{"last_sync","freshness","words"}`.
    pub fn status(&self, now: f64) -> String {
        self.session.status(secs(now))
    }
}

/// JavaScript's number of seconds as a time: negative, NaN or huge clocks
/// are clamped, never trusted to wrap.
fn secs(now: f64) -> genuine_format::UnixTime {
    let secs = if now.is_finite() && now > 0.0 { now.min(u64::MAX as f64) as u64 } else { 0 };
    genuine_format::UnixTime::from_secs(secs)
}
