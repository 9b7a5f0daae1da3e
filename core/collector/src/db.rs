//! The collector's store: sightings (deduplicated per serial, install and
//! place), reports of fakes, and the brand's decisions. SQLite here; the
//! schema is plain SQL so that a PostgreSQL backend can share it.

use crate::rules::{FakeReport, Sighting};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// A store error.
#[derive(Debug, thiserror::Error)]
#[error("collector store: {0}")]
pub struct DbError(#[from] rusqlite::Error);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sightings(
  brand TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL,
  install TEXT NOT NULL, place TEXT NOT NULL, origin TEXT NOT NULL,
  first_hour INTEGER NOT NULL, last_hour INTEGER NOT NULL,
  PRIMARY KEY (gtin, serial, install, place)
);
CREATE TABLE IF NOT EXISTS reports(
  brand TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL,
  install TEXT NOT NULL, origin TEXT NOT NULL, hour INTEGER NOT NULL, place TEXT NOT NULL,
  reason TEXT NOT NULL, note TEXT NOT NULL, photo BLOB,
  PRIMARY KEY (gtin, serial, install)
);
CREATE TABLE IF NOT EXISTS decisions(
  gtin TEXT NOT NULL, serial TEXT NOT NULL, brand TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('approved', 'dismissed')), decided_at INTEGER NOT NULL,
  PRIMARY KEY (gtin, serial)
);
";

/// A verified sighting to record.
#[derive(Debug, Clone)]
pub struct SightingRow {
    /// The brand that signed the code.
    pub brand: String,
    /// Its GTIN-14.
    pub gtin: String,
    /// Its serial.
    pub serial: String,
    /// What was seen.
    pub sighting: Sighting,
}

/// A verified report to record.
#[derive(Debug, Clone)]
pub struct ReportRow {
    /// The brand, GTIN and serial of the reported code.
    pub brand: String,
    /// GTIN-14.
    pub gtin: String,
    /// Serial.
    pub serial: String,
    /// Who and from where.
    pub install: String,
    /// Network origin.
    pub origin: String,
    /// Hour of the report.
    pub hour: u64,
    /// Geohash, if given.
    pub place: Option<String>,
    /// Why.
    pub reason: String,
    /// The shopper's words.
    pub note: String,
    /// One JPEG.
    pub photo: Option<Vec<u8>>,
}

/// A serial worth assessing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    /// Brand.
    pub brand: String,
    /// GTIN-14.
    pub gtin: String,
    /// Serial.
    pub serial: String,
}

/// The collector's database.
pub struct Db {
    conn: Connection,
}

impl Db {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db { conn })
    }

    /// The salt network origins are hashed with, made once per database so
    /// that every collector on it agrees, and no stored origin is an address.
    pub fn origin_salt(&self, fresh: [u8; 32]) -> Result<Vec<u8>, DbError> {
        self.conn
            .execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('origin_salt', ?1)", [&fresh[..]])?;
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = 'origin_salt'", [], |r| r.get(0))?)
    }

    /// Records sightings in one transaction; returns how many were new.
    pub fn record_sightings(&mut self, rows: &[SightingRow]) -> Result<usize, DbError> {
        let tx = self.conn.transaction()?;
        let mut new = 0;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO sightings(brand, gtin, serial, install, place, origin, first_hour, last_hour)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (gtin, serial, install, place) DO UPDATE SET
                   first_hour = min(first_hour, excluded.first_hour), last_hour = max(last_hour, excluded.last_hour)",
            )?;
            let mut exists = tx.prepare_cached(
                "SELECT 1 FROM sightings WHERE gtin = ?1 AND serial = ?2 AND install = ?3 AND place = ?4",
            )?;
            for row in rows {
                let s = &row.sighting;
                let place = s.place.clone().unwrap_or_default();
                let seen: Option<i64> = exists
                    .query_row(params![row.gtin, row.serial, s.install, place], |r| r.get(0))
                    .optional()?;
                new += usize::from(seen.is_none());
                upsert.execute(params![
                    row.brand,
                    row.gtin,
                    row.serial,
                    s.install,
                    place,
                    s.origin,
                    s.hour as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(new)
    }

    /// Records a report (one per serial and install: a second replaces it).
    pub fn record_report(&mut self, row: &ReportRow) -> Result<(), DbError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO reports(brand, gtin, serial, install, origin, hour, place, reason, note, photo)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                row.brand,
                row.gtin,
                row.serial,
                row.install,
                row.origin,
                row.hour as i64,
                row.place.clone().unwrap_or_default(),
                row.reason,
                row.note,
                row.photo
            ],
        )?;
        Ok(())
    }

    /// Serials seen by two installs or more, or reported, and not decided yet.
    pub fn suspects(&self) -> Result<Vec<Suspect>, DbError> {
        let mut query = self.conn.prepare(
            "SELECT s.brand, s.gtin, s.serial FROM (
               SELECT brand, gtin, serial FROM sightings GROUP BY gtin, serial HAVING count(DISTINCT install) >= 2
               UNION SELECT brand, gtin, serial FROM reports) s
             WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.gtin = s.gtin AND d.serial = s.serial)
             ORDER BY s.brand, s.gtin, s.serial",
        )?;
        let rows =
            query.query_map([], |r| Ok(Suspect { brand: r.get(0)?, gtin: r.get(1)?, serial: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every sighting of a serial.
    pub fn sightings(&self, gtin: &str, serial: &str) -> Result<Vec<Sighting>, DbError> {
        let mut query = self.conn.prepare_cached(
            "SELECT install, origin, first_hour, last_hour, place FROM sightings WHERE gtin = ?1 AND serial = ?2",
        )?;
        let rows = query.query_map([gtin, serial], |r| {
            let place: String = r.get(4)?;
            let (install, origin): (String, String) = (r.get(0)?, r.get(1)?);
            let (first, last): (i64, i64) = (r.get(2)?, r.get(3)?);
            Ok([first, last].map(|hour| Sighting {
                install: install.clone(),
                origin: origin.clone(),
                hour: hour.max(0) as u64,
                place: (!place.is_empty()).then(|| place.clone()),
            }))
        })?;
        let mut out = Vec::new();
        for pair in rows {
            let [first, last] = pair?;
            let same = first.hour == last.hour;
            out.push(first);
            if !same {
                out.push(last);
            }
        }
        Ok(out)
    }

    /// Every report of a serial.
    pub fn reports(&self, gtin: &str, serial: &str) -> Result<Vec<FakeReport>, DbError> {
        let mut query = self
            .conn
            .prepare_cached("SELECT install, origin FROM reports WHERE gtin = ?1 AND serial = ?2")?;
        let rows =
            query.query_map([gtin, serial], |r| Ok(FakeReport { install: r.get(0)?, origin: r.get(1)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records the brand's decision on a serial.
    pub fn decide(&mut self, suspect: &Suspect, approved: bool, now: u64) -> Result<(), DbError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO decisions(gtin, serial, brand, state, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![suspect.gtin, suspect.serial, suspect.brand, if approved { "approved" } else { "dismissed" }, now as i64],
        )?;
        Ok(())
    }

    /// How many sightings and reports are stored (for tests and status).
    pub fn counts(&self) -> Result<(u64, u64), DbError> {
        let count = |table: &str| -> Result<u64, DbError> {
            let n: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok((count("sightings")?, count("reports")?))
    }
}
