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
//! | `genuine-store` | the SQLite file: owns every SQL statement | format |
//! | `genuine-sync` | TUF-style checks over a transport, as one plan for the store | format, store |
//!
//! and adds [`verify()`] (a text against the store), [`scan_and_verify`] (every
//! code of a frame with its verdict) and the [`ScanSession`] that follows the
//! code a shopper aims at, with the shopper-facing [`wording`]. Desktop
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
mod verify;
pub mod wording;

pub use session::{ScanSession, ScannedVerdict, SessionEntry, SessionUpdate, scan_and_verify, verify_codes};
pub use verify::{CLOCK_SLACK_SECS, verify};

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
// The store.
pub use genuine_store::{BrandSummary, ImportError, MAX_QUEUED_REPORTS, Store, StoreError, StoreSummary};
// Sync.
#[cfg(feature = "reqwest")]
pub use genuine_sync::ReqwestTransport;
pub use genuine_sync::{
    CancelToken, FeedConfig, Fetch, FetchError, Fetched, HttpFeed, HttpRequest, HttpResponse, PostRequest,
    RefusedBrand, RevocationChange, SyncError, SyncReport, Transport, TransportError, sync,
};

/// The device clock (the epoch if the clock is before 1970).
pub fn device_now() -> UnixTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UnixTime::from_secs(secs)
}
