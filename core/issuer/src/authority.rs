//! Brand and operator tooling: the state behind `genuine root/brand/key/issue`.
//!
//! This is the only place that holds secret keys. In production the root and
//! brand masters live in HSMs; here they are seeds in a state file, which is
//! right for a laptop demo and for tests, and nothing else.

use genuine_format::bundle::TrustBundle;
use genuine_format::code;
use genuine_format::envelope::{Envelope, seal};
use genuine_format::gs1::{Gs1Data, Gtin};
use genuine_format::keys::signing::SecretKey;
use genuine_format::link::DigitalLink;
use genuine_format::trust::{
    BRAND_TYPE, BrandRecord, ClaimKey, KEYSET_TYPE, Keyset, ROOT_TYPE, RootDocument, TrustAnchor,
    is_company_prefix, overlapping_prefix,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Issued codes longer than this do not fit QR version 8 at level M.
pub const MAX_ISSUED_LEN: usize = 152;
/// Serial alphabet: no 0/O, 1/I look-alikes.
pub const SERIAL_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A source of 32 random bytes (a CSPRNG in real use; fixed seeds in tests).
pub type Rng<'a> = &'a mut dyn FnMut() -> [u8; 32];

/// Why an authority operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    /// No such brand.
    #[error("no brand '{0}'")]
    UnknownBrand(String),
    /// No such claim key.
    #[error("brand '{0}' has no key {1}")]
    UnknownKid(String, u16),
    /// No key may sign this GTIN now.
    #[error("brand '{0}' has no key that may sign GTIN {1} now: run `genuine key new`")]
    NoActiveKey(String, String),
    /// The code would not fit the QR budget.
    #[error("code is {0} characters, over the {MAX_ISSUED_LEN}-character budget (use --force)")]
    TooLong(usize),
    /// A bad argument.
    #[error("{0}")]
    Invalid(String),
}

/// A 32-byte secret seed, hex in the state file.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed(pub [u8; 32]);

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&genuine_format::keys::hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = genuine_format::keys::unhex(&s).and_then(|b| b.try_into().ok());
        bytes.map(Seed).ok_or_else(|| serde::de::Error::custom("seed must be 64 hex digits"))
    }
}

impl Seed {
    pub(crate) fn key(&self) -> SecretKey {
        SecretKey::from_seed(&self.0)
    }
}

/// One brand's documents and secrets.
#[derive(Clone, Serialize, Deserialize)]
pub struct BrandState {
    /// The current record.
    pub record: BrandRecord,
    /// Master seeds.
    pub master_seeds: Vec<Seed>,
    /// Revoker seeds.
    pub revoker_seeds: Vec<Seed>,
    /// The current keyset.
    pub keyset: Keyset,
    /// Claim key seeds by kid.
    pub claim_seeds: BTreeMap<u16, Seed>,
}

/// The whole operator + brand state.
#[derive(Clone, Serialize, Deserialize)]
pub struct Authority {
    /// Keys an app pins.
    pub anchor: TrustAnchor,
    /// Every root document ever signed, oldest first, as CBOR envelopes.
    pub root_envelopes: Vec<serde_bytes::ByteBuf>,
    /// The current root.
    pub root: RootDocument,
    /// Its seeds.
    pub root_seeds: Vec<Seed>,
    /// The online timestamp key(s).
    pub timestamp_seeds: Vec<Seed>,
    /// Brands by id.
    pub brands: BTreeMap<String, BrandState>,
    /// What has been published to the feed.
    #[serde(default)]
    pub feed: crate::published::FeedState,
}

pub(crate) fn keys_of(seeds: &[Seed]) -> Vec<genuine_format::keys::PublicKey> {
    seeds.iter().map(|s| s.key().public()).collect()
}

fn fresh_seeds(n: usize, rng: Rng<'_>) -> Vec<Seed> {
    (0..n).map(|_| Seed(rng())).collect()
}

fn check_threshold(n: usize, threshold: u8) -> Result<(), AuthorityError> {
    if n == 0 || n > genuine_format::trust::MAX_ROLE_KEYS || threshold == 0 || usize::from(threshold) > n {
        return Err(AuthorityError::Invalid(format!("threshold {threshold} of {n} keys is not valid")));
    }
    Ok(())
}

