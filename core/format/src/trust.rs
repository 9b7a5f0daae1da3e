//! The trust chain: the pinned anchor, root documents, brand records and keysets.
//!
//! ```text
//! anchor (pinned in the app) ─► root vN ─► brand record ─► keyset ─► claim key ─► code
//! ```
//!
//! Each function here takes an envelope and the document above it, and returns
//! the checked document or says why not. None of them touches the store.

use crate::envelope::{Envelope, EnvelopeError, Verified};
use crate::keys::PublicKey;
use serde::{Deserialize, Serialize};

/// Payload type of a root document.
pub const ROOT_TYPE: &str = "genuine/root/v1";
/// Payload type of a brand record.
pub const BRAND_TYPE: &str = "genuine/brand/v1";
/// Payload type of a keyset.
pub const KEYSET_TYPE: &str = "genuine/keyset/v1";

/// Most keys in one role (root, masters, revokers, timestamp).
pub const MAX_ROLE_KEYS: usize = 16;
/// Most company prefixes or hosts in one brand record.
pub const MAX_SCOPES: usize = 64;
/// Most claim keys in one keyset.
pub const MAX_CLAIM_KEYS: usize = 1024;
/// The latest time a document may name: 9999-12-31T23:59:59Z. Later ones are
/// mistakes or attacks, and SQLite's integers end at `i64::MAX` anyway.
pub const MAX_TIME: u64 = 253_402_300_799;
/// The largest version or sequence number: what SQLite's INTEGER holds.
pub const MAX_COUNT: u64 = i64::MAX as u64;

/// A time read from a signed document must be at most [`MAX_TIME`]. A keyset
/// with `verify_until = u64::MAX` once validated, then failed the SQLite
/// write, and froze every sync for every brand (security review finding 3):
/// numbers are checked here, where a refusal is a typed error about one
/// document, never at the store.
pub fn check_time(kind: &'static str, field: &str, t: u64) -> Result<(), TrustError> {
    match t {
        t if t <= MAX_TIME => Ok(()),
        t => Err(invalid(kind, format!("{field} {t} is after 9999-12-31"))),
    }
}

/// A version or sequence number must be at most [`MAX_COUNT`].
pub fn check_count(kind: &'static str, field: &str, n: u64) -> Result<(), TrustError> {
    match n {
        n if n <= MAX_COUNT => Ok(()),
        n => Err(invalid(kind, format!("{field} {n} is out of range"))),
    }
}

/// Why a trust document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The envelope or its signatures.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// A root that is not the next version of the trusted one.
    #[error("root version {found} does not follow trusted version {trusted}")]
    RootVersion {
        /// The trusted version.
        trusted: u32,
        /// The version offered.
        found: u32,
    },
    /// A new root is not signed by a threshold of the previous root's keys.
    #[error("root v{version} is not signed by enough keys of the root it replaces: {source}")]
    NotSignedByPrevious {
        /// The new version.
        version: u32,
        /// The threshold failure.
        source: EnvelopeError,
    },
    /// A new root is not signed by a threshold of its own keys.
    #[error("root v{version} is not signed by enough of its own keys: {source}")]
    NotSignedBySelf {
        /// The new version.
        version: u32,
        /// The threshold failure.
        source: EnvelopeError,
    },
    /// A document that is internally inconsistent.
    #[error("invalid {kind}: {why}")]
    Invalid {
        /// Which document.
        kind: &'static str,
        /// What is wrong.
        why: String,
    },
    /// A keyset for a brand other than the record it is checked against.
    #[error("keyset is for brand '{found}', not '{expected}'")]
    WrongBrand {
        /// The brand whose masters were used.
        expected: String,
        /// The brand the keyset names.
        found: String,
    },
}

/// The root keys an app pins at build time: the start of all trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustAnchor {
    /// The pinned root keys.
    pub keys: Vec<PublicKey>,
    /// How many of them must sign the first trusted root.
    pub threshold: u8,
}

/// The root document: who may vouch for brands, and for freshness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootDocument {
    /// Starts at 1; each rotation adds exactly 1.
    pub version: u32,
    /// When it was signed (unix seconds).
    pub issued_at: u64,
    /// After this (unix seconds) the root must be replaced.
    pub expires: u64,
    /// Root keys.
    pub keys: Vec<PublicKey>,
    /// Root signatures needed.
    pub threshold: u8,
    /// Keys that may only sign freshness (timestamp / snapshot).
    pub timestamp_keys: Vec<PublicKey>,
    /// Timestamp signatures needed.
    pub timestamp_threshold: u8,
}

