//! Admission: which of a bundle's (or a sync's) documents a store may take.
//!
//! A pure function of what the store holds ([`Held`], every document
//! verified again as it is loaded) and what arrived: it checks everything and
//! returns one [`Admission`] for the store to write in one transaction, so a
//! bad bundle changes nothing. No SQL here: the store owns that.

use crate::UnixTime;
use crate::bundle::{BundleError, TrustBundle};
use crate::envelope::{Envelope, EnvelopeError};
use crate::trust::{BrandRecord, Keyset, RootDocument, TrustAnchor, TrustError, overlapping_prefix};
use std::collections::{BTreeMap, BTreeSet};

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AdmitError {
    /// The bundle file itself.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A root document was refused: nothing can be trusted past it.
    #[error(transparent)]
    Root(DocumentError),
    /// No root in the bundle is signed by the pinned anchor, and none is stored.
    #[error("no root signed by the pinned root keys")]
    NoTrustedRoot,
    /// The store trusts no root yet and not one of the pinned root keys signs
    /// any of the bundle's roots: a bundle of another operator's trust world
    /// (or an app built with another anchor).
    #[error(
        "this bundle was made for another trust anchor: none of the pinned root keys signs any of its {roots} root(s)"
    )]
    OtherAnchor {
        /// Roots in the bundle.
        roots: usize,
    },
    /// A root version is missing between the trusted one and a newer one.
    #[error("root v{0} is missing")]
    RootGap(u32),
    /// The newest trusted root has expired.
    #[error("root v{version} expired at {expires}")]
    RootExpired {
        /// Root version.
        version: u32,
        /// Its expiry (unix seconds).
        expires: u64,
    },
}

/// Why one document was refused. For a brand record or keyset this concerns
/// that brand alone: the import skips it, keeps what was trusted for that
/// brand, goes on with the other brands and lists it in
/// [`ImportReport::refused`] (one brand's bad document must never block the
/// others: security review finding 3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The document failed its trust checks (signatures, validity, ranges).
    #[error("{what}: {source}")]
    Untrusted {
        /// Which document.
        what: String,
        /// Why.
        source: TrustError,
    },
    /// Two different documents claim the same version.
    #[error("{0}: a different document with the same version is already trusted")]
    Conflict(String),
    /// A keyset for a brand with no trusted record.
    #[error("keyset for unknown brand '{0}'")]
    UnknownBrand(String),
    /// A brand claims a company prefix that overlaps another brand's.
    #[error("brand '{brand}' claims prefix {prefix}, which overlaps brand '{other}'")]
    PrefixConflict {
        /// The brand being imported.
        brand: String,
        /// Its prefix.
        prefix: String,
        /// The brand that already has it.
        other: String,
    },
}

/// A document an import refused and skipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    /// The brand it claims to be for (as claimed: it was not trusted).
    pub brand_id: String,
    /// Why.
    #[serde(serialize_with = "as_text")]
    pub error: DocumentError,
}

fn as_text<S: serde::Serializer>(e: &DocumentError, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Root versions newly trusted.
    pub roots_added: Vec<u32>,
    /// Brand records added or updated.
    pub brands_updated: Vec<BrandVersion>,
    /// Keysets added or updated.
    pub keysets_updated: Vec<BrandVersion>,
    /// Brands dropped because the new root no longer vouches for them.
    pub brands_dropped: Vec<String>,
    /// Documents skipped because the store already has the same or newer.
    pub unchanged: usize,
    /// Brand records and keysets refused (and skipped); the rest was imported.
    pub refused: Vec<Refused>,
}

/// A brand's document and its version, for a report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrandVersion {
    /// The brand.
    pub brand_id: String,
    /// The document's version.
    pub version: u32,
}

/// A document with the envelope it was opened from.
#[derive(Debug, Clone)]
pub struct Doc<T> {
    /// The envelope, kept verbatim (feeds vouch for its bytes).
    pub envelope: Envelope,
    /// What it says.
    pub doc: T,
}

