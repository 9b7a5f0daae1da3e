//! The shapes Kotlin and Swift see, converted from the genuine crate's. Only
//! conversion lives here; every rule stays in the core.
//!
//! Numbers are signed (`Int`, `Long` in Kotlin and Java; `Int32`, `Int64` in
//! Swift): Java has no unsigned types, and a JVM backend calls this API too.
//! Times are whole seconds since 1970 (`Instant.ofEpochSecond`,
//! `Date(timeIntervalSince1970:)`); values past `i64::MAX` cannot occur
//! (the format refuses times after 9999-12-31).

use genuine as core;

/// What a scan found: a code's text and where it is in the frame.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScanResult {
    /// The code's text.
    pub text: String,
    /// The code's bytes, as decoded.
    pub bytes: Vec<u8>,
    /// Corners in frame pixels: for a UI overlay.
    pub corners: Vec<Corner>,
}

/// A point in frame pixels.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct Corner {
    /// Column.
    pub x: i32,
    /// Row.
    pub y: i32,
}

/// The product identity a code carries.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Product {
    /// GTIN-14.
    pub gtin: String,
    /// Serial (AI 21).
    pub serial: Option<String>,
    /// Batch or lot (AI 10).
    pub batch: Option<String>,
    /// Variant (AI 22).
    pub variant: Option<String>,
    /// Expiry date as YYYY-MM-DD (AI 17).
    pub expiry: Option<String>,
    /// Host printed in the code (not signed).
    pub host: String,
}

/// Who signed a code.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Issuer {
    /// Brand id.
    pub brand_id: String,
    /// Brand name to show.
    pub brand_name: String,
    /// Claim key id.
    pub kid: i32,
}

/// How current the revocation data is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Freshness {
    /// Under a day old.
    Fresh,
    /// This many days old (up to 30).
    Stale {
        /// Age in days.
        days: i32,
    },
    /// Never synced, or over 30 days old.
    Unknown,
}

/// Something to tell a shopper about a genuine code.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum Warning {
    /// The link goes to a host the brand did not register.
    UnregisteredHost {
        /// The host.
        host: String,
    },
    /// The product's expiry date has passed.
    ProductExpired {
        /// YYYY-MM-DD.
        expiry: String,
    },
    /// The device clock is behind the time of the last sync; that time was used.
    ClockBehind {
        /// Device clock (unix seconds).
        device: i64,
        /// The time floor: the timestamp's signed time, never later than the
        /// device clock at the sync that took it (unix seconds).
        signed_floor: i64,
    },
}

/// Why a validly signed code is revoked.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RevocationReason {
    /// The key that signed it was revoked.
    KeyRevoked,
    /// The brand revoked this code.
    CodeRevoked,
    /// The batch was recalled.
    BatchRecalled,
    /// The code has been seen copied onto other items.
    CodeCloned,
}

/// Which check a forged code failed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ForgeryReason {
    /// The signature does not match the product data.
    BadSignature,
    /// Signed by a key that may not sign this product.
    KeyOutOfScope {
        /// The brand whose key signed.
        signer_brand: String,
    },
    /// Its key's window had not started.
    KeyNotYetValid {
        /// Start of the window (unix seconds).
        sign_from: i64,
    },
    /// Its key stopped vouching.
    KeyExpired {
        /// End of the window (unix seconds).
        verify_until: i64,
    },
}

/// The result of verifying one scanned text.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum Verdict {
    /// The brand minted this code.
    Authentic {
        /// The product, as signed.
        product: Product,
        /// Who signed.
        issuer: Issuer,
        /// How current the revocation data is.
        revocation: Freshness,
        /// What else to tell the shopper.
        warnings: Vec<Warning>,
    },
    /// Validly signed, since revoked.
    Revoked {
        /// The product.
        product: Product,
        /// Who signed.
        issuer: Issuer,
        /// Why.
        reason: RevocationReason,
        /// Since when (unix seconds).
        since: i64,
    },
    /// Not minted by the brand it claims.
    Forged {
        /// What the code claims.
        claimed: Product,
        /// Which check failed.
        reason: ForgeryReason,
    },
    /// No known key for it: a sync may help.
    UnknownIssuer {
        /// What the code claims.
        claimed: Product,
        /// The key id in the code.
        kid: i32,
    },
    /// Not a Genuine code.
    NotSigned {
        /// True for a product link without a signature; false for other text.
        product_link: bool,
    },
    /// Looks like a Genuine code but cannot be read.
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