impl Authority {
    /// Creates a root of `n` keys with a `threshold`, pinned as the anchor.
    pub fn new(
        n: usize,
        threshold: u8,
        expires: u64,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<Authority, AuthorityError> {
        check_threshold(n, threshold)?;
        let root_seeds = fresh_seeds(n, rng);
        // One online timestamp key: it can only vouch for freshness.
        let timestamp_seeds = fresh_seeds(1, rng);
        let keys = keys_of(&root_seeds);
        let root = RootDocument {
            version: 1,
            issued_at: now,
            expires,
            keys: keys.clone(),
            threshold,
            timestamp_keys: keys_of(&timestamp_seeds),
            timestamp_threshold: 1,
        };
        let signers: Vec<SecretKey> = root_seeds.iter().map(Seed::key).collect();
        let env = seal(ROOT_TYPE, &root, &signers.iter().collect::<Vec<_>>());
        Ok(Authority {
            anchor: TrustAnchor { keys, threshold },
            root_envelopes: vec![serde_bytes::ByteBuf::from(env.encode())],
            root,
            root_seeds,
            timestamp_seeds,
            brands: BTreeMap::new(),
            feed: crate::published::FeedState::default(),
        })
    }

    /// Replaces the timestamp key: root v(N+1) with the same root keys and a
    /// fresh timestamp key. This is how the operator recovers every device
    /// from a stolen timestamp key: once a device holds the new root, nothing
    /// the old key signed holds its sync back (docs/SECURITY.md).
    pub fn replace_timestamp_key(&mut self, now: u64, rng: Rng<'_>) {
        self.timestamp_seeds = fresh_seeds(1, rng);
        let root = RootDocument {
            version: self.root.version + 1,
            issued_at: now,
            timestamp_keys: keys_of(&self.timestamp_seeds),
            timestamp_threshold: 1,
            ..self.root.clone()
        };
        let signers: Vec<SecretKey> = self.root_seeds.iter().map(Seed::key).collect();
        let env = seal(ROOT_TYPE, &root, &signers.iter().collect::<Vec<_>>());
        self.root_envelopes.push(serde_bytes::ByteBuf::from(env.encode()));
        self.root = root;
    }

    /// Rotates the root to fresh keys: v(N+1) is signed by the old keys and
    /// the new ones, and every brand record is re-signed under it.
    pub fn rotate_root(
        &mut self,
        n: usize,
        threshold: u8,
        expires: u64,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<(), AuthorityError> {
        check_threshold(n, threshold)?;
        let new_seeds = fresh_seeds(n, rng);
        let root = RootDocument {
            version: self.root.version + 1,
            issued_at: now,
            expires,
            keys: keys_of(&new_seeds),
            threshold,
            timestamp_keys: self.root.timestamp_keys.clone(),
            timestamp_threshold: self.root.timestamp_threshold,
        };
        let signers: Vec<SecretKey> = self.root_seeds.iter().chain(&new_seeds).map(Seed::key).collect();
        let env = seal(ROOT_TYPE, &root, &signers.iter().collect::<Vec<_>>());
        self.root_envelopes.push(serde_bytes::ByteBuf::from(env.encode()));
        self.root = root;
        self.root_seeds = new_seeds;
        for brand in self.brands.values_mut() {
            brand.record.version += 1;
            brand.record.issued_at = now;
        }
        Ok(())
    }

    /// Adds a brand with `masters` master keys.
    #[allow(clippy::too_many_arguments)]
    pub fn add_brand(
        &mut self,
        brand_id: &str,
        name: &str,
        company_prefixes: Vec<String>,
        hosts: Vec<String>,
        masters: usize,
        master_threshold: u8,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<(), AuthorityError> {
        if self.brands.contains_key(brand_id) {
            return Err(AuthorityError::Invalid(format!("brand '{brand_id}' exists")));
        }
        check_threshold(masters, master_threshold)?;
        if let Some(p) = company_prefixes.iter().find(|p| !is_company_prefix(p)) {
            return Err(AuthorityError::Invalid(format!("'{p}' is not a 4-12 digit company prefix")));
        }
        // Every phone refuses a brand whose prefix nests with another's
        // (import's PrefixConflict): refuse it here, before it is published.
        for (other, state) in &self.brands {
            if let Some((p, q)) = overlapping_prefix(&company_prefixes, &state.record.company_prefixes) {
                return Err(AuthorityError::Invalid(format!(
                    "prefix {p} overlaps brand '{other}''s {q}: one GTIN would belong to two brands, and phones refuse both"
                )));
            }
        }
        let master_seeds = fresh_seeds(masters, rng);
        let revoker_seeds = fresh_seeds(1, rng);
        let record = BrandRecord {
            brand_id: brand_id.to_string(),
            version: 1,
            issued_at: now,
            name: name.to_string(),
            company_prefixes,
            hosts: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            master_keys: keys_of(&master_seeds),
            master_threshold,
            revoker_keys: keys_of(&revoker_seeds),
        };
        let keyset = Keyset { brand_id: brand_id.to_string(), version: 1, issued_at: now, keys: Vec::new() };
        let state = BrandState { record, master_seeds, revoker_seeds, keyset, claim_seeds: BTreeMap::new() };
        self.brands.insert(brand_id.to_string(), state);
        Ok(())
    }

    /// Refuses a state in which two brands' prefixes nest (a state file from
    /// before `add_brand` checked): what would be published, phones refuse.
    pub fn check_prefixes(&self) -> Result<(), AuthorityError> {
        for (id, brand) in &self.brands {
            for (other, state) in self.brands.iter().filter(|(o, _)| *o > id) {
                if let Some((p, q)) =
                    overlapping_prefix(&brand.record.company_prefixes, &state.record.company_prefixes)
                {
                    return Err(AuthorityError::Invalid(format!(
                        "brand '{id}''s prefix {p} overlaps brand '{other}''s {q}: phones refuse both; remove one"
                    )));
                }
            }
        }
        Ok(())
    }

    fn brand_mut(&mut self, brand_id: &str) -> Result<&mut BrandState, AuthorityError> {
        self.brands.get_mut(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))
    }

    /// Adds a claim key to a brand's keyset and returns its kid. `prefixes`
    /// defaults to all of the brand's.
    pub fn new_claim_key(
        &mut self,
        brand_id: &str,
        prefixes: Option<Vec<String>>,
        window: (u64, u64, u64),
        now: u64,
        rng: Rng<'_>,
    ) -> Result<u16, AuthorityError> {
        let (sign_from, sign_until, verify_until) = window;
        if !(sign_from <= sign_until && sign_until <= verify_until) {
            return Err(AuthorityError::Invalid(
                "key windows must be sign_from <= sign_until <= verify_until".into(),
            ));
        }
        let brand = self.brand_mut(brand_id)?;
        let prefixes = prefixes.unwrap_or_else(|| brand.record.company_prefixes.clone());
        let inside = |p: &String| brand.record.company_prefixes.iter().any(|bp| p.starts_with(bp.as_str()));
        if let Some(p) = prefixes.iter().find(|p| !is_company_prefix(p) || !inside(p)) {
            return Err(AuthorityError::Invalid(format!("prefix '{p}' is not within the brand's prefixes")));
        }
        let kid = brand.keyset.keys.iter().map(|k| k.kid).max().map_or(Some(1), |k| k.checked_add(1));
        let kid = kid.ok_or_else(|| AuthorityError::Invalid("no kids left".into()))?;
        let seed = Seed(rng());
        brand.keyset.keys.push(ClaimKey {
            kid,
            public_key: seed.key().public(),
            company_prefixes: prefixes,
            sign_from,
            sign_until,
            verify_until,
            revoked_at: None,
        });
        brand.claim_seeds.insert(kid, seed);
        brand.keyset.version += 1;
        brand.keyset.issued_at = now;
        Ok(kid)
    }

    /// Ends the signing window of every key still signing, then adds a new
    /// key with the same shape of windows starting now.
    pub fn rotate_claim_key(
        &mut self,
        brand_id: &str,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<u16, AuthorityError> {
        let brand = self.brand_mut(brand_id)?;
        let current = brand.keyset.keys.iter().rev().find(|k| k.revoked_at.is_none() && k.sign_until >= now);
        let (sign_len, shelf) = current.map_or((90 * 86_400, 3 * 365 * 86_400), |k| {
            (k.sign_until - k.sign_from, k.verify_until - k.sign_until)
        });
        let prefixes = current.map(|k| k.company_prefixes.clone());
        for key in brand.keyset.keys.iter_mut().filter(|k| k.sign_until > now) {
            key.sign_until = now.max(key.sign_from);
        }
        self.new_claim_key(brand_id, prefixes, (now, now + sign_len, now + sign_len + shelf), now, rng)
    }

    /// Revokes a claim key: every code it signed verifies as revoked.
    pub fn revoke_claim_key(&mut self, brand_id: &str, kid: u16, now: u64) -> Result<(), AuthorityError> {
        let brand = self.brand_mut(brand_id)?;
        let key = brand
            .keyset
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| AuthorityError::UnknownKid(brand_id.to_string(), kid))?;
        key.revoked_at = Some(now);
        brand.keyset.version += 1;
        brand.keyset.issued_at = now;
        Ok(())
    }

    /// The secret of a claim key (tests use it to make forgeries on purpose).
    pub fn claim_secret(&self, brand_id: &str, kid: u16) -> Result<SecretKey, AuthorityError> {
        let brand =
            self.brands.get(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?;
        let seed = brand
            .claim_seeds
            .get(&kid)
            .ok_or_else(|| AuthorityError::UnknownKid(brand_id.to_string(), kid))?;
        Ok(seed.key())
    }

    /// Issues a signed code URL for `data`. Picks the newest key that may sign
    /// this GTIN now unless `kid` is given; refuses codes over the budget unless `force`.
    pub fn issue(
        &self,
        brand_id: &str,
        data: Gs1Data,
        kid: Option<u16>,
        host: Option<&str>,
        now: u64,
        force: bool,
    ) -> Result<String, AuthorityError> {
        let brand =
            self.brands.get(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?;
        let space = data.gtin().prefix_space().to_string();
        let usable = |k: &&ClaimKey| {
            k.revoked_at.is_none()
                && k.sign_from <= now
                && now <= k.sign_until
                && k.company_prefixes.iter().any(|p| space.starts_with(p.as_str()))
        };
        let key =
            match kid {
                Some(kid) => brand
                    .keyset
                    .keys
                    .iter()
                    .find(|k| k.kid == kid)
                    .ok_or_else(|| AuthorityError::UnknownKid(brand_id.to_string(), kid))?,
                None => brand.keyset.keys.iter().rev().find(usable).ok_or_else(|| {
                    AuthorityError::NoActiveKey(brand_id.to_string(), data.gtin().to_string())
                })?,
            };
        if kid.is_some() && !force && !usable(&key) {
            return Err(AuthorityError::NoActiveKey(brand_id.to_string(), data.gtin().to_string()));
        }
        let secret = self.claim_secret(brand_id, key.kid)?;
        let sig = code::sign(&data, key.kid, &secret);
        let host = match host {
            Some(h) => h.to_ascii_lowercase(),
            None => brand
                .record
                .hosts
                .first()
                .cloned()
                .ok_or_else(|| AuthorityError::Invalid("brand has no host".into()))?,
        };
        let url = DigitalLink { host, path_prefix: String::new(), data, sig: Some(sig.to_text()) }.to_url();
        if url.len() > MAX_ISSUED_LEN && !force {
            return Err(AuthorityError::TooLong(url.len()));
        }
        Ok(url)
    }

    /// Every document, signed, as a bundle an app can ship.
    pub fn bundle(&self) -> TrustBundle {
        let roots = self.root_envelopes.iter().filter_map(|b| Envelope::decode(b, usize::MAX).ok()).collect();
        let root_signers: Vec<SecretKey> =
            self.root_seeds.iter().take(usize::from(self.root.threshold)).map(Seed::key).collect();
        let root_signers: Vec<&SecretKey> = root_signers.iter().collect();
        let mut brands = Vec::new();
        let mut keysets = Vec::new();
        for brand in self.brands.values() {
            brands.push(seal(BRAND_TYPE, &brand.record, &root_signers));
            let masters: Vec<SecretKey> = brand
                .master_seeds
                .iter()
                .take(usize::from(brand.record.master_threshold))
                .map(Seed::key)
                .collect();
            keysets.push(seal(KEYSET_TYPE, &brand.keyset, &masters.iter().collect::<Vec<_>>()));
        }
        TrustBundle { roots, brands, keysets }
    }
}

/// A random serial of `len` characters from [`SERIAL_ALPHABET`] (5 bits each,
/// uniform because the alphabet has 32 letters).
pub fn random_serial(len: usize, rng: Rng<'_>) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in rng() {
            if out.len() < len {
                out.push(SERIAL_ALPHABET[usize::from(b & 31)] as char);
            }
        }
    }
    out
}

/// Parses a GTIN given on a command line, with a clear error.
pub fn parse_gtin(text: &str) -> Result<Gtin, AuthorityError> {
    Gtin::parse(text).map_err(|e| AuthorityError::Invalid(format!("GTIN {text}: {e}")))
}
