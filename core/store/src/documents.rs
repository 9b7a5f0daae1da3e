//! Trusted documents in the store: loading what it holds (verified again),
//! and writing what an admission decided, in one transaction.

use crate::store::{Store, StoreError};
use genuine_format::UnixTime;
use genuine_format::admit::{Admission, AdmitError, BrandWrite, Held, ImportReport, admit};
use genuine_format::bundle::TrustBundle;
use genuine_format::trust::TrustAnchor;
use rusqlite::{Connection, params};

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bundle or its documents were refused.
    #[error(transparent)]
    Refused(#[from] AdmitError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(StoreError::Sqlite(e))
    }
}

impl Store {
    /// Imports a trust bundle: every document checked against what the store
    /// trusts, then all written at once. `now` is for root expiry.
    pub fn import_bundle(&mut self, bytes: &[u8], now: UnixTime) -> Result<ImportReport, ImportError> {
        let bundle = TrustBundle::decode(bytes).map_err(AdmitError::from)?;
        self.import(&bundle, now)
    }

    /// Imports decoded documents in one transaction.
    pub fn import(&mut self, bundle: &TrustBundle, now: UnixTime) -> Result<ImportReport, ImportError> {
        let anchor = self.anchor.clone();
        self.write_tx(|tx| {
            let held = held(tx, &anchor)?;
            let admission = admit(&held, &anchor, bundle, now)?;
            write_admission(tx, &admission)?;
            Ok(admission.report)
        })
    }

    /// What the store trusts, every document verified again from the
    /// pinned anchor down (a file edited behind our back shows as corrupt).
    pub fn held(&self) -> Result<Held, StoreError> {
        held(&self.conn, &self.anchor)
    }
}

pub(crate) fn held(conn: &Connection, anchor: &TrustAnchor) -> Result<Held, StoreError> {
    let column = |sql: &str| -> Result<Vec<Vec<u8>>, StoreError> {
        let mut stmt = conn.prepare(sql)?;
        Ok(stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?)
    };
    let roots = column("SELECT envelope FROM roots ORDER BY version")?;
    let brands = column("SELECT envelope FROM brands")?;
    let mut stmt = conn.prepare("SELECT brand_id, envelope FROM keysets")?;
    let keysets: Vec<(String, Vec<u8>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Held::verify(anchor, &roots, &brands, &keysets).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes an admission's roots and brands. Derived tables (hosts, prefixes,
/// keys, scopes) are rebuilt from the documents in the same transaction.
pub(crate) fn write_admission(tx: &Connection, admission: &Admission) -> rusqlite::Result<()> {
    for root in &admission.new_roots {
        tx.execute(
            "INSERT INTO roots (version, envelope) VALUES (?1, ?2)",
            params![root.doc.version, root.envelope.encode()],
        )?;
    }
    for write in &admission.brands {
        let id = write.brand_id();
        // Cascades clear hosts, prefixes, keyset, keys and scopes.
        tx.execute("DELETE FROM brands WHERE brand_id = ?1", [id])?;
        let BrandWrite::Put { record, keyset } = write else {
            continue;
        };
        let b = &record.doc;
        tx.execute(
            "INSERT INTO brands (brand_id, version, name, envelope) VALUES (?1, ?2, ?3, ?4)",
            params![id, b.version, b.name, record.envelope.encode()],
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
        let Some(keyset) = keyset else {
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