/// What the verifier trusts and how fresh it is.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustStatus {
    /// Trusted root version.
    pub root_version: Option<i32>,
    /// Brands known.
    pub brands: Vec<String>,
    /// Version of the last good timestamp.
    pub timestamp_version: Option<i64>,
    /// When it was taken: its signed time, never later than the device
    /// clock at that sync (unix seconds).
    pub last_sync: Option<i64>,
    /// When it expires.
    pub sync_expires: Option<i64>,
    /// Revocation freshness now.
    pub freshness: Freshness,
    /// The store file was damaged and has been started afresh at open:
    /// import the shipped bundle and sync.
    pub rebuilt_after_corruption: bool,
}

/// What a sync changed.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncReport {
    /// Timestamp version now trusted.
    pub timestamp_version: i64,
    /// The feed had not changed.
    pub not_modified: bool,
    /// Root versions added.
    pub roots_added: Vec<i32>,
    /// Brand records and keysets updated.
    pub documents_updated: i32,
    /// Revocation entries added or removed.
    pub revocation_entries: i64,
    /// Bytes fetched.
    pub bytes_fetched: i64,
    /// Brands whose documents were refused this time (the others synced).
    pub refused: Vec<RefusedBrand>,
}

/// A brand whose documents were refused and skipped: it keeps what was
/// trusted before, and its revocation status ages until a sync brings it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefusedBrand {
    /// The brand (`(unverified)` if no trusted key signed the document).
    pub brand_id: String,
    /// Why, for logs and support.
    pub reason: String,
}

/// What an import changed.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportReport {
    /// Root versions added.
    pub roots_added: Vec<i32>,
    /// Brand records and keysets updated.
    pub documents_updated: i32,
    /// Documents already held, or older than those held.
    pub unchanged: i32,
    /// Brand documents refused (and skipped); the rest was imported.
    pub refused: Vec<RefusedBrand>,
}

/// Seconds (or a count) as the bindings carry it: signed, saturating.
pub(crate) fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A signed count as the bindings carry it, saturating.
pub(crate) fn signed32(v: impl TryInto<i32>) -> i32 {
    v.try_into().unwrap_or(i32::MAX)
}

/// A value an app passed back: a negative one reads as 0.
fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn unsigned32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn date(d: core::Gs1Date) -> String {
    d.to_string()
}

/// A `YYYY-MM-DD` date back into a GS1 date (None if it is not one).
fn gs1_date(text: &str) -> Option<core::Gs1Date> {
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<u16>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    let yymmdd = format!("{:02}{month:02}{day:02}", year.checked_sub(2000)?);
    core::Gs1Date::parse(&yymmdd)
}

impl From<core::Product> for Product {
    fn from(p: core::Product) -> Self {
        Product {
            gtin: p.gtin,
            serial: p.serial,
            batch: p.batch,
            variant: p.variant,
            expiry: p.expiry.map(date),
            host: p.host,
        }
    }
}

impl From<core::Issuer> for Issuer {
    fn from(i: core::Issuer) -> Self {
        Issuer { brand_id: i.brand_id, brand_name: i.brand_name, kid: i32::from(i.kid) }
    }
}

impl From<core::Freshness> for Freshness {
    fn from(f: core::Freshness) -> Self {
        match f {
            core::Freshness::Fresh => Freshness::Fresh,
            core::Freshness::Stale { days } => Freshness::Stale { days: signed32(days) },
            core::Freshness::Unknown => Freshness::Unknown,
        }
    }
}

impl From<core::Warning> for Warning {
    fn from(w: core::Warning) -> Self {
        match w {
            core::Warning::UnregisteredHost { host } => Warning::UnregisteredHost { host },
            core::Warning::ProductExpired { expiry } => Warning::ProductExpired { expiry: date(expiry) },
            core::Warning::ClockBehind { device, signed_floor } => {
                Warning::ClockBehind { device: signed(device), signed_floor: signed(signed_floor) }
            }
        }
    }
}

