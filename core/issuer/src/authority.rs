//! Brand and operator tooling: the state behind `genuine root/brand/key/issue`.
//!
//! This is the only place that holds secret keys. Each key is a seed in the
//! state file (a laptop demo, tests), a key inside a PKCS#11 token, or a root
//! key its holder keeps (see [`crate::keys`]): with a token attached, every
//! new key is generated in the token, and the state file holds no secret.

use crate::keys::{KeyRef, Seed, Token};
use genuine_format::bundle::TrustBundle;
use genuine_format::code;
use genuine_format::envelope::{Envelope, try_seal};
use genuine_format::gs1::{Gs1Data, Gtin};
use genuine_format::keys::signing::{SecretKey, SignError, Signer};
use genuine_format::link::DigitalLink;
use genuine_format::trust::{
    BRAND_TYPE, BrandRecord, ClaimKey, KEYSET_TYPE, Keyset, ROOT_TYPE, RootDocument, TrustAnchor,
    is_company_prefix, overlapping_prefix,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Issued codes longer than this do not fit QR version 8 at level M.
pub const MAX_ISSUED_LEN: usize = 152;
/// Serial alphabet: no 0/O, 1/I look-alikes.
pub const SERIAL_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A source of 32 random bytes (a CSPRNG in real use; fixed seeds in tests).
pub type Rng<'a> = &'a mut dyn FnMut() -> [u8; 32];

/// Why an authority operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// No such brand.
    #[error("no brand '{0}'")]
    UnknownBrand(String),
    /// No such claim key.
    #[error("brand '{0}' has no key {1}")]
    UnknownKid(String, u16),
    /// The key's serials were folded into a published filter: a code it
    /// signed now would fall outside the filter's universe.
    #[error(
        "brand '{0}' key {1} is closed and its serials are folded into the published filters: it signs no more codes"
    )]
    FoldedKey(String, u16),
    /// The key issues through another journal.
    #[error(
        "brand '{0}' key {1} issues through another issuance journal ({2}): give that one with --journal, so every serial of a key is in one journal"
    )]
    OtherJournal(String, u16, String),
    /// No key may sign this GTIN now (the GTIN is the brand's).
    #[error("brand '{0}' has no key that may sign GTIN {1} now: run `genuine key new --brand {0}`")]
    NoActiveKey(String, String),
    /// The GTIN is under none of the brand's company prefixes: no key of
    /// the brand can sign it, because its record does not claim it.
    #[error(
        "GTIN {gtin} is under none of brand '{brand}''s company prefixes ({prefixes}): issue a GTIN \
         of the brand's, or add its prefix with `genuine brand edit --brand {brand} --add-prefix PREFIX`"
    )]
    OutsidePrefixes {
        /// The brand.
        brand: String,
        /// The GTIN asked for.
        gtin: String,
        /// The brand's prefixes, comma-separated.
        prefixes: String,
    },
    /// The code would not fit the QR budget.
    #[error("code is {0} characters, over the {MAX_ISSUED_LEN}-character budget (use --force)")]
    TooLong(usize),
    /// A bad argument.
    #[error("{0}")]
    Invalid(String),
    /// A key could not sign (its token, its holder).
    #[error("{0}")]
    Key(String),
}

impl From<SignError> for AuthorityError {
    fn from(e: SignError) -> Self {
        AuthorityError::Key(e.0)
    }
}

