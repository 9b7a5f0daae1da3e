//! The brand's collector (issue 14): receives opt-in scan events and
//! shoppers' reports of fakes, counts only codes that verify under the
//! brand's keys, and finds serials that are on more boxes than one, for a
//! person (or, in the clearest cases, `--auto`) to push to every phone as
//! the `cloned` revocation list.
//!
//! [`wire`] is what phones send, [`server`] the HTTP service (with
//! [`network`]: whose network a request is, and [`limits`]: what one network
//! may cost), [`db`] the store, [`rules`] the detection and [`geo`] the
//! coarse places.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod db;
pub mod geo;
pub mod limits;
pub mod network;
mod pool;
pub mod rules;
pub mod server;
pub mod sql;
pub mod wire;

use serde::Serialize;

/// A serial that looks copied, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The brand.
    pub brand: String,
    /// GTIN-14.
    pub gtin: String,
    /// Serial.
    pub serial: String,
    /// Why.
    pub evidence: rules::Evidence,
}

/// Every undecided serial that a rule flags, strongest evidence first.
pub fn candidates(db: &mut db::Db, rules: &rules::Rules) -> Result<Vec<Candidate>, db::DbError> {
    let mut out = Vec::new();
    for suspect in db.suspects()? {
        let sightings = db.sightings(&suspect.gtin, &suspect.serial)?;
        let reports = db.reports(&suspect.gtin, &suspect.serial)?;
        let seasoned = db.seasoned(&suspect.gtin, &suspect.serial, rules.history_hours)?;
        let evidence = rules::assess(&sightings, &reports, &seasoned, rules);
        if evidence.is_candidate() {
            out.push(Candidate {
                brand: suspect.brand,
                gtin: suspect.gtin,
                serial: suspect.serial,
                evidence,
            });
        }
    }
    out.sort_by(|a, b| {
        b.evidence.auto.cmp(&a.evidence.auto).then(b.evidence.origins.cmp(&a.evidence.origins))
    });
    Ok(out)
}
