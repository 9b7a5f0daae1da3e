//! Importing trusted documents into the store: all checked first, then
//! written in one transaction, so a bad bundle changes nothing.

use crate::bundle::{BundleError, TrustBundle};
use crate::envelope::{Envelope, EnvelopeError};
use crate::store::{Store, StoreError};
use crate::trust::{BrandRecord, Keyset, RootDocument, TrustError, overlapping_prefix};
use rusqlite::{Transaction, TransactionBehavior, params};
use std::collections::{BTreeMap, BTreeSet};

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
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
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
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

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(StoreError::Sqlite(e))
    }
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Root versions newly trusted.
    pub roots_added: Vec<u32>,
    /// Brand records added or updated: (id, version).
    pub brands_updated: Vec<(String, u32)>,
    /// Keysets added or updated: (brand id, version).
    pub keysets_updated: Vec<(String, u32)>,
    /// Brands dropped because the new root no longer vouches for them.
    pub brands_dropped: Vec<String>,
    /// Documents skipped because the store already has the same or newer.
    pub unchanged: usize,
    /// Brand records and keysets refused (and skipped); the rest was imported.
    pub refused: Vec<Refused>,
}

struct Doc<T> {
    envelope: Envelope,
    doc: T,
}

/// The trusted state, loaded into memory for one import.
struct State {
    root: Option<Doc<RootDocument>>,
    /// Every stored root envelope, oldest first (to recognise older documents).
    held_roots: Vec<Envelope>,
    new_roots: Vec<Doc<RootDocument>>,
    brands: BTreeMap<String, Doc<BrandRecord>>,
    keysets: BTreeMap<String, Doc<Keyset>>,
    dirty: BTreeSet<String>,
    dropped: BTreeSet<String>,
}

impl Store {
    /// Imports a trust bundle. `now` is unix seconds (used for root expiry).
    pub fn import_bundle(&mut self, bytes: &[u8], now: u64) -> Result<ImportReport, ImportError> {
        let bundle = TrustBundle::decode(bytes)?;
        self.import(&bundle, now)
    }

    /// Imports decoded documents in one transaction.
    pub fn import(&mut self, bundle: &TrustBundle, now: u64) -> Result<ImportReport, ImportError> {
        let anchor = self.anchor.clone();
        self.write_tx(|tx| import_in(tx, &anchor, bundle, now))
    }

    /// Runs `f` in one IMMEDIATE transaction, committed only if it succeeds.
    pub(crate) fn write_tx<T, E: From<rusqlite::Error>>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        // Our own commits do not change `data_version` for this connection.
        self.index.borrow_mut().take();
        Ok(out)
    }
}

/// Checks and writes trusted documents inside a caller's transaction.
pub(crate) fn import_in(
    tx: &Transaction<'_>,
    anchor: &crate::trust::TrustAnchor,
    bundle: &TrustBundle,
    now: u64,
) -> Result<ImportReport, ImportError> {
    let mut state = load(tx)?;
    let mut report = ImportReport::default();
    apply_roots(&mut state, anchor, &bundle.roots, now, &mut report)?;
    let root = state.root.as_ref().map(|r| r.doc.clone()).ok_or(ImportError::NoTrustedRoot)?;
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
    write(tx, &state)?;
    report.brands_dropped = state.dropped.into_iter().collect();
    Ok(report)
}

fn corrupt(what: &str) -> impl Fn(crate::envelope::EnvelopeError) -> ImportError + '_ {
    move |e| ImportError::Store(StoreError::Corrupt(format!("{what}: {e}")))
}

/// A stored document, decoded. Stored documents were checked on import, so
/// only decoding can fail here, and that means the file was changed behind our back.
fn stored_doc<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<Doc<T>, ImportError> {
    let envelope = Envelope::decode(bytes, usize::MAX).map_err(corrupt(what))?;
    let doc = envelope.decode_payload().map_err(corrupt(what))?;
    Ok(Doc { envelope, doc })
}

/// Every stored (id, document) of one table.
fn stored_docs<T: serde::de::DeserializeOwned>(
    tx: &Transaction<'_>,
    table: &str,
) -> Result<BTreeMap<String, Doc<T>>, ImportError> {
    let mut stmt = tx.prepare(&format!("SELECT brand_id, envelope FROM {table}"))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    let mut docs = BTreeMap::new();
    for row in rows {
        let (id, bytes) = row?;
        docs.insert(id, stored_doc(&bytes, table)?);
    }
    Ok(docs)
}