/// One brand's documents and keys.
#[derive(Clone, Serialize, Deserialize)]
pub struct BrandState {
    /// The current record.
    pub record: BrandRecord,
    /// The record as the root's holders signed it in a ceremony (when the
    /// root keys are not in this state): used while it says what `record` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_envelope: Option<serde_bytes::ByteBuf>,
    /// Master keys.
    #[serde(alias = "master_seeds")]
    pub master_keys: Vec<KeyRef>,
    /// Revoker keys.
    #[serde(alias = "revoker_seeds")]
    pub revoker_keys: Vec<KeyRef>,
    /// The current keyset.
    pub keyset: Keyset,
    /// Claim keys by kid.
    #[serde(alias = "claim_seeds")]
    pub claim_keys: BTreeMap<u16, KeyRef>,
    /// Whether a bundle or feed has carried it to phones (then it cannot
    /// simply be removed: phones keep what they verified).
    #[serde(default)]
    pub published: bool,
    /// The issuance journal each claim key issues through (its id; empty:
    /// not issued yet). A key's serials all go to one journal, so a fold
    /// sees every serial it signed; a key absent here was made before keys
    /// were bound and is never folded.
    #[serde(default)]
    pub key_journals: BTreeMap<u16, String>,
    /// Keys a published filter has a block for: they sign no more codes,
    /// since a phone may hold that filter for as long as it stays offline.
    #[serde(default)]
    pub folded: std::collections::BTreeSet<u16>,
}

/// A change to a brand's record (`genuine brand edit`).
#[derive(Debug, Default, Clone)]
pub struct BrandEdit {
    /// A new name shown to shoppers.
    pub name: Option<String>,
    /// Hosts to add.
    pub add_hosts: Vec<String>,
    /// Hosts to remove.
    pub remove_hosts: Vec<String>,
    /// Company prefixes to add.
    pub add_prefixes: Vec<String>,
    /// Company prefixes to remove.
    pub remove_prefixes: Vec<String>,
    /// The collector phones send scan reports to (docs/CLONES.md).
    pub collector: Option<String>,
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
    /// Its keys (held by their holders after a ceremony).
    #[serde(alias = "root_seeds")]
    pub root_keys: Vec<KeyRef>,
    /// The online timestamp key(s).
    #[serde(alias = "timestamp_seeds")]
    pub timestamp_keys: Vec<KeyRef>,
    /// Brands by id.
    pub brands: BTreeMap<String, BrandState>,
    /// What has been published to the feed.
    #[serde(default)]
    pub feed: crate::published::FeedState,
    /// The HSM new keys are generated in and token keys sign in (not saved:
    /// the caller opens it with its PIN for each run).
    #[serde(skip)]
    pub token: Option<Arc<dyn Token>>,
}

/// How a key bound to a journal before bindings existed is marked.
const LEGACY: &str = "legacy:";

pub(crate) fn keys_of(keys: &[KeyRef]) -> Vec<genuine_format::keys::PublicKey> {
    keys.iter().map(KeyRef::public).collect()
}

/// `n` fresh keys for `role`: inside the token when one is attached (labels
/// made unique with random bytes), else seeds from `rng`.
pub(crate) fn fresh_keys(
    token: Option<&dyn Token>,
    n: usize,
    role: &str,
    rng: Rng<'_>,
) -> Result<Vec<KeyRef>, AuthorityError> {
    (0..n)
        .map(|_| match token {
            Some(token) => {
                let tag = genuine_format::keys::hex(&rng()[..6]);
                Ok(KeyRef::Token(token.generate(&format!("genuine-{role}-{tag}"))?))
            }
            None => Ok(KeyRef::Seed(Seed(rng()))),
        })
        .collect()
}

/// Seals a document with the first `count` of `keys`, wherever they live.
pub(crate) fn seal_with<T: Serialize>(
    token: Option<&dyn Token>,
    payload_type: &str,
    document: &T,
    keys: &[KeyRef],
    count: usize,
) -> Result<Envelope, AuthorityError> {
    let signers = keys.iter().take(count).map(|k| k.signer(token)).collect::<Result<Vec<_>, _>>()?;
    let signers: Vec<&dyn Signer> = signers.iter().map(|s| s.as_ref() as &dyn Signer).collect();
    Ok(try_seal(payload_type, document, &signers)?)
}

pub(crate) fn check_threshold(n: usize, threshold: u8) -> Result<(), AuthorityError> {
    if n == 0 || n > genuine_format::trust::MAX_ROLE_KEYS || threshold == 0 || usize::from(threshold) > n {
        return Err(AuthorityError::Invalid(format!("threshold {threshold} of {n} keys is not valid")));
    }
    Ok(())
}