/// A brand, as the root vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandRecord {
    /// Stable id: lower-case letters, digits and '-', 1 to 32.
    pub brand_id: String,
    /// Increases with each change.
    pub version: u32,
    /// When it was signed (unix seconds).
    pub issued_at: u64,
    /// Name shown to shoppers.
    pub name: String,
    /// GS1 company prefixes (4 to 12 digits, within the GTIN-13 space) the brand owns.
    pub company_prefixes: Vec<String>,
    /// Hosts the brand prints in its codes (lower case).
    pub hosts: Vec<String>,
    /// The brand's offline master keys: they sign keysets.
    pub master_keys: Vec<PublicKey>,
    /// Master signatures needed.
    pub master_threshold: u8,
    /// Online keys that may only sign revocations for this brand.
    pub revoker_keys: Vec<PublicKey>,
    /// Where phones that opted in send scan reports and reports of fakes
    /// (docs/CLONES.md): an `https://` base URL. Absent in records that
    /// predate it, which therefore encode exactly as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<String>,
}

/// The claim keys of one brand, signed by its masters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyset {
    /// Which brand.
    pub brand_id: String,
    /// Increases with each change.
    pub version: u32,
    /// When it was signed (unix seconds).
    pub issued_at: u64,
    /// The keys.
    pub keys: Vec<ClaimKey>,
}

/// One key that signs codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimKey {
    /// The 16-bit id printed in codes; unique within the brand.
    pub kid: u16,
    /// The key.
    pub public_key: PublicKey,
    /// Company prefixes it may sign for: a subset of the brand's.
    pub company_prefixes: Vec<String>,
    /// Start of the signing window (unix seconds).
    pub sign_from: u64,
    /// End of the signing window.
    pub sign_until: u64,
    /// Codes stay verifiable until then (shelf life).
    pub verify_until: u64,
    /// Set when the brand revoked the key: every code it signed is revoked.
    pub revoked_at: Option<u64>,
}

fn invalid(kind: &'static str, why: impl Into<String>) -> TrustError {
    TrustError::Invalid { kind, why: why.into() }
}

fn check_role(kind: &'static str, role: &str, keys: &[PublicKey], threshold: u8) -> Result<(), TrustError> {
    if keys.len() > MAX_ROLE_KEYS {
        return Err(invalid(kind, format!("more than {MAX_ROLE_KEYS} {role} keys")));
    }
    let mut ids: Vec<_> = keys.iter().map(|k| k.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != keys.len() {
        return Err(invalid(kind, format!("a {role} key appears twice")));
    }
    if threshold == 0 || usize::from(threshold) > keys.len() {
        return Err(invalid(kind, format!("{role} threshold {threshold} of {} keys", keys.len())));
    }
    Ok(())
}

/// The first of `prefixes` that nests with one of `others` (one starts the
/// other), with the one it nests with. Two brands' prefixes must never nest:
/// a GTIN under both would belong to two brands, one able to forge the other's.
pub fn overlapping_prefix<'a>(prefixes: &'a [String], others: &'a [String]) -> Option<(&'a str, &'a str)> {
    prefixes.iter().find_map(|p| {
        let nests = |q: &&String| p.starts_with(q.as_str()) || q.starts_with(p.as_str());
        others.iter().find(nests).map(|q| (p.as_str(), q.as_str()))
    })
}

/// A brand's collector URL: `https://` (plain `http://` only on loopback,
/// for tests), at most 200 characters, no credentials, query or fragment.
pub fn check_collector_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| {
            url.strip_prefix("http://").filter(|r| r.starts_with("127.0.0.1") || r.starts_with("localhost"))
        })
        .ok_or("collector must be an https:// URL")?;
    let printable = url.bytes().all(|b| b.is_ascii_graphic());
    if url.len() > 200 || rest.is_empty() || !printable || rest.contains(['@', '?', '#']) {
        return Err("collector must be a plain URL of at most 200 characters".into());
    }
    Ok(())
}

/// Is this a plausible GS1 company prefix (4 to 12 digits)?
pub fn is_company_prefix(p: &str) -> bool {
    (4..=12).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
}