fn load(tx: &Transaction<'_>) -> Result<State, ImportError> {
    let mut stmt = tx.prepare("SELECT envelope FROM roots ORDER BY version")?;
    let held: Vec<Vec<u8>> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let held_roots = held
        .iter()
        .map(|b| Envelope::decode(b, usize::MAX).map_err(corrupt("roots")))
        .collect::<Result<_, _>>()?;
    Ok(State {
        root: held.last().map(|bytes| stored_doc(bytes, "roots")).transpose()?,
        held_roots,
        new_roots: Vec::new(),
        brands: stored_docs(tx, "brands")?,
        keysets: stored_docs(tx, "keysets")?,
        dirty: BTreeSet::new(),
        dropped: BTreeSet::new(),
    })
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
    anchor: &crate::trust::TrustAnchor,
    roots: &[Envelope],
    now: u64,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
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
            None => ImportError::NoTrustedRoot,
            Some(_) if !pending.is_empty() && pending.iter().all(|env| unsigned_by(env, anchor)) => {
                ImportError::OtherAnchor { roots: pending.len() }
            }
            Some(source) => ImportError::Root(DocumentError::Untrusted { what: "root".into(), source }),
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
        return Err(ImportError::RootExpired { version: root.doc.version, expires: root.doc.expires });
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

/// Does not one of the anchor's keys sign `env`? (Not "too few": none at all,
/// so the root belongs to another trust world.)
fn unsigned_by(env: &Envelope, anchor: &crate::trust::TrustAnchor) -> bool {
    matches!(
        RootDocument::open_first(env, anchor),
        Err(TrustError::NotSignedByPrevious { source: EnvelopeError::BelowThreshold { valid: 0, .. }, .. })
    )
}

/// A root that is not the successor of ours: `Ok` if it is one we hold or an
/// older one, else why it is refused. Payloads are decoded only after a
/// threshold of a trusted root's keys verified them.
fn leftover_root(env: &Envelope, current: &RootDocument, held: &[Envelope]) -> Result<(), ImportError> {
    let same_bytes = |h: &Envelope| h.payload == env.payload && h.payload_type == env.payload_type;
    if held.iter().any(same_bytes) {
        return Ok(());
    }
    match RootDocument::open_next(env, current) {
        // Signed by our keys and its own, but not version N+1.
        Err(TrustError::RootVersion { found, .. }) if found < current.version => Ok(()),
        Err(TrustError::RootVersion { found, .. }) if found == current.version => {
            Err(ImportError::Root(DocumentError::Conflict(format!("root v{found}"))))
        }
        Err(TrustError::RootVersion { trusted, .. }) => Err(ImportError::RootGap(trusted + 1)),
        // Not signed by our keys: an older root, if an older root we hold signed it.
        Err(e @ TrustError::NotSignedByPrevious { .. }) => {
            let older = held.iter().rev().filter_map(|h| h.decode_payload::<RootDocument>().ok());
            for root in older {
                if let Ok(doc) = RootDocument::open_next(env, &root).or_else(|_| open_same(env, &root))
                    && doc.version <= current.version
                {
                    return Ok(());
                }
            }
            Err(ImportError::Root(DocumentError::Untrusted { what: "root".into(), source: e }))
        }
        Err(e) => Err(ImportError::Root(DocumentError::Untrusted { what: "root".into(), source: e })),
        Ok(_) => Ok(()),
    }
}

/// A root signed by a threshold of `root`'s own keys (an older version of the chain).
fn open_same(env: &Envelope, root: &RootDocument) -> Result<RootDocument, TrustError> {
    env.check(crate::trust::ROOT_TYPE, &root.keys, usize::from(root.threshold))?;
    Ok(env.decode_payload()?)
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
    report.brands_updated.push((id.clone(), brand.version));
    state.dirty.insert(id.clone());
    state.dropped.remove(&id);
    state.brands.insert(id, Doc { envelope: env.clone(), doc: brand });
    Ok(())
}

/// A brand record that a threshold of an older root we hold signed (roots
/// are only ever held after their own checks), decoded only then.
fn signed_by_an_older_root(env: &Envelope, state: &State) -> Option<BrandRecord> {
    state.held_roots.iter().rev().find_map(|held| {
        let root: RootDocument = held.decode_payload().ok()?;
        BrandRecord::open(env, &root).ok()
    })
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
    report.keysets_updated.push((id.clone(), keyset.version));
    state.dirty.insert(id.clone());
    state.keysets.insert(id, Doc { envelope: env.clone(), doc: keyset });
    Ok(())
}

fn write(tx: &Transaction<'_>, state: &State) -> Result<(), ImportError> {
    for root in &state.new_roots {
        tx.execute(
            "INSERT INTO roots (version, envelope) VALUES (?1, ?2)",
            params![root.doc.version, root.envelope.encode()],
        )?;
    }
    for id in &state.dirty {
        // Cascades clear hosts, prefixes, keyset, keys and scopes.
        tx.execute("DELETE FROM brands WHERE brand_id = ?1", [id])?;
        let Some(brand) = state.brands.get(id) else {
            continue;
        };
        let b = &brand.doc;
        tx.execute(
            "INSERT INTO brands (brand_id, version, name, envelope) VALUES (?1, ?2, ?3, ?4)",
            params![id, b.version, b.name, brand.envelope.encode()],
        )?;
        for host in &b.hosts {
            tx.execute(
                "INSERT OR IGNORE INTO brand_hosts (brand_id, host) VALUES (?1, ?2)",
                params![id, host],
            )?;
        }
        for prefix in &b.company_prefixes {
            tx.execute("INSERT INTO brand_prefixes (prefix, brand_id) VALUES (?1, ?2)", params![prefix, id])?;
        }
        let Some(keyset) = state.keysets.get(id) else {
            continue;
        };
        let ks = &keyset.doc;
        tx.execute(
            "INSERT INTO keysets (brand_id, version, envelope) VALUES (?1, ?2, ?3)",
            params![id, ks.version, keyset.envelope.encode()],
        )?;
        for key in &ks.keys {
            tx.execute(
                "INSERT INTO claim_keys (brand_id, kid, public_key, sign_from, sign_until, verify_until, revoked_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, key.kid, key.public_key.0.as_slice(), key.sign_from, key.sign_until, key.verify_until, key.revoked_at],
            )?;
            let key_id = tx.last_insert_rowid();
            for prefix in &key.company_prefixes {
                tx.execute(
                    "INSERT OR IGNORE INTO key_scopes (prefix, kid, key_id) VALUES (?1, ?2, ?3)",
                    params![prefix, key.kid, key_id],
                )?;
            }
        }
    }
    // No document's `issued_at` moves the time floor: a brand's documents
    // must never change what time it is for other brands (only sync's
    // timestamp does, capped at the device clock).
    Ok(())
}