impl Authority {
    /// Creates a root of `n` keys with a `threshold`, pinned as the anchor,
    /// with seeds in the state (a demo); see [`Authority::create`].
    pub fn new(
        n: usize,
        threshold: u8,
        expires: u64,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<Authority, AuthorityError> {
        Authority::create(None, n, threshold, expires, now, rng)
    }

    /// Creates a root of `n` keys with a `threshold`, pinned as the anchor;
    /// with a `token`, every key is generated inside it.
    pub fn create(
        token: Option<Arc<dyn Token>>,
        n: usize,
        threshold: u8,
        expires: u64,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<Authority, AuthorityError> {
        check_threshold(n, threshold)?;
        let root_keys = fresh_keys(token.as_deref(), n, "root", rng)?;
        let mut a = Authority::unsigned_first_root(token, root_keys, threshold, expires, now, rng)?;
        let env = seal_with(a.token(), ROOT_TYPE, &a.root, &a.root_keys, n)?;
        a.root_envelopes.push(serde_bytes::ByteBuf::from(env.encode()));
        Ok(a)
    }

    /// A state whose root v1 has `root_keys` (pinned as the anchor) and a
    /// fresh online timestamp key, not signed yet: [`Authority::create`]
    /// signs it here, a ceremony has its holders sign it.
    pub(crate) fn unsigned_first_root(
        token: Option<Arc<dyn Token>>,
        root_keys: Vec<KeyRef>,
        threshold: u8,
        expires: u64,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<Authority, AuthorityError> {
        check_threshold(root_keys.len(), threshold)?;
        // One online timestamp key: it can only vouch for freshness.
        let timestamp_keys = fresh_keys(token.as_deref(), 1, "timestamp", rng)?;
        let keys = keys_of(&root_keys);
        let root = RootDocument {
            version: 1,
            issued_at: now,
            expires,
            keys: keys.clone(),
            threshold,
            timestamp_keys: keys_of(&timestamp_keys),
            timestamp_threshold: 1,
        };
        Ok(Authority {
            anchor: TrustAnchor { keys, threshold },
            root_envelopes: Vec::new(),
            root,
            root_keys,
            timestamp_keys,
            brands: BTreeMap::new(),
            feed: crate::published::FeedState::default(),
            token,
        })
    }

    /// The attached token, if any.
    pub(crate) fn token(&self) -> Option<&dyn Token> {
        self.token.as_deref()
    }

    /// Replaces the timestamp key: root v(N+1) with the same root keys and a
    /// fresh timestamp key. This is how the operator recovers every device
    /// from a stolen timestamp key: once a device holds the new root, nothing
    /// the old key signed holds its sync back (docs/SECURITY.md).
    pub fn replace_timestamp_key(&mut self, now: u64, rng: Rng<'_>) -> Result<(), AuthorityError> {
        let timestamp_keys = fresh_keys(self.token(), 1, "timestamp", rng)?;
        let root = RootDocument {
            version: self.root.version + 1,
            issued_at: now,
            timestamp_keys: keys_of(&timestamp_keys),
            timestamp_threshold: 1,
            ..self.root.clone()
        };
        let env = seal_with(self.token(), ROOT_TYPE, &root, &self.root_keys, self.root_keys.len())?;
        self.root_envelopes.push(serde_bytes::ByteBuf::from(env.encode()));
        self.root = root;
        self.timestamp_keys = timestamp_keys;
        Ok(())
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
        let new_keys = fresh_keys(self.token(), n, "root", rng)?;
        let root = RootDocument {
            version: self.root.version + 1,
            issued_at: now,
            expires,
            keys: keys_of(&new_keys),
            threshold,
            timestamp_keys: self.root.timestamp_keys.clone(),
            timestamp_threshold: self.root.timestamp_threshold,
        };
        let signers: Vec<KeyRef> = self.root_keys.iter().chain(&new_keys).cloned().collect();
        let env = seal_with(self.token(), ROOT_TYPE, &root, &signers, signers.len())?;
        self.install_root(env, root, new_keys, now);
        Ok(())
    }

    /// Makes a root that checked the current root's rules the current one:
    /// every brand record must be signed again under it.
    pub(crate) fn install_root(&mut self, env: Envelope, root: RootDocument, keys: Vec<KeyRef>, now: u64) {
        self.root_envelopes.push(serde_bytes::ByteBuf::from(env.encode()));
        self.root = root;
        self.root_keys = keys;
        for brand in self.brands.values_mut() {
            brand.record.version += 1;
            brand.record.issued_at = now;
            brand.record_envelope = None;
        }
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
        let master_keys = fresh_keys(self.token(), masters, &format!("{brand_id}-master"), rng)?;
        let revoker_keys = fresh_keys(self.token(), 1, &format!("{brand_id}-revoker"), rng)?;
        let record = BrandRecord {
            brand_id: brand_id.to_string(),
            version: 1,
            issued_at: now,
            name: name.to_string(),
            company_prefixes,
            hosts: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            master_keys: keys_of(&master_keys),
            master_threshold,
            revoker_keys: keys_of(&revoker_keys),
            collector: None,
        };
        let keyset = Keyset { brand_id: brand_id.to_string(), version: 1, issued_at: now, keys: Vec::new() };
        let state = BrandState {
            record,
            record_envelope: None,
            master_keys,
            revoker_keys,
            keyset,
            claim_keys: BTreeMap::new(),
            published: false,
            key_journals: BTreeMap::new(),
            folded: Default::default(),
        };
        self.brands.insert(brand_id.to_string(), state);
        Ok(())
    }

    /// Removes a brand that no phone has seen yet (a mistake caught before
    /// publishing). A published brand is refused: phones keep the records
    /// they verified, so its codes are stopped by revoking its keys instead.
    pub fn remove_brand(&mut self, brand_id: &str) -> Result<(), AuthorityError> {
        let brand =
            self.brands.get(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?;
        if brand.published {
            return Err(AuthorityError::Invalid(format!(
                "brand '{brand_id}' was published: phones keep it; stop its codes with `genuine key revoke --brand {brand_id} --kid N` for each key"
            )));
        }
        self.brands.remove(brand_id);
        self.feed.revocations.remove(brand_id);
        Ok(())
    }

    /// Changes a brand's name, hosts or prefixes: a new record version,
    /// checked as `add_brand` checks a new one.
    pub fn edit_brand(&mut self, brand_id: &str, edit: BrandEdit, now: u64) -> Result<(), AuthorityError> {
        let mut record = self
            .brands
            .get(brand_id)
            .ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?
            .record
            .clone();
        let invalid = |why: String| Err(AuthorityError::Invalid(why));
        if let Some(name) = edit.name {
            record.name = name;
        }
        if let Some(url) = edit.collector {
            genuine_format::trust::check_collector_url(&url).map_err(AuthorityError::Invalid)?;
            record.collector = Some(url);
        }
        for host in edit.remove_hosts {
            let before = record.hosts.len();
            record.hosts.retain(|h| *h != host.to_ascii_lowercase());
            if record.hosts.len() == before {
                return invalid(format!("brand '{brand_id}' has no host {host}"));
            }
        }
        for host in edit.add_hosts {
            let host = host.to_ascii_lowercase();
            if !record.hosts.contains(&host) {
                record.hosts.push(host);
            }
        }
        if record.hosts.is_empty() {
            return invalid("a brand needs at least one host".into());
        }
        let keyset = &self.brands[brand_id].keyset;
        for prefix in edit.remove_prefixes {
            if let Some(key) = keyset.keys.iter().find(|k| k.company_prefixes.contains(&prefix)) {
                return invalid(format!(
                    "key {} signs for prefix {prefix}: revoke or rotate it first",
                    key.kid
                ));
            }
            let before = record.company_prefixes.len();
            record.company_prefixes.retain(|p| *p != prefix);
            if record.company_prefixes.len() == before {
                return invalid(format!("brand '{brand_id}' has no prefix {prefix}"));
            }
        }
        if let Some(p) = edit.add_prefixes.iter().find(|p| !is_company_prefix(p)) {
            return invalid(format!("'{p}' is not a 4-12 digit company prefix"));
        }
        record.company_prefixes.extend(edit.add_prefixes);
        let own = &record.company_prefixes;
        for (i, p) in own.iter().enumerate() {
            if let Some(q) =
                own[i + 1..].iter().find(|q| p.starts_with(q.as_str()) || q.starts_with(p.as_str()))
            {
                return invalid(format!("prefix {p} overlaps the brand's own {q}"));
            }
        }
        for (other, state) in self.brands.iter().filter(|(o, _)| o.as_str() != brand_id) {
            if let Some((p, q)) = overlapping_prefix(&record.company_prefixes, &state.record.company_prefixes)
            {
                return invalid(format!(
                    "prefix {p} overlaps brand '{other}''s {q}: one GTIN would belong to two brands, and phones refuse both"
                ));
            }
        }
        if record.company_prefixes.is_empty() {
            return invalid("a brand needs at least one company prefix".into());
        }
        record.version += 1;
        record.issued_at = now;
        let brand = self.brand_mut(brand_id)?;
        brand.record = record;
        brand.record_envelope = None;
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
        let token = self.token.clone();
        let brand = self.brand_mut(brand_id)?;
        let prefixes = prefixes.unwrap_or_else(|| brand.record.company_prefixes.clone());
        let inside = |p: &String| brand.record.company_prefixes.iter().any(|bp| p.starts_with(bp.as_str()));
        if let Some(p) = prefixes.iter().find(|p| !is_company_prefix(p) || !inside(p)) {
            return Err(AuthorityError::Invalid(format!("prefix '{p}' is not within the brand's prefixes")));
        }
        let kid = brand.keyset.keys.iter().map(|k| k.kid).max().map_or(Some(1), |k| k.checked_add(1));
        let kid = kid.ok_or_else(|| AuthorityError::Invalid("no kids left".into()))?;
        let key = fresh_keys(token.as_deref(), 1, &format!("{brand_id}-claim-{kid}"), rng)?.remove(0);
        brand.keyset.keys.push(ClaimKey {
            kid,
            public_key: key.public(),
            company_prefixes: prefixes,
            sign_from,
            sign_until,
            verify_until,
            revoked_at: None,
        });
        brand.claim_keys.insert(kid, key);
        brand.key_journals.insert(kid, String::new());
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

    /// Binds key `kid` to the journal `journal_id` it is about to issue
    /// through; whether that changed the state (save it then). A key bound
    /// to another journal is refused; a key from before bindings is marked
    /// so, and never folded.
    pub fn bind_journal(
        &mut self,
        brand_id: &str,
        kid: u16,
        journal_id: &str,
    ) -> Result<bool, AuthorityError> {
        let brand = self.brand_mut(brand_id)?;
        match brand.key_journals.get(&kid).map(String::as_str) {
            Some(bound) if bound == journal_id => Ok(false),
            Some("") => {
                brand.key_journals.insert(kid, journal_id.to_string());
                Ok(true)
            }
            None => {
                brand.key_journals.insert(kid, format!("{LEGACY}{journal_id}"));
                Ok(true)
            }
            Some(bound) if bound.strip_prefix(LEGACY) == Some(journal_id) => Ok(false),
            Some(bound) => Err(AuthorityError::OtherJournal(brand_id.to_string(), kid, bound.to_string())),
        }
    }

    /// The keys of `brand_id` a fold over journal `journal_id` may take at
    /// `now`, or why the brand cannot be folded. Keys whose codes never reach
    /// a list lookup (revoked, or past `verify_until`) are left out. Every
    /// other key must issue through this journal (or not have issued), so
    /// that a (GTIN, serial) is one code of one key — the base leaves out an
    /// entry for every key; the keys folded are those whose signing window
    /// is over (their serials are final).
    pub fn foldable_keys(&self, brand_id: &str, journal_id: &str, now: u64) -> Result<Vec<u16>, String> {
        let brand = self.brands.get(brand_id).ok_or_else(|| format!("no brand '{brand_id}'"))?;
        let mut closed = Vec::new();
        for k in brand.keyset.keys.iter().filter(|k| k.revoked_at.is_none() && k.verify_until >= now) {
            match brand.key_journals.get(&k.kid).map(String::as_str) {
                Some("") => {}
                Some(id) if id == journal_id => {
                    if k.sign_until < now {
                        closed.push(k.kid);
                    }
                }
                None => {
                    return Err(format!(
                        "key {} has no recorded journal (made before keys were bound to one)",
                        k.kid
                    ));
                }
                Some(id) if id.starts_with(LEGACY) => {
                    return Err(format!("key {} issued before keys were bound to one journal", k.kid));
                }
                Some(id) => return Err(format!("key {} issues through another journal ({id})", k.kid)),
            }
        }
        Ok(closed)
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

    /// A claim key as the state holds it.
    pub fn claim_key(&self, brand_id: &str, kid: u16) -> Result<&KeyRef, AuthorityError> {
        let brand =
            self.brands.get(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?;
        brand.claim_keys.get(&kid).ok_or_else(|| AuthorityError::UnknownKid(brand_id.to_string(), kid))
    }

    /// The secret of a claim key kept as a seed (tests use it to make
    /// forgeries on purpose); a token key has none to give.
    pub fn claim_secret(&self, brand_id: &str, kid: u16) -> Result<SecretKey, AuthorityError> {
        self.claim_key(brand_id, kid)?
            .secret()
            .ok_or_else(|| AuthorityError::Key(format!("key {kid} of '{brand_id}' is not a seed")))
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
        self.code_issuer(brand_id, data.gtin(), kid, host, now, force)?.issue(data)
    }

    /// What signs codes of one GTIN: the key and host are chosen once, so a
    /// packaging line's million codes share them (and the threads that sign).
    pub fn code_issuer(
        &self,
        brand_id: &str,
        gtin: &Gtin,
        kid: Option<u16>,
        host: Option<&str>,
        now: u64,
        force: bool,
    ) -> Result<CodeIssuer<'_>, AuthorityError> {
        let brand =
            self.brands.get(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?;
        let space = gtin.prefix_space().to_string();
        // Which fix applies: a new key, or a prefix the record lacks.
        let no_key = || {
            if brand.record.company_prefixes.iter().any(|p| space.starts_with(p.as_str())) {
                AuthorityError::NoActiveKey(brand_id.to_string(), gtin.to_string())
            } else {
                AuthorityError::OutsidePrefixes {
                    brand: brand_id.to_string(),
                    gtin: gtin.to_string(),
                    prefixes: brand.record.company_prefixes.join(", "),
                }
            }
        };
        let usable = |k: &&ClaimKey| {
            k.revoked_at.is_none()
                && k.sign_from <= now
                && now <= k.sign_until
                && k.company_prefixes.iter().any(|p| space.starts_with(p.as_str()))
        };
        let key = match kid {
            Some(kid) => brand
                .keyset
                .keys
                .iter()
                .find(|k| k.kid == kid)
                .ok_or_else(|| AuthorityError::UnknownKid(brand_id.to_string(), kid))?,
            None => brand.keyset.keys.iter().rev().find(usable).ok_or_else(no_key)?,
        };
        if kid.is_some() && !force && !usable(&key) {
            return Err(no_key());
        }
        if brand.folded.contains(&key.kid) {
            return Err(AuthorityError::FoldedKey(brand_id.to_string(), key.kid));
        }
        let signer = self.claim_key(brand_id, key.kid)?.signer(self.token())?;
        let host = match host {
            Some(h) => h.to_ascii_lowercase(),
            None => brand
                .record
                .hosts
                .first()
                .cloned()
                .ok_or_else(|| AuthorityError::Invalid("brand has no host".into()))?,
        };
        Ok(CodeIssuer { kid: key.kid, signer, host, force })
    }

    /// The brand record as the root signed it: the ceremony's envelope while
    /// it says what the state does, else signed here by the root keys.
    fn signed_record(&self, brand: &BrandState) -> Result<Envelope, AuthorityError> {
        if let Some(bytes) = &brand.record_envelope
            && let Ok(env) = Envelope::decode(bytes, usize::MAX)
            && let Ok(signed) = env.check(BRAND_TYPE, &self.root.keys, usize::from(self.root.threshold))
            && signed.decode::<BrandRecord>().is_ok_and(|r| r == brand.record)
        {
            return Ok(env);
        }
        let threshold = usize::from(self.root.threshold);
        seal_with(self.token(), BRAND_TYPE, &brand.record, &self.root_keys, threshold).map_err(|e| {
            AuthorityError::Key(format!(
                "brand '{}' record v{} needs the root's signatures ({e}): run `genuine brand propose --brand {}`, \
                 have the root holders `genuine root sign` it, then `genuine root assemble`",
                brand.record.brand_id, brand.record.version, brand.record.brand_id
            ))
        })
    }

    /// Whether the root's keys are held by their holders (a ceremony root)
    /// rather than signable here: then each new brand record needs their
    /// signatures (`brand propose`, `root sign`, `root assemble`) before a
    /// bundle or a feed can carry it.
    pub fn root_is_held(&self) -> bool {
        let here = self.root_keys.iter().filter(|k| !matches!(k, KeyRef::Held(_))).count();
        here < usize::from(self.root.threshold)
    }

    /// Records that every brand now reaches phones (a bundle was written or
    /// the feed published).
    pub fn mark_published(&mut self) {
        for brand in self.brands.values_mut() {
            brand.published = true;
        }
    }

    /// Every document, signed, as a bundle an app can ship.
    pub fn bundle(&self) -> Result<TrustBundle, AuthorityError> {
        if !self.has_root() {
            return Err(AuthorityError::Invalid(
                "the root is not assembled yet: its holders sign the proposal (`genuine root sign`), \
                 then `genuine root assemble`"
                    .into(),
            ));
        }
        let roots = self.root_envelopes.iter().filter_map(|b| Envelope::decode(b, usize::MAX).ok()).collect();
        let mut brands = Vec::new();
        let mut keysets = Vec::new();
        for brand in self.brands.values() {
            brands.push(self.signed_record(brand)?);
            let masters = usize::from(brand.record.master_threshold);
            keysets.push(seal_with(self.token(), KEYSET_TYPE, &brand.keyset, &brand.master_keys, masters)?);
        }
        Ok(TrustBundle { roots, brands, keysets })
    }
}

/// Signs codes with one claim key for one host (see [`Authority::code_issuer`]).
pub struct CodeIssuer<'a> {
    kid: u16,
    signer: Box<dyn Signer + 'a>,
    host: String,
    force: bool,
}

impl CodeIssuer<'_> {
    /// The kid that signs.
    pub fn kid(&self) -> u16 {
        self.kid
    }

    /// The signed code URL for `data`.
    pub fn issue(&self, data: Gs1Data) -> Result<String, AuthorityError> {
        let sig = code::try_sign(&data, self.kid, self.signer.as_ref())?;
        let url = DigitalLink {
            host: self.host.clone(),
            secure: true,
            path_prefix: String::new(),
            data,
            sig: Some(sig.to_text()),
        }
        .to_url();
        if url.len() > MAX_ISSUED_LEN && !self.force {
            return Err(AuthorityError::TooLong(url.len()));
        }
        Ok(url)
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