/// What a store holds, each document verified again as it was loaded: the
/// root chain from the pinned anchor, every brand record under the newest
/// root, every keyset under its brand's record.
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// The root chain, oldest first.
    roots: Vec<Doc<RootDocument>>,
    brands: BTreeMap<String, Doc<BrandRecord>>,
    keysets: BTreeMap<String, Doc<Keyset>>,
}

/// A stored document that no longer verifies: the store was changed behind
/// our back (never by Genuine, which stores only what it admitted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored {what} does not verify: {source}")]
pub struct HeldCorrupt {
    /// Which document.
    pub what: String,
    /// Why.
    pub source: TrustError,
}

impl Held {
    /// Verifies what a store holds: `roots` oldest first, as admitted, and
    /// each keyset with the brand the store holds it for.
    pub fn verify(
        anchor: &TrustAnchor,
        roots: &[Vec<u8>],
        brands: &[Vec<u8>],
        keysets: &[(String, Vec<u8>)],
    ) -> Result<Held, HeldCorrupt> {
        let envelope = |what: &str, bytes: &[u8]| {
            Envelope::decode(bytes, usize::MAX)
                .map_err(|e| HeldCorrupt { what: what.into(), source: TrustError::Envelope(e) })
        };
        let mut held = Held::default();
        for bytes in roots {
            let env = envelope("root", bytes)?;
            let doc = match held.roots.last() {
                None => RootDocument::open_first(&env, anchor),
                Some(prev) => RootDocument::open_next(&env, &prev.doc),
            }
            .map_err(|source| HeldCorrupt { what: "root".into(), source })?;
            held.roots.push(Doc { envelope: env, doc });
        }
        let Some(root) = held.roots.last().map(|r| r.doc.clone()) else {
            return Ok(held);
        };
        for bytes in brands {
            let env = envelope("brand record", bytes)?;
            let doc = BrandRecord::open(&env, &root)
                .map_err(|source| HeldCorrupt { what: "brand record".into(), source })?;
            held.brands.insert(doc.brand_id.clone(), Doc { envelope: env, doc });
        }
        for (brand_id, bytes) in keysets {
            let what = format!("keyset of '{brand_id}'");
            let env = envelope(&what, bytes)?;
            let brand = held.brands.get(brand_id).ok_or_else(|| HeldCorrupt {
                what: what.clone(),
                source: TrustError::Invalid { kind: "keyset", why: "its brand is not held".into() },
            })?;
            let doc = Keyset::open(&env, &brand.doc).map_err(|source| HeldCorrupt { what, source })?;
            held.keysets.insert(doc.brand_id.clone(), Doc { envelope: env, doc });
        }
        Ok(held)
    }

    /// The newest trusted root, if any.
    pub fn root(&self) -> Option<&RootDocument> {
        self.roots.last().map(|r| &r.doc)
    }

    /// A brand's trusted record.
    pub fn brand(&self, brand_id: &str) -> Option<&Doc<BrandRecord>> {
        self.brands.get(brand_id)
    }

    /// A brand's trusted keyset.
    pub fn keyset(&self, brand_id: &str) -> Option<&Doc<Keyset>> {
        self.keysets.get(brand_id)
    }

    /// Every trusted brand record, by brand id.
    pub fn brands(&self) -> impl Iterator<Item = (&String, &Doc<BrandRecord>)> {
        self.brands.iter()
    }

    /// Takes what an [`admit`] of this state decided: what a store that
    /// writes the admission holds after it (a brand's write replaces its
    /// record and keyset, or removes both).
    pub fn apply(&mut self, admission: &Admission) {
        self.roots.extend(admission.new_roots.iter().cloned());
        for write in &admission.brands {
            let id = write.brand_id().to_string();
            self.brands.remove(&id);
            self.keysets.remove(&id);
            if let BrandWrite::Put { record, keyset } = write {
                self.brands.insert(id.clone(), (**record).clone());
                if let Some(keyset) = keyset {
                    self.keysets.insert(id, (**keyset).clone());
                }
            }
        }
    }
}