impl From<core::RevocationReason> for RevocationReason {
    fn from(r: core::RevocationReason) -> Self {
        match r {
            core::RevocationReason::KeyRevoked => RevocationReason::KeyRevoked,
            core::RevocationReason::CodeRevoked => RevocationReason::CodeRevoked,
            core::RevocationReason::BatchRecalled => RevocationReason::BatchRecalled,
            core::RevocationReason::CodeCloned => RevocationReason::CodeCloned,
        }
    }
}

impl From<core::ForgeryReason> for ForgeryReason {
    fn from(r: core::ForgeryReason) -> Self {
        match r {
            core::ForgeryReason::BadSignature => ForgeryReason::BadSignature,
            core::ForgeryReason::KeyOutOfScope { signer_brand } => {
                ForgeryReason::KeyOutOfScope { signer_brand }
            }
            core::ForgeryReason::KeyNotYetValid { sign_from } => {
                ForgeryReason::KeyNotYetValid { sign_from: signed(sign_from) }
            }
            core::ForgeryReason::KeyExpired { verify_until } => {
                ForgeryReason::KeyExpired { verify_until: signed(verify_until) }
            }
        }
    }
}

impl From<core::Verdict> for Verdict {
    fn from(v: core::Verdict) -> Self {
        match v {
            core::Verdict::Authentic(a) => Verdict::Authentic {
                product: a.product.into(),
                issuer: a.issuer.into(),
                revocation: a.revocation.into(),
                warnings: a.warnings.into_iter().map(Into::into).collect(),
            },
            core::Verdict::Revoked { product, issuer, reason, since } => Verdict::Revoked {
                product: product.into(),
                issuer: issuer.into(),
                reason: reason.into(),
                since: signed(since),
            },
            core::Verdict::Forged { claimed, reason } => {
                Verdict::Forged { claimed: claimed.into(), reason: reason.into() }
            }
            core::Verdict::UnknownIssuer { claimed, kid } => {
                Verdict::UnknownIssuer { claimed: claimed.into(), kid: i32::from(kid) }
            }
            core::Verdict::NotSigned { reason } => {
                Verdict::NotSigned { product_link: reason == core::NotSignedReason::UnsignedProductLink }
            }
            core::Verdict::Malformed { reason } => Verdict::Malformed { reason },
        }
    }
}

// The way back, for the wording: a verdict an app holds (or a test builds)
// gets the same card as the one the library produced. What the bindings do
// not carry (a key's verify_until, data attributes) no card shows.

impl From<Product> for core::Product {
    fn from(p: Product) -> Self {
        core::Product {
            gtin: p.gtin,
            serial: p.serial,
            batch: p.batch,
            variant: p.variant,
            expiry: p.expiry.as_deref().and_then(gs1_date),
            attributes: Vec::new(),
            host: p.host,
        }
    }
}

impl From<Issuer> for core::Issuer {
    fn from(i: Issuer) -> Self {
        core::Issuer {
            brand_id: i.brand_id,
            brand_name: i.brand_name,
            kid: u16::try_from(i.kid).unwrap_or(0),
            verify_until: 0,
        }
    }
}

impl From<Freshness> for core::Freshness {
    fn from(f: Freshness) -> Self {
        match f {
            Freshness::Fresh => core::Freshness::Fresh,
            Freshness::Stale { days } => core::Freshness::Stale { days: unsigned32(days) },
            Freshness::Unknown => core::Freshness::Unknown,
        }
    }
}

impl Warning {
    fn into_core(self) -> Option<core::Warning> {
        Some(match self {
            Warning::UnregisteredHost { host } => core::Warning::UnregisteredHost { host },
            Warning::ProductExpired { expiry } => {
                core::Warning::ProductExpired { expiry: gs1_date(&expiry)? }
            }
            Warning::ClockBehind { device, signed_floor } => {
                core::Warning::ClockBehind { device: unsigned(device), signed_floor: unsigned(signed_floor) }
            }
        })
    }
}

impl From<RevocationReason> for core::RevocationReason {
    fn from(r: RevocationReason) -> Self {
        match r {
            RevocationReason::KeyRevoked => core::RevocationReason::KeyRevoked,
            RevocationReason::CodeRevoked => core::RevocationReason::CodeRevoked,
            RevocationReason::BatchRecalled => core::RevocationReason::BatchRecalled,
            RevocationReason::CodeCloned => core::RevocationReason::CodeCloned,
        }
    }
}

