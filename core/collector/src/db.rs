//! The collector's store: sightings (deduplicated per serial, install and
//! place), reports of fakes, and the brand's decisions. SQLite by default,
//! PostgreSQL for a `postgres://` URL: the same schema and migrations, the
//! same statements ([`crate::sql`]).

use crate::rules::{FakeReport, Sighting};
use crate::sql::{Connection, SqlError, Value};

/// A store error.
#[derive(Debug, thiserror::Error)]
#[error("collector store: {0}")]
pub struct DbError(#[from] SqlError);

/// The schema, one migration per entry; each is idempotent, so collectors
/// starting at once on one database cannot trip over each other.
const MIGRATIONS: &[&str] = &["
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS sightings(
  brand TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL,
  install TEXT NOT NULL, place TEXT NOT NULL, origin TEXT NOT NULL,
  first_hour BIGINT NOT NULL, last_hour BIGINT NOT NULL,
  PRIMARY KEY (gtin, serial, install, place)
);
CREATE TABLE IF NOT EXISTS reports(
  brand TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL,
  install TEXT NOT NULL, origin TEXT NOT NULL, hour BIGINT NOT NULL, place TEXT NOT NULL,
  reason TEXT NOT NULL, note TEXT NOT NULL, photo BYTEA,
  PRIMARY KEY (gtin, serial, install)
);
CREATE TABLE IF NOT EXISTS decisions(
  gtin TEXT NOT NULL, serial TEXT NOT NULL, brand TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('approved', 'dismissed')), decided_at BIGINT NOT NULL,
  PRIMARY KEY (gtin, serial)
);
"];

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

/// What one sighting row is unique by: GTIN, serial, install, place.
type SightingKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The collector's database.
pub struct Db {
    conn: Connection,
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

impl Db {
    /// Opens (or creates) the database at `location`: a SQLite file path or
    /// a `postgres://` URL; applies the migrations it lacks.
    pub fn open(location: &str) -> Result<Db, DbError> {
        let mut conn = Connection::open(location)?;
        conn.batch("CREATE TABLE IF NOT EXISTS migrations(version BIGINT PRIMARY KEY)")?;
        for (i, migration) in MIGRATIONS.iter().enumerate() {
            conn.batch(migration)?;
            conn.execute(
                "INSERT INTO migrations(version) VALUES ($1) ON CONFLICT (version) DO NOTHING",
                &[Value::Int(i as i64 + 1)],
            )?;
        }
        Ok(Db { conn })
    }

    /// The salt network origins are hashed with, made once per database so
    /// that every collector on it agrees, and no stored origin is an address.
    pub fn origin_salt(&mut self, fresh: [u8; 32]) -> Result<Vec<u8>, DbError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('origin_salt', $1) ON CONFLICT (key) DO NOTHING",
            &[Value::Bytes(Some(fresh.to_vec()))],
        )?;
        let rows = self.conn.query("SELECT value FROM meta WHERE key = 'origin_salt'", &[])?;
        Ok(rows.first().and_then(|r| r[0].bytes()).unwrap_or_else(|| fresh.to_vec()))
    }

    /// Records sightings in one statement per hundred (a phone's batch is
    /// one round trip to PostgreSQL, not two per event); sightings of one
    /// serial, install and place are merged first (earliest and latest hour).
    pub fn record_sightings(&mut self, rows: &[SightingRow]) -> Result<(), DbError> {
        let mut merged: std::collections::BTreeMap<SightingKey<'_>, (&SightingRow, u64, u64)> =
            std::collections::BTreeMap::new();
        for row in rows {
            let s = &row.sighting;
            let key = (
                row.gtin.as_str(),
                row.serial.as_str(),
                s.install.as_str(),
                s.place.as_deref().unwrap_or(""),
            );
            let entry = merged.entry(key).or_insert((row, s.hour, s.hour));
            entry.1 = entry.1.min(s.hour);
            entry.2 = entry.2.max(s.hour);
        }
        let merged: Vec<_> = merged.into_iter().collect();
        for chunk in merged.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO sightings(brand, gtin, serial, install, place, origin, first_hour, last_hour) VALUES ",
            );
            let mut params = Vec::with_capacity(chunk.len() * 8);
            for (i, ((gtin, serial, install, place), (row, first, last))) in chunk.iter().enumerate() {
                let n = i * 8;
                let row_sql = (1..=8).map(|k| format!("${}", n + k)).collect::<Vec<_>>().join(", ");
                sql.push_str(&format!("{}({row_sql})", if i == 0 { "" } else { ", " }));
                params.extend([
                    text(&row.brand),
                    text(gtin),
                    text(serial),
                    text(install),
                    text(place),
                    text(&row.sighting.origin),
                    Value::Int(*first as i64),
                    Value::Int(*last as i64),
                ]);
            }
            sql.push_str(
                " ON CONFLICT (gtin, serial, install, place) DO UPDATE SET
                   first_hour = CASE WHEN excluded.first_hour < sightings.first_hour
                                THEN excluded.first_hour ELSE sightings.first_hour END,
                   last_hour = CASE WHEN excluded.last_hour > sightings.last_hour
                               THEN excluded.last_hour ELSE sightings.last_hour END",
            );
            self.conn.execute(&sql, &params)?;
        }
        Ok(())
    }

    /// Records a report (one per serial and install: a second replaces it).
    pub fn record_report(&mut self, row: &ReportRow) -> Result<(), DbError> {
        self.conn.execute(
            "INSERT INTO reports(brand, gtin, serial, install, origin, hour, place, reason, note, photo)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (gtin, serial, install) DO UPDATE SET origin = excluded.origin, hour = excluded.hour,
               place = excluded.place, reason = excluded.reason, note = excluded.note, photo = excluded.photo",
            &[
                text(&row.brand),
                text(&row.gtin),
                text(&row.serial),
                text(&row.install),
                text(&row.origin),
                Value::Int(row.hour as i64),
                text(row.place.as_deref().unwrap_or("")),
                text(&row.reason),
                text(&row.note),
                Value::Bytes(row.photo.clone()),
            ],
        )?;
        Ok(())
    }

    /// Serials seen by two installs or more, or reported, and not decided yet.
    pub fn suspects(&mut self) -> Result<Vec<Suspect>, DbError> {
        let rows = self.conn.query(
            "SELECT s.brand, s.gtin, s.serial FROM (
               SELECT min(brand) AS brand, gtin, serial FROM sightings GROUP BY gtin, serial
                 HAVING count(DISTINCT install) >= 2
               UNION SELECT brand, gtin, serial FROM reports) s
             WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.gtin = s.gtin AND d.serial = s.serial)
             ORDER BY s.brand, s.gtin, s.serial",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| Suspect { brand: r[0].text(), gtin: r[1].text(), serial: r[2].text() })
            .collect())
    }

    /// Every sighting of a serial (its first and its last hour, per install and place).
    pub fn sightings(&mut self, gtin: &str, serial: &str) -> Result<Vec<Sighting>, DbError> {
        let rows = self.conn.query(
            "SELECT install, origin, first_hour, last_hour, place FROM sightings WHERE gtin = $1 AND serial = $2",
            &[text(gtin), text(serial)],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let place = r[4].text();
            let (first, last) = (r[2].int().max(0) as u64, r[3].int().max(0) as u64);
            let hours = if first == last { vec![first] } else { vec![first, last] };
            for hour in hours {
                out.push(Sighting {
                    install: r[0].text(),
                    origin: r[1].text(),
                    hour,
                    place: (!place.is_empty()).then(|| place.clone()),
                });
            }
        }
        Ok(out)
    }

    /// Every report of a serial.
    pub fn reports(&mut self, gtin: &str, serial: &str) -> Result<Vec<FakeReport>, DbError> {
        let rows = self.conn.query(
            "SELECT install, origin FROM reports WHERE gtin = $1 AND serial = $2",
            &[text(gtin), text(serial)],
        )?;
        Ok(rows.iter().map(|r| FakeReport { install: r[0].text(), origin: r[1].text() }).collect())
    }

    /// Records the brand's decision on a serial.
    pub fn decide(&mut self, suspect: &Suspect, approved: bool, now: u64) -> Result<(), DbError> {
        self.conn.execute(
            "INSERT INTO decisions(gtin, serial, brand, state, decided_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (gtin, serial) DO UPDATE SET state = excluded.state, decided_at = excluded.decided_at",
            &[
                text(&suspect.gtin),
                text(&suspect.serial),
                text(&suspect.brand),
                text(if approved { "approved" } else { "dismissed" }),
                Value::Int(now as i64),
            ],
        )?;
        Ok(())
    }

    /// Deletes sightings last seen and reports made before `before_hour`
    /// (unix hours): the retention a brand promises its shoppers
    /// (docs/CLONES.md). Decisions stay: they are the record of what the
    /// brand revoked. Returns how many sightings and reports went.
    pub fn purge(&mut self, before_hour: u64) -> Result<(u64, u64), DbError> {
        let before = Value::Int(i64::try_from(before_hour).unwrap_or(i64::MAX));
        let sightings =
            self.conn.execute("DELETE FROM sightings WHERE last_hour < $1", std::slice::from_ref(&before))?;
        let reports = self.conn.execute("DELETE FROM reports WHERE hour < $1", &[before])?;
        Ok((sightings, reports))
    }

    /// How many sightings and reports are stored.
    pub fn counts(&mut self) -> Result<(u64, u64), DbError> {
        let mut count = |table: &str| -> Result<u64, DbError> {
            let rows = self.conn.query(&format!("SELECT count(*) FROM {table}"), &[])?;
            Ok(rows.first().map_or(0, |r| r[0].int().max(0) as u64))
        };
        Ok((count("sightings")?, count("reports")?))
    }
}