/// What one brand's rows become.
#[derive(Debug, Clone)]
pub enum BrandWrite {
    /// The brand is no longer trusted: delete it and all it owns.
    Remove(String),
    /// Write the brand's record, and its keyset if it has a trusted one
    /// (its keys and scopes are derived from it).
    Put {
        /// The record.
        record: Box<Doc<BrandRecord>>,
        /// The keyset.
        keyset: Option<Box<Doc<Keyset>>>,
    },
}

impl BrandWrite {
    /// The brand whose rows change.
    pub fn brand_id(&self) -> &str {
        match self {
            BrandWrite::Remove(id) => id,
            BrandWrite::Put { record, .. } => &record.doc.brand_id,
        }
    }
}

/// Everything an import decided, checked, for the store to write at once.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    /// Roots newly trusted, oldest first.
    pub new_roots: Vec<Doc<RootDocument>>,
    /// Every brand whose rows change.
    pub brands: Vec<BrandWrite>,
    /// What changed, for the caller.
    pub report: ImportReport,
}

/// The trusted state during one admission.
struct State {
    root: Option<Doc<RootDocument>>,
    /// Every held root, oldest first (to recognise older documents).
    held_roots: Vec<Doc<RootDocument>>,
    new_roots: Vec<Doc<RootDocument>>,
    brands: BTreeMap<String, Doc<BrandRecord>>,
    keysets: BTreeMap<String, Doc<Keyset>>,
    dirty: BTreeSet<String>,
    dropped: BTreeSet<String>,
}

/// Decides what of `bundle` a store holding `held` may take. `now` is for
/// root expiry. Refused brand documents are skipped and listed in the
/// report; a refused root refuses everything.
pub fn admit(
    held: &Held,
    anchor: &TrustAnchor,
    bundle: &TrustBundle,
    now: UnixTime,
) -> Result<Admission, AdmitError> {
    let mut state = State {
        root: held.roots.last().cloned(),
        held_roots: held.roots.clone(),
        new_roots: Vec::new(),
        brands: held.brands.clone(),
        keysets: held.keysets.clone(),
        dirty: BTreeSet::new(),
        dropped: BTreeSet::new(),
    };
    if of_another_world(&state.held_roots, anchor, bundle) {
        return Err(AdmitError::OtherAnchor { roots: bundle.roots.len() });
    }
    let mut report = ImportReport::default();
    apply_roots(&mut state, anchor, &bundle.roots, now.as_secs(), &mut report)?;
    let root = state.root.as_ref().map(|r| r.doc.clone()).ok_or(AdmitError::NoTrustedRoot)?;
    // Brand documents concern their brand alone: a refused one is skipped
    // and reported, and every other brand is imported as usual.
    for env in &bundle.brands {
        if let Err(error) = apply_brand(&mut state, &root, env, &mut report) {
            report.refused.push(Refused { brand_id: record_brand(env, &root), error });
        }
    }
    for env in &bundle.keysets {
        if let Err(error) = apply_keyset(&mut state, env, &mut report) {
            report.refused.push(Refused { brand_id: keyset_brand(env, &state), error });
        }
    }
    let brands = state
        .dirty
        .iter()
        .map(|id| match state.brands.get(id) {
            None => BrandWrite::Remove(id.clone()),
            Some(record) => BrandWrite::Put {
                record: Box::new(record.clone()),
                keyset: state.keysets.get(id).cloned().map(Box::new),
            },
        })
        .collect();
    report.brands_dropped = state.dropped.into_iter().collect();
    Ok(Admission { new_roots: state.new_roots, brands, report })
}

fn untrusted(what: impl Into<String>) -> impl FnOnce(TrustError) -> DocumentError {
    let what = what.into();
    move |source| DocumentError::Untrusted { what, source }
}

/// Shown for a refused document whose brand cannot be told without
/// decoding a payload no trusted key signed.
pub const UNVERIFIED_BRAND: &str = "(unverified)";

