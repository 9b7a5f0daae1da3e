//! Genuine: point a camera at a product's code and learn, offline, whether
//! its brand really issued it.
//!
//! This crate is the API an app or a desktop tool embeds. It puts four
//! crates behind one deliberate list of names:
//!
//! | crate | one idea | may use |
//! |---|---|---|
//! | `genuine-format` | the code format, trust chain, documents and verdicts; no I/O | — |
//! | `genuine-scan` | QR codes from luma planes and photos, within a budget per frame | — |
//! | `genuine-state` | the trust state as values, the seam every store implements, a store in memory | format |
//! | `genuine-store` | the SQLite file: owns every SQL statement | format, state |
//! | `genuine-sync` | TUF-style checks over a transport, as one plan for any store | format, state |
//! | `genuine-verify` | [`verify()`] (a text against any store) and the shopper-facing [`wording`] | format, state |
//!
//! and adds [`scan_and_verify`] (every code of a frame with its verdict) and
//! the [`ScanSession`] that follows the code a shopper aims at. Desktop
//! tools (the CLI, the Python package) open their stores through [`open`],
//! read photos through `photo` and hand verdicts on as [`line`](mod@line)s;
//! a report's photo leaves without its metadata ([`redact`]).
//!
//! The issuer's tooling (`genuine-issuer`) is not a dependency of this crate.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod line;
pub mod open;
#[cfg(feature = "images")]
pub mod photo;
pub mod redact;
pub mod reporting;
mod session;

pub use genuine_verify::{CLOCK_SLACK_SECS, verify, wording};
pub use session::{ScanSession, ScannedVerdict, SessionEntry, SessionUpdate, scan_and_verify, verify_codes};

// The format: what a code and a verdict are.
pub use genuine_format::UnixTime;
pub use genuine_format::admit::{AdmitError, BrandVersion, DocumentError, ImportReport, Refused};
pub use genuine_format::bundle::{BundleError, TrustBundle};
pub use genuine_format::envelope::EnvelopeError;
pub use genuine_format::gs1::{Gs1Date, Gtin};
pub use genuine_format::keys::{KeyId, PublicKey};
pub use genuine_format::trust::{TrustAnchor, TrustError};
pub use genuine_format::verdict::{
    Attribute, Authentic, ForgeryReason, Freshness, Issuer, NotSignedReason, Product, RevocationReason,
    Verdict, Warning,
};
// The scanner.
#[cfg(feature = "images")]
pub use genuine_scan::{DecodedImage, ImageError};
pub use genuine_scan::{Effort, LumaFrame, Point, ScanError, ScannedCode, Scanner};
// The trust state, in memory (a verifier without SQLite) or SQLite.
pub use genuine_state::{MemoryState, TrustState};
// The store.
pub use genuine_store::{BrandSummary, ImportError, MAX_QUEUED_REPORTS, Store, StoreError, StoreSummary};
// Sync.
#[cfg(feature = "reqwest")]
pub use genuine_sync::ReqwestTransport;
pub use genuine_sync::{
    Answers, CancelToken, FeedBase, FeedConfig, Fetch, FetchError, Fetched, FileRequest, HttpFeed,
    HttpRequest, HttpResponse, PostRequest, RefusedBrand, RevocationChange, Round, SyncError, SyncReport,
    Transport, TransportError, sync, sync_round,
};

/// Runs `f`; a panic becomes its message. Every front door into another
/// language (the FFI, the Python module) runs its work through this: a
/// panic must never cross into the host's runtime.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into())
    })
}

/// The device clock (the epoch if the clock is before 1970).
pub fn device_now() -> UnixTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UnixTime::from_secs(secs)
}