impl From<ForgeryReason> for core::ForgeryReason {
    fn from(r: ForgeryReason) -> Self {
        match r {
            ForgeryReason::BadSignature => core::ForgeryReason::BadSignature,
            ForgeryReason::KeyOutOfScope { signer_brand } => {
                core::ForgeryReason::KeyOutOfScope { signer_brand }
            }
            ForgeryReason::KeyNotYetValid { sign_from } => {
                core::ForgeryReason::KeyNotYetValid { sign_from: unsigned(sign_from) }
            }
            ForgeryReason::KeyExpired { verify_until } => {
                core::ForgeryReason::KeyExpired { verify_until: unsigned(verify_until) }
            }
        }
    }
}

impl From<Verdict> for core::Verdict {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Authentic { product, issuer, revocation, warnings } => {
                core::Verdict::Authentic(core::Authentic {
                    product: product.into(),
                    issuer: issuer.into(),
                    revocation: revocation.into(),
                    warnings: warnings.into_iter().filter_map(Warning::into_core).collect(),
                })
            }
            Verdict::Revoked { product, issuer, reason, since } => core::Verdict::Revoked {
                product: product.into(),
                issuer: issuer.into(),
                reason: reason.into(),
                since: unsigned(since),
            },
            Verdict::Forged { claimed, reason } => {
                core::Verdict::Forged { claimed: claimed.into(), reason: reason.into() }
            }
            Verdict::UnknownIssuer { claimed, kid } => {
                core::Verdict::UnknownIssuer { claimed: claimed.into(), kid: u16::try_from(kid).unwrap_or(0) }
            }
            Verdict::NotSigned { product_link } => core::Verdict::NotSigned {
                reason: if product_link {
                    core::NotSignedReason::UnsignedProductLink
                } else {
                    core::NotSignedReason::NotAProductLink
                },
            },
            Verdict::Malformed { reason } => core::Verdict::Malformed { reason },
        }
    }
}

/// What an upload of scan reports did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportUpload {
    /// Reports the collectors took.
    pub sent: i32,
    /// Reports kept for the next try (a collector unreachable or busy).
    pub kept: i32,
    /// Reports a collector refused as malformed (dropped).
    pub refused: i32,
    /// Reports of brands that publish no collector (kept).
    pub no_collector: i32,
}

impl From<genuine::reporting::UploadReport> for ReportUpload {
    fn from(u: genuine::reporting::UploadReport) -> Self {
        ReportUpload {
            sent: signed32(u.sent),
            kept: signed32(u.kept),
            refused: signed32(u.refused),
            no_collector: signed32(u.no_collector),
        }
    }
}

/// How hard the scanner tries on each frame (docs/BENCHMARKS.md, "Live
/// effort").
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScanEffort {
    /// Every decoder at full size on every frame: for a photo the shopper
    /// picked. Reads a few more hard codes (low contrast, strong
    /// perspective) on the first try; a frame without a code costs 60-70
    /// times a live one.
    Photo,
    /// The default, for a scanning screen's stream of frames: a 720p or
    /// 1080p frame without a code costs less than zxing-cpp's read of it,
    /// and a far code is found by a census at full size.
    Live,
}

impl From<ScanEffort> for genuine::Effort {
    fn from(effort: ScanEffort) -> Self {
        match effort {
            ScanEffort::Photo => genuine::Effort::Photo,
            ScanEffort::Live => genuine::Effort::Live,
        }
    }
}

/// Why a shopper thinks the box is fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FakeReason {
    /// Far cheaper than it should be.
    Price,
    /// The packaging looks wrong.
    Packaging,
    /// The seller is doubtful.
    Seller,
    /// The product itself is not right.
    Product,
    /// Anything else (say it in the note).
    Other,
}

impl FakeReason {
    /// The wire name (docs/CLONES.md).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FakeReason::Price => "price",
            FakeReason::Packaging => "packaging",
            FakeReason::Seller => "seller",
            FakeReason::Product => "product",
            FakeReason::Other => "other",
        }
    }
}