impl RootDocument {
    fn validate(&self) -> Result<(), TrustError> {
        check_role("root", "root", &self.keys, self.threshold)?;
        if !self.timestamp_keys.is_empty() || self.timestamp_threshold != 0 {
            check_role("root", "timestamp", &self.timestamp_keys, self.timestamp_threshold)?;
        }
        if self.version == 0 || self.expires <= self.issued_at {
            return Err(invalid("root", "version 0 or expiry before issue"));
        }
        check_time("root", "issued_at", self.issued_at)?;
        check_time("root", "expires", self.expires)
    }

    /// Opens the first trusted root: signed by a threshold of the anchor's
    /// keys *and* of its own (so a root cannot name keys that never agreed).
    pub fn open_first(env: &Envelope, anchor: &TrustAnchor) -> Result<RootDocument, TrustError> {
        let verified = env
            .check(ROOT_TYPE, &anchor.keys, usize::from(anchor.threshold))
            .map_err(|source| TrustError::NotSignedByPrevious { version: 0, source })?;
        Self::open_self_signed(verified)
    }

    /// Opens root v(N+1) given trusted root vN: a threshold of vN's keys and of
    /// its own must sign. This stops a single stolen old key from rotating the
    /// root, and a new root from naming keys that did not sign it.
    pub fn open_next(env: &Envelope, trusted: &RootDocument) -> Result<RootDocument, TrustError> {
        let verified = env
            .check(ROOT_TYPE, &trusted.keys, usize::from(trusted.threshold))
            .map_err(|source| TrustError::NotSignedByPrevious { version: trusted.version + 1, source })?;
        let next = Self::open_self_signed(verified)?;
        if Some(next.version) != trusted.version.checked_add(1) {
            return Err(TrustError::RootVersion { trusted: trusted.version, found: next.version });
        }
        Ok(next)
    }

    /// A root signed by a threshold of `signer`'s own keys: an older link
    /// of the chain this device already trusts.
    pub fn open_same(env: &Envelope, signer: &RootDocument) -> Result<RootDocument, TrustError> {
        let verified = env.check(ROOT_TYPE, &signer.keys, usize::from(signer.threshold))?;
        Self::open_self_signed(verified)
    }

    fn open_self_signed(verified: Verified<'_>) -> Result<RootDocument, TrustError> {
        // The outer check already proved someone trusted signed these bytes,
        // so decoding them is safe; now the root must also vouch for itself.
        let env = verified.envelope();
        let root: RootDocument = verified.decode()?;
        root.validate()?;
        env.check(ROOT_TYPE, &root.keys, usize::from(root.threshold))
            .map_err(|source| TrustError::NotSignedBySelf { version: root.version, source })?;
        Ok(root)
    }
}

impl BrandRecord {
    /// Opens a brand record signed by a threshold of the root's keys.
    pub fn open(env: &Envelope, root: &RootDocument) -> Result<BrandRecord, TrustError> {
        let brand: BrandRecord = env.open(BRAND_TYPE, &root.keys, usize::from(root.threshold))?;
        brand.validate()?;
        Ok(brand)
    }

    fn validate(&self) -> Result<(), TrustError> {
        let id_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if self.brand_id.is_empty() || self.brand_id.len() > 32 || !self.brand_id.bytes().all(id_ok) {
            return Err(invalid("brand record", "brand id must be 1-32 of [a-z0-9-]"));
        }
        if self.name.is_empty() || self.name.len() > 128 {
            return Err(invalid("brand record", "name must be 1-128 bytes"));
        }
        check_time("brand record", "issued_at", self.issued_at)?;
        check_role("brand record", "master", &self.master_keys, self.master_threshold)?;
        if self.revoker_keys.len() > MAX_ROLE_KEYS {
            return Err(invalid("brand record", "too many revoker keys"));
        }
        if self.company_prefixes.is_empty() || self.company_prefixes.len() > MAX_SCOPES {
            return Err(invalid("brand record", "needs 1 to 64 company prefixes"));
        }
        if let Some(p) = self.company_prefixes.iter().find(|p| !is_company_prefix(p)) {
            return Err(invalid("brand record", format!("'{p}' is not a company prefix")));
        }
        let host_ok = |h: &String| {
            !h.is_empty()
                && h.len() <= 253
                && h.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.:".contains(&b))
        };
        if self.hosts.len() > MAX_SCOPES || !self.hosts.iter().all(host_ok) {
            return Err(invalid("brand record", "hosts must be lower-case host names, at most 64"));
        }
        if let Some(url) = &self.collector {
            check_collector_url(url).map_err(|why| invalid("brand record", why))?;
        }
        Ok(())
    }
}