/// The brand of a refused brand record, for the report: read only if a
/// threshold of the root signed the payload (it failed a later check).
fn record_brand(env: &Envelope, root: &RootDocument) -> String {
    #[derive(serde::Deserialize)]
    struct Claimed {
        brand_id: String,
    }
    let opened = env.open::<Claimed>(crate::trust::BRAND_TYPE, &root.keys, usize::from(root.threshold));
    opened.map_or_else(|_| UNVERIFIED_BRAND.into(), |c| c.brand_id.chars().take(64).collect())
}

/// The brand whose master keys' ids a refused keyset's signatures carry
/// (no payload is decoded to tell).
fn keyset_brand(env: &Envelope, state: &State) -> String {
    state
        .brands
        .values()
        .find(|d| carries_master_of(env, &d.doc))
        .map_or_else(|| UNVERIFIED_BRAND.into(), |d| d.doc.brand_id.clone())
}

/// Does a signature of `env` carry the key id of one of the brand's master
/// keys? (No crypto: it picks whose masters to verify against.)
fn carries_master_of(env: &Envelope, brand: &BrandRecord) -> bool {
    brand.master_keys.iter().any(|k| env.signatures.iter().any(|s| s.keyid == k.key_id()))
}

fn apply_roots(
    state: &mut State,
    anchor: &TrustAnchor,
    roots: &[Envelope],
    now: u64,
    report: &mut ImportReport,
) -> Result<(), AdmitError> {
    let rotated = state.root.is_some();
    let mut pending: Vec<&Envelope> = roots.iter().collect();
    let mut refused = None;
    // A payload is decoded only once its signatures verified, so versions
    // cannot order the candidates up front: each round finds the one root
    // the trusted one (or the anchor) accepts as its successor.
    loop {
        let mut next = None;
        for (i, env) in pending.iter().enumerate() {
            let opened = match &state.root {
                None => RootDocument::open_first(env, anchor),
                Some(trusted) => RootDocument::open_next(env, &trusted.doc),
            };
            match opened {
                Ok(root) => {
                    next = Some((i, root));
                    break;
                }
                Err(e) => refused = Some(e),
            }
        }
        let Some((i, root)) = next else { break };
        let env = pending.swap_remove(i);
        report.roots_added.push(root.version);
        let doc = Doc { envelope: env.clone(), doc: root };
        state.new_roots.push(Doc { envelope: doc.envelope.clone(), doc: doc.doc.clone() });
        state.root = Some(doc);
    }
    let Some(root) = &state.root else {
        return Err(match refused {
            None => AdmitError::NoTrustedRoot,
            Some(_) if !pending.is_empty() && pending.iter().all(|env| unsigned_by(env, anchor)) => {
                AdmitError::OtherAnchor { roots: pending.len() }
            }
            Some(source) => AdmitError::Root(DocumentError::Untrusted { what: "root".into(), source }),
        });
    };
    // What is left: roots we hold or older ones (an old bundle re-imported
    // after a rotation: skipped, never an error), or roots that are refused.
    let current = root.doc.clone();
    for env in pending {
        match leftover_root(env, &current, &state.held_roots) {
            Ok(()) => report.unchanged += 1,
            // Roots older than the pinned one cannot be checked and are not needed.
            Err(_) if !rotated && !signs_forward(env, &current) => {}
            Err(e) => return Err(e),
        }
    }
    if root.doc.expires <= now {
        return Err(AdmitError::RootExpired { version: root.doc.version, expires: root.doc.expires });
    }
    if rotated && !report.roots_added.is_empty() {
        // The new root may have dropped keys: every stored brand must still
        // verify under it, or it stops being trusted.
        let root = root.doc.clone();
        let ids: Vec<String> = state.brands.keys().cloned().collect();
        for id in ids {
            if BrandRecord::open(&state.brands[&id].envelope, &root).is_err() {
                // Its keyset stays in memory: a re-signed record later in
                // this import re-checks and keeps it; otherwise it is not written.
                state.brands.remove(&id);
                state.dirty.insert(id.clone());
                state.dropped.insert(id);
            }
        }
    }
    Ok(())
}

