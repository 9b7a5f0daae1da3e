//! Importing trusted documents into the store: all checked first, then
//! written in one transaction, so a bad bundle changes nothing.

use crate::bundle::{BundleError, TrustBundle};
use crate::envelope::Envelope;
use crate::store::{Store, StoreError};
use crate::trust::{BrandRecord, Keyset, RootDocument, TrustError};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use std::collections::{BTreeMap, BTreeSet};

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bundle file itself.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A document failed its trust checks.
    #[error("{what}: {source}")]
    Untrusted {
        /// Which document.
        what: String,
        /// Why.
        source: TrustError,
    },
    /// No root in the bundle is signed by the pinned anchor, and none is stored.
    #[error("no root signed by the pinned root keys")]
    NoTrustedRoot,
    /// A root version is missing between the trusted one and a newer one.
    #[error("root v{0} is missing")]
    RootGap(u32),
    /// Two different documents claim the same version.
    #[error("{0}: a different document with the same version is already trusted")]
    Conflict(String),
    /// The newest trusted root has expired.
    #[error("root v{version} expired at {expires}")]
    RootExpired {
        /// Root version.
        version: u32,
        /// Its expiry (unix seconds).
        expires: u64,
    },
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
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
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
}

struct Doc<T> {
    envelope: Envelope,
    doc: T,
}

/// The trusted state, loaded into memory for one import.
struct State {
    root: Option<Doc<RootDocument>>,
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
    for env in &bundle.brands {
        apply_brand(&mut state, &root, env, &mut report)?;
    }
    for env in &bundle.keysets {
        apply_keyset(&mut state, env, &mut report)?;
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
    let root: Option<Vec<u8>> = tx
        .query_row("SELECT envelope FROM roots ORDER BY version DESC LIMIT 1", [], |r| r.get(0))
        .optional()?;
    Ok(State {
        root: root.map(|bytes| stored_doc(&bytes, "roots")).transpose()?,
        new_roots: Vec::new(),
        brands: stored_docs(tx, "brands")?,
        keysets: stored_docs(tx, "keysets")?,
        dirty: BTreeSet::new(),
        dropped: BTreeSet::new(),
    })
}

fn untrusted(what: impl Into<String>) -> impl FnOnce(TrustError) -> ImportError {
    let what = what.into();
    move |source| ImportError::Untrusted { what, source }
}

fn apply_roots(
    state: &mut State,
    anchor: &crate::trust::TrustAnchor,
    roots: &[Envelope],
    now: u64,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    // Versions are only readable after a signature check, so order the
    // candidates by the version they claim and let each check decide.
    let mut candidates: Vec<(u32, &Envelope)> =
        roots.iter().map(|e| (e.decode_payload::<RootDocument>().map_or(0, |r| r.version), e)).collect();
    candidates.sort_by_key(|(v, _)| *v);
    let rotated = state.root.is_some();
    let mut refused = None;
    for (claimed, env) in candidates {
        let next = match &state.root {
            None => match RootDocument::open_first(env, anchor) {
                Ok(root) => root,
                // Roots older than the pinned one cannot be checked and are
                // not needed; if none is trusted, say why the last one failed.
                Err(e) => {
                    refused = Some(ImportError::Untrusted { what: format!("root v{claimed}"), source: e });
                    continue;
                }
            },
            Some(trusted) if claimed <= trusted.doc.version => {
                if claimed == trusted.doc.version && env.payload != trusted.envelope.payload {
                    return Err(ImportError::Conflict(format!("root v{claimed}")));
                }
                report.unchanged += 1;
                continue;
            }
            Some(trusted) if claimed > trusted.doc.version + 1 => {
                return Err(ImportError::RootGap(trusted.doc.version + 1));
            }
            Some(trusted) => {
                RootDocument::open_next(env, &trusted.doc).map_err(untrusted(format!("root v{claimed}")))?
            }
        };
        report.roots_added.push(next.version);
        let doc = Doc { envelope: env.clone(), doc: next };
        state.new_roots.push(Doc { envelope: doc.envelope.clone(), doc: doc.doc.clone() });
        state.root = Some(doc);
    }
    let Some(root) = &state.root else {
        return Err(refused.unwrap_or(ImportError::NoTrustedRoot));
    };
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

fn apply_brand(
    state: &mut State,
    root: &RootDocument,
    env: &Envelope,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let brand = BrandRecord::open(env, root).map_err(untrusted("brand record"))?;
    let id = brand.brand_id.clone();
    let stored = state.brands.get(&id).map(|d| (d.doc.version, &d.envelope));
    if !is_newer(brand.version, env, stored, || format!("brand '{id}'"))? {
        report.unchanged += 1;
        return Ok(());
    }
    // Company prefixes are what keeps brands apart: refuse overlaps even if
    // the root signed them, as the root's mistake must not become a forgery.
    for (other_id, other) in state.brands.iter().filter(|(o, _)| **o != id) {
        for p in &brand.company_prefixes {
            let overlaps = |q: &String| p.starts_with(q.as_str()) || q.starts_with(p.as_str());
            if other.doc.company_prefixes.iter().any(overlaps) {
                return Err(ImportError::PrefixConflict {
                    brand: id.clone(),
                    prefix: p.clone(),
                    other: other_id.clone(),
                });
            }
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

/// Should a document of `version` replace the stored one? An older version
/// is skipped (never a rollback); the same version must be the same bytes,
/// or two signed histories exist and the import is refused as a conflict.
fn is_newer(
    version: u32,
    env: &Envelope,
    stored: Option<(u32, &Envelope)>,
    what: impl Fn() -> String,
) -> Result<bool, ImportError> {
    match stored {
        None => Ok(true),
        Some((v, _)) if version > v => Ok(true),
        Some((v, stored)) if version == v && env.payload != stored.payload => {
            Err(ImportError::Conflict(format!("{} v{version}", what())))
        }
        Some(_) => Ok(false),
    }
}

fn apply_keyset(state: &mut State, env: &Envelope, report: &mut ImportReport) -> Result<(), ImportError> {
    // The brand id is needed to pick the master keys; it is re-checked
    // against the signed payload by `Keyset::open`.
    let claimed: Keyset = env
        .decode_payload()
        .map_err(|e| ImportError::Untrusted { what: "keyset".into(), source: TrustError::Envelope(e) })?;
    let brand = state
        .brands
        .get(&claimed.brand_id)
        .ok_or_else(|| ImportError::UnknownBrand(claimed.brand_id.chars().take(64).collect()))?;
    let keyset =
        Keyset::open(env, &brand.doc).map_err(untrusted(format!("keyset of '{}'", claimed.brand_id)))?;
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
    let mut newest = 0u64;
    for root in &state.new_roots {
        tx.execute(
            "INSERT INTO roots (version, envelope) VALUES (?1, ?2)",
            params![root.doc.version, root.envelope.encode()],
        )?;
        newest = newest.max(root.doc.issued_at);
    }
    for id in &state.dirty {
        // Cascades clear hosts, prefixes, keyset, keys and scopes.
        tx.execute("DELETE FROM brands WHERE brand_id = ?1", [id])?;
        let Some(brand) = state.brands.get(id) else {
            continue;
        };
        let b = &brand.doc;
        newest = newest.max(b.issued_at);
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
        newest = newest.max(ks.issued_at);
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
    if newest > 0 {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('newest_signed', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
            [newest],
        )?;
    }
    Ok(())
}