impl Keyset {
    /// Opens a keyset signed by a threshold of the brand's master keys, and
    /// checks every key stays inside the brand's company prefixes: a brand's
    /// masters can never grant a key over someone else's GTINs.
    pub fn open(env: &Envelope, brand: &BrandRecord) -> Result<Keyset, TrustError> {
        let keyset: Keyset =
            env.open(KEYSET_TYPE, &brand.master_keys, usize::from(brand.master_threshold))?;
        if keyset.brand_id != brand.brand_id {
            return Err(TrustError::WrongBrand {
                expected: brand.brand_id.clone(),
                found: keyset.brand_id.chars().take(64).collect(),
            });
        }
        keyset.validate(brand)?;
        Ok(keyset)
    }

    fn validate(&self, brand: &BrandRecord) -> Result<(), TrustError> {
        if self.keys.len() > MAX_CLAIM_KEYS {
            return Err(invalid("keyset", "too many keys"));
        }
        let mut kids: Vec<u16> = self.keys.iter().map(|k| k.kid).collect();
        kids.sort_unstable();
        kids.dedup();
        if kids.len() != self.keys.len() {
            return Err(invalid("keyset", "a kid appears twice"));
        }
        check_time("keyset", "issued_at", self.issued_at)?;
        for key in &self.keys {
            let times = [
                ("sign_from", key.sign_from),
                ("sign_until", key.sign_until),
                ("verify_until", key.verify_until),
                ("revoked_at", key.revoked_at.unwrap_or(0)),
            ];
            for (field, t) in times {
                check_time("keyset", &format!("kid {}: {field}", key.kid), t)?;
            }
            if !(key.sign_from <= key.sign_until && key.sign_until <= key.verify_until) {
                return Err(invalid("keyset", format!("kid {}: windows out of order", key.kid)));
            }
            if key.company_prefixes.is_empty() || key.company_prefixes.len() > MAX_SCOPES {
                return Err(invalid("keyset", format!("kid {}: needs 1 to 64 prefixes", key.kid)));
            }
            // A key scoped to a *longer* prefix than the brand's is fine
            // (one product line); a shorter or different one is not.
            let inside = |p: &String| {
                is_company_prefix(p) && brand.company_prefixes.iter().any(|bp| p.starts_with(bp.as_str()))
            };
            if let Some(p) = key.company_prefixes.iter().find(|p| !inside(p)) {
                return Err(invalid(
                    "keyset",
                    format!("kid {}: prefix '{p}' is outside brand '{}'", key.kid, brand.brand_id),
                ));
            }
        }
        Ok(())
    }
}

impl TrustAnchor {
    /// The anchor file format: `threshold N` and one `key HEX` line per key;
    /// `#` starts a comment. Plain text, so it can be reviewed and pinned in
    /// app source as it is.
    pub fn to_text(&self) -> String {
        let mut out = String::from("# Genuine trust anchor: the pinned root keys\n");
        out.push_str(&format!("threshold {}\n", self.threshold));
        for key in &self.keys {
            out.push_str(&format!("key {}\n", key.to_hex()));
        }
        out
    }

    /// Parses [`TrustAnchor::to_text`]'s format.
    pub fn from_text(text: &str) -> Result<TrustAnchor, TrustError> {
        let bad = |why: &str| invalid("trust anchor", why);
        let mut threshold = None;
        let mut keys = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            match line.split_once(' ') {
                Some(("threshold", n)) => {
                    threshold = Some(n.trim().parse().map_err(|_| bad("bad threshold"))?)
                }
                Some(("key", hex)) => {
                    keys.push(PublicKey::from_hex(hex.trim()).ok_or_else(|| bad("bad key"))?)
                }
                _ => return Err(bad("expected 'threshold N' or 'key HEX' lines")),
            }
        }
        let threshold = threshold.ok_or_else(|| bad("no threshold"))?;
        check_role("trust anchor", "root", &keys, threshold)?;
        Ok(TrustAnchor { keys, threshold })
    }
}