/// A bundle of another trust world, given to a store that trusts a root:
/// not one key of the anchor or of a held root signs any of its roots, and
/// not one held root's key signs any of its brand records. (A bundle of
/// roots alone may be this world's attack or gap, and is judged as such.)
fn of_another_world(held: &[Doc<RootDocument>], anchor: &TrustAnchor, bundle: &TrustBundle) -> bool {
    let unsigned_by_held = |env: &Envelope| held.iter().all(|h| env.count_valid(&h.doc.keys) == 0);
    !held.is_empty()
        && !bundle.roots.is_empty()
        && !bundle.brands.is_empty()
        && bundle.roots.iter().all(|env| unsigned_by(env, anchor) && unsigned_by_held(env))
        && bundle.brands.iter().all(unsigned_by_held)
}

/// Does not one of the anchor's keys sign `env`? (Not "too few": none at all,
/// so the root belongs to another trust world.)
fn unsigned_by(env: &Envelope, anchor: &TrustAnchor) -> bool {
    matches!(
        RootDocument::open_first(env, anchor),
        Err(TrustError::NotSignedByPrevious { source: EnvelopeError::BelowThreshold { valid: 0, .. }, .. })
    )
}

/// A root that is not the successor of ours: `Ok` if it is one we hold or an
/// older one, else why it is refused. Payloads are decoded only after a
/// threshold of a trusted root's keys verified them.
fn leftover_root(
    env: &Envelope,
    current: &RootDocument,
    held: &[Doc<RootDocument>],
) -> Result<(), AdmitError> {
    let same_bytes = |h: &Doc<RootDocument>| {
        h.envelope.payload == env.payload && h.envelope.payload_type == env.payload_type
    };
    if held.iter().any(same_bytes) {
        return Ok(());
    }
    match RootDocument::open_next(env, current) {
        // Signed by our keys and its own, but not version N+1.
        Err(TrustError::RootVersion { found, .. }) if found < current.version => Ok(()),
        Err(TrustError::RootVersion { found, .. }) if found == current.version => {
            Err(AdmitError::Root(DocumentError::Conflict(format!("root v{found}"))))
        }
        Err(TrustError::RootVersion { trusted, .. }) => Err(AdmitError::RootGap(trusted + 1)),
        // Not signed by our keys: an older root, if an older root we hold signed it.
        Err(e @ TrustError::NotSignedByPrevious { .. }) => {
            for root in held.iter().rev().map(|h| &h.doc) {
                if let Ok(doc) =
                    RootDocument::open_next(env, root).or_else(|_| RootDocument::open_same(env, root))
                    && doc.version <= current.version
                {
                    return Ok(());
                }
            }
            Err(AdmitError::Root(DocumentError::Untrusted { what: "root".into(), source: e }))
        }
        Err(e) => Err(AdmitError::Root(DocumentError::Untrusted { what: "root".into(), source: e })),
        Ok(_) => Ok(()),
    }
}

/// Does a threshold of `current`'s keys sign this root? (Then it belongs to
/// our chain and must be judged, not ignored as older than the pin.)
fn signs_forward(env: &Envelope, current: &RootDocument) -> bool {
    env.check(crate::trust::ROOT_TYPE, &current.keys, usize::from(current.threshold)).is_ok()
}

