//! Verdicts: what a verification found, as a value that always says what was
//! checked and, when a check failed, which one and why.

use crate::gs1::{AI_CPV, AI_EXPIRY, Gs1Data, Gs1Date};
use serde::Serialize;

/// The result of verifying one scanned text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The brand minted this code: signature valid, key in its window, scope
    /// matches, not revoked as far as the store knows.
    Authentic(Authentic),
    /// Validly signed, but the brand has since revoked it.
    Revoked {
        /// The product.
        product: Product,
        /// Who signed it.
        issuer: Issuer,
        /// Why it is revoked.
        reason: RevocationReason,
        /// Since when (unix seconds).
        since: u64,
    },
    /// Not minted by the brand it claims.
    Forged {
        /// The product the code claims (not vouched for).
        claimed: Product,
        /// Which check failed.
        reason: ForgeryReason,
    },
    /// No known key for this company prefix and kid: a sync may help.
    UnknownIssuer {
        /// The product the code claims (not vouched for).
        claimed: Product,
        /// The kid in the code.
        kid: u16,
    },
    /// Not a Genuine code at all.
    NotSigned {
        /// What it is instead.
        reason: NotSignedReason,
    },
    /// Looks like a Genuine code but cannot be read.
    Malformed {
        /// What is wrong, for people.
        reason: String,
    },
}

/// Details of an authentic code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authentic {
    /// The product, as signed.
    pub product: Product,
    /// Who signed it.
    pub issuer: Issuer,
    /// How current the revocation data is.
    pub revocation: Freshness,
    /// Things a shopper should know even though the code is genuine.
    pub warnings: Vec<Warning>,
}

/// The product identity a code carries. For `Authentic` and `Revoked` every
/// field was signed; the host never is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// GTIN-14.
    pub gtin: String,
    /// Serial (AI 21).
    pub serial: Option<String>,
    /// Batch or lot (AI 10).
    pub batch: Option<String>,
    /// Consumer product variant (AI 22).
    pub variant: Option<String>,
    /// Expiry date (AI 17).
    pub expiry: Option<Gs1Date>,
    /// Every data attribute, sorted by AI.
    pub attributes: Vec<Attribute>,
    /// The host printed in the code. Not signed.
    pub host: String,
}

impl Product {
    /// The product fields of parsed GS1 data.
    pub fn new(data: &Gs1Data, host: &str) -> Product {
        Product {
            gtin: data.gtin().to_string(),
            serial: data.serial().map(str::to_string),
            batch: data.batch().map(str::to_string),
            variant: data.get(AI_CPV).map(str::to_string),
            expiry: data.date(AI_EXPIRY),
            attributes: data
                .attributes()
                .map(|(ai, value)| Attribute { ai: ai.to_string(), value: value.to_string() })
                .collect(),
            host: host.to_string(),
        }
    }
}

/// One data attribute of a code (a query AI such as 17, expiry, or 11,
/// production date), as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    /// The AI, as its digits.
    pub ai: String,
    /// Its value, percent-decoded.
    pub value: String,
}

/// The key that signed a code, and its brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issuer {
    /// Brand id.
    pub brand_id: String,
    /// Brand name.
    pub brand_name: String,
    /// Claim key id.
    pub kid: u16,
    /// Until when codes of this key verify (unix seconds).
    pub verify_until: u64,
}

/// Why a validly signed code is no longer good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The brand revoked the claim key that signed it.
    KeyRevoked,
    /// The brand revoked this code.
    CodeRevoked,
    /// The brand recalled the batch.
    BatchRecalled,
    /// The code has been seen copied onto other items.
    CodeCloned,
}

/// Which check a forged code failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum ForgeryReason {
    /// No key of this prefix and kid signed this data.
    BadSignature,
    /// Signed by a real key that may not sign this GTIN (another brand's, or
    /// another product line's).
    KeyOutOfScope {
        /// The brand whose key signed.
        signer_brand: String,
    },
    /// The key's window has not started: the code cannot have been signed yet.
    KeyNotYetValid {
        /// Start of the signing window (unix seconds).
        sign_from: u64,
    },
    /// The key stopped vouching for codes.
    KeyExpired {
        /// End of the verification window (unix seconds).
        verify_until: u64,
    },
}

/// Why a text is not a Genuine code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotSignedReason {
    /// A GS1 Digital Link with no signature: a product link, not a Genuine code.
    UnsignedProductLink,
    /// Any other text or URL.
    NotAProductLink,
}

/// How current the revocation data behind a verdict is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Freshness {
    /// Checked against data less than a day old.
    Fresh,
    /// Checked against data this many days old.
    Stale {
        /// Age in whole days.
        days: u32,
    },
    /// No current revocation data: only keys revoked in the trusted keyset were checked.
    Unknown,
}

impl Freshness {
    /// Fresh under a day since `last_sync` (the last good timestamp), stale
    /// up to 30 days, unknown beyond (or before any sync).
    pub fn at(last_sync: Option<crate::UnixTime>, now: crate::UnixTime) -> Freshness {
        const DAY: u64 = 86_400;
        match last_sync.map(|t| now.since(t)) {
            Some(age) if age < DAY => Freshness::Fresh,
            Some(age) if age <= 30 * DAY => Freshness::Stale { days: (age / DAY) as u32 },
            _ => Freshness::Unknown,
        }
    }
}

/// Something a shopper should know about an authentic code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum Warning {
    /// The code's host is not one the brand registered: the link may lead to a
    /// look-alike page, even though the product data is genuine.
    UnregisteredHost {
        /// The host in the code.
        host: String,
    },
    /// The product's expiry date (AI 17) has passed.
    ProductExpired {
        /// The expiry date.
        expiry: Gs1Date,
    },
    /// The device clock is behind the newest signed time seen; that time was used.
    ClockBehind {
        /// Device clock (unix seconds).
        device: u64,
        /// Newest signed time (unix seconds).
        signed_floor: u64,
    },
}

impl Verdict {
    /// A short machine name of the verdict kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Verdict::Authentic(_) => "authentic",
            Verdict::Revoked { .. } => "revoked",
            Verdict::Forged { .. } => "forged",
            Verdict::UnknownIssuer { .. } => "unknown_issuer",
            Verdict::NotSigned { .. } => "not_signed",
            Verdict::Malformed { .. } => "malformed",
        }
    }
}