fn apply_brand(
    state: &mut State,
    root: &RootDocument,
    env: &Envelope,
    report: &mut ImportReport,
) -> Result<(), DocumentError> {
    let brand = match BrandRecord::open(env, root) {
        Ok(brand) => brand,
        Err(e) => {
            return match signed_by_an_older_root(env, state) {
                // A record an older root signed, no newer than ours: an old
                // bundle re-imported after a rotation. Older, so skipped.
                Some(old)
                    if state.brands.get(&old.brand_id).is_some_and(|d| d.doc.version >= old.version) =>
                {
                    report.unchanged += 1;
                    Ok(())
                }
                _ => Err(untrusted("brand record")(e)),
            };
        }
    };
    let id = brand.brand_id.clone();
    let stored = state.brands.get(&id).map(|d| (d.doc.version, &d.envelope));
    if !is_newer(brand.version, env, stored, || format!("brand '{id}'"))? {
        report.unchanged += 1;
        return Ok(());
    }
    // Company prefixes are what keeps brands apart: refuse overlaps even if
    // the root signed them, as the root's mistake must not become a forgery.
    for (other_id, other) in state.brands.iter().filter(|(o, _)| **o != id) {
        if let Some((prefix, _)) = overlapping_prefix(&brand.company_prefixes, &other.doc.company_prefixes) {
            return Err(DocumentError::PrefixConflict {
                brand: id.clone(),
                prefix: prefix.to_string(),
                other: other_id.clone(),
            });
        }
    }
    // New master keys or prefixes: the stored keyset must still verify.
    if let Some(ks) = state.keysets.get(&id)
        && Keyset::open(&ks.envelope, &brand).is_err()
    {
        state.keysets.remove(&id);
    }
    report.brands_updated.push(BrandVersion { brand_id: id.clone(), version: brand.version });
    state.dirty.insert(id.clone());
    state.dropped.remove(&id);
    state.brands.insert(id, Doc { envelope: env.clone(), doc: brand });
    Ok(())
}

/// A brand record that a threshold of an older root we hold signed (roots
/// are only ever held after their own checks), decoded only then.
fn signed_by_an_older_root(env: &Envelope, state: &State) -> Option<BrandRecord> {
    state.held_roots.iter().rev().find_map(|held| BrandRecord::open(env, &held.doc).ok())
}

/// Should a document of `version` replace the stored one? An older version
/// is skipped (never a rollback); the same version must be the same bytes,
/// or two signed histories exist and the import is refused as a conflict.
fn is_newer(
    version: u32,
    env: &Envelope,
    stored: Option<(u32, &Envelope)>,
    what: impl Fn() -> String,
) -> Result<bool, DocumentError> {
    match stored {
        None => Ok(true),
        Some((v, _)) if version > v => Ok(true),
        Some((v, stored)) if version == v && env.payload != stored.payload => {
            Err(DocumentError::Conflict(format!("{} v{version}", what())))
        }
        Some(_) => Ok(false),
    }
}

fn apply_keyset(state: &mut State, env: &Envelope, report: &mut ImportReport) -> Result<(), DocumentError> {
    // Which brand's masters signed is found from the signatures' key ids
    // (no crypto, no decoding); the payload is decoded only once a threshold
    // of that brand's masters verified, and `Keyset::open` then checks the
    // brand it names is that brand.
    let mut last_error = None;
    let mut opened = None;
    for brand in state.brands.values().filter(|d| carries_master_of(env, &d.doc)) {
        match Keyset::open(env, &brand.doc) {
            Ok(keyset) => {
                opened = Some(keyset);
                break;
            }
            Err(e) => last_error = Some((brand.doc.brand_id.clone(), e)),
        }
    }
    let keyset = match (opened, last_error) {
        (Some(keyset), _) => keyset,
        (None, Some((id, e))) => return Err(untrusted(format!("keyset signed by '{id}' masters"))(e)),
        (None, None) => return Err(DocumentError::UnknownBrand(UNVERIFIED_BRAND.into())),
    };
    let id = keyset.brand_id.clone();
    let stored = state.keysets.get(&id).map(|d| (d.doc.version, &d.envelope));
    if !is_newer(keyset.version, env, stored, || format!("keyset '{id}'"))? {
        report.unchanged += 1;
        return Ok(());
    }
    report.keysets_updated.push(BrandVersion { brand_id: id.clone(), version: keyset.version });
    state.dirty.insert(id.clone());
    state.keysets.insert(id, Doc { envelope: env.clone(), doc: keyset });
    Ok(())
}
