//! The collector's store: sightings (deduplicated per serial, install and
//! place), reports of fakes, and the brand's decisions. SQLite by default,
//! PostgreSQL for a `postgres://` URL: the same schema and migrations, the
//! same statements ([`crate::sql`]).

use crate::network::Origin;
use crate::rules::{FakeReport, Sighting};
use crate::sql::{Connection, SqlError, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A store error.
#[derive(Debug, thiserror::Error)]
#[error("collector store: {0}")]
pub struct DbError(#[from] SqlError);

/// The schema, one migration per entry, each applied once in the
/// transaction that records it ([`Connection::migrate`]).
const MIGRATIONS: &[&str] = &[
    "
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
",
    // Issue 30: networks named by a key outside the database (the salt
    // that lived here named them reversibly: finding 9) and their groups;
    // per-network daily quotas; installs looked up for their history.
    "
DELETE FROM meta WHERE key = 'origin_salt';
ALTER TABLE sightings ADD COLUMN grp TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN grp TEXT NOT NULL DEFAULT '';
CREATE INDEX sightings_by_install ON sightings(install, brand);
CREATE TABLE quotas(
  origin TEXT NOT NULL, day BIGINT NOT NULL, sightings BIGINT NOT NULL, reports BIGINT NOT NULL,
  PRIMARY KEY (origin, day)
);
",
    // The hour the collector first received each row, by its own clock:
    // days and histories are counted in it, never in the hours a phone
    // claims (a framer's one POST claimed three days and a history).
    "
ALTER TABLE sightings ADD COLUMN received_hour BIGINT NOT NULL DEFAULT 0;
UPDATE sightings SET received_hour = first_hour;
DROP INDEX sightings_by_install;
CREATE INDEX sightings_by_install ON sightings(install, brand, received_hour);
",
];

/// What one network may store, per serial and per day, so that neither a
/// serial's review nor the database grows with what an attacker sends
/// (issue 30, findings 2 and 8). Writers racing on PostgreSQL can pass a
/// bound by at most one batch each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    /// Sightings (install and place) one network adds to one serial.
    pub per_network_per_serial: u64,
    /// Networks of one group (/16, /32) on one serial.
    pub networks_per_group_per_serial: u64,
    /// Sightings of one serial in all.
    pub per_serial: u64,
    /// New sightings one network adds in a day, over every serial.
    pub per_network_per_day: u64,
    /// Reports one network makes about one serial.
    pub reports_per_network_per_serial: u64,
    /// Reports of one serial in all.
    pub reports_per_serial: u64,
    /// Reports one network makes in a day (each may carry a 512 KiB photo).
    pub reports_per_network_per_day: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            per_network_per_serial: 8,
            networks_per_group_per_serial: 16,
            per_serial: 1024,
            per_network_per_day: 5_000,
            reports_per_network_per_serial: 2,
            reports_per_serial: 64,
            reports_per_network_per_day: 20,
        }
    }
}

/// A verified scan to record; its network is the request's.
#[derive(Debug, Clone)]
pub struct NewSighting {
    /// The brand that signed the code.
    pub brand: String,
    /// Its GTIN-14.
    pub gtin: String,
    /// Its serial.
    pub serial: String,
    /// The install pseudonym.
    pub install: String,
    /// The hour it was scanned.
    pub hour: u64,
    /// Where, if the app sent it.
    pub place: Option<String>,
}

/// A verified report to record; its network is the request's.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The brand, GTIN and serial of the reported code.
    pub brand: String,
    /// GTIN-14.
    pub gtin: String,
    /// Serial.
    pub serial: String,
    /// The install pseudonym.
    pub install: String,
    /// Hour of the report.
    pub hour: u64,
    /// Geohash, if given.
    pub place: Option<String>,
    /// Why.
    pub reason: String,
    /// The shopper's words.
    pub note: String,
    /// One JPEG, its metadata stripped.
    pub photo: Option<Vec<u8>>,
}

/// What a request stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    /// Sightings or reports kept (new, or merged into one already kept).
    pub kept: usize,
    /// Those over a quota, dropped.
    pub over_quota: usize,
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

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn count(v: &Value) -> u64 {
    v.int().max(0) as u64
}

/// `($n+1, $n+2, …), …`: `rows` tuples of `width` parameters, numbered after `skip`.
fn tuples(rows: usize, width: usize, skip: usize) -> String {
    let row = |r: usize| {
        let cells: Vec<String> = (1..=width).map(|k| format!("${}", skip + r * width + k)).collect();
        format!("({})", cells.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// Statements take at most this many tuples (their parameters stay far
/// under either database's limit).
const CHUNK: usize = 100;

impl Db {
    /// Opens (or creates) the database at `location`: a SQLite file path or
    /// a `postgres://` URL; applies the migrations it lacks.
    pub fn open(location: &str) -> Result<Db, DbError> {
        let mut conn = Connection::open(location)?;
        conn.migrate(MIGRATIONS)?;
        Ok(Db { conn })
    }

    /// Records one request's sightings from the network `from`, received at
    /// `now_hour` (unix hours, the collector's clock), within the
    /// [`Quotas`] of that day. Sightings of one serial, install and place
    /// merge into one row (earliest and latest claimed hour, the hour it
    /// was first received); a new row is kept only while its serial, its
    /// network and its group have room.
    pub fn record_sightings(
        &mut self,
        from: &Origin,
        rows: &[NewSighting],
        quotas: &Quotas,
        now_hour: u64,
    ) -> Result<Stored, DbError> {
        let day = now_hour / 24;
        let received = i64::try_from(now_hour).unwrap_or(i64::MAX);
        // One row per serial, install and place, with its hours.
        let mut merged: BTreeMap<SightingKey<'_>, (&NewSighting, u64, u64)> = BTreeMap::new();
        for row in rows {
            let key = (row.gtin.as_str(), row.serial.as_str(), row.install.as_str(), place_of(&row.place));
            let entry = merged.entry(key).or_insert((row, row.hour, row.hour));
            entry.1 = entry.1.min(row.hour);
            entry.2 = entry.2.max(row.hour);
        }
        let keys: Vec<_> = merged.keys().copied().collect();
        let stored = self.conn.transaction(|c| {
            let existing = existing_sightings(c, &keys)?;
            let mut room = SerialRoom::read(c, from, &keys, quotas)?;
            let mut today = quota_left(c, from, day, "sightings", quotas.per_network_per_day)?;
            let mut keep = Vec::new();
            let mut over = 0;
            for (key, value) in &merged {
                let fits = existing.contains(key) || (today > 0 && room.take(key.0, key.1));
                if fits {
                    today = today.saturating_sub(u64::from(!existing.contains(key)));
                    keep.push((key, value));
                } else {
                    over += 1;
                }
            }
            let new = keep.iter().filter(|(k, _)| !existing.contains(*k)).count() as u64;
            for chunk in keep.chunks(CHUNK) {
                let mut params = Vec::with_capacity(chunk.len() * 10);
                for ((gtin, serial, install, place), (row, first, last)) in chunk {
                    params.extend([
                        text(&row.brand),
                        text(gtin),
                        text(serial),
                        text(install),
                        text(place),
                        text(&from.network),
                        text(&from.group),
                        Value::Int(*first as i64),
                        Value::Int(*last as i64),
                        Value::Int(received),
                    ]);
                }
                let sql = format!(
                    "INSERT INTO sightings(brand, gtin, serial, install, place, origin, grp, first_hour, last_hour, \
                     received_hour) VALUES {} ON CONFLICT (gtin, serial, install, place) DO UPDATE SET
                       first_hour = CASE WHEN excluded.first_hour < sightings.first_hour
                                    THEN excluded.first_hour ELSE sightings.first_hour END,
                       last_hour = CASE WHEN excluded.last_hour > sightings.last_hour
                                   THEN excluded.last_hour ELSE sightings.last_hour END",
                    tuples(chunk.len(), 10, 0)
                );
                c.execute(&sql, &params)?;
            }
            spend_quota(c, from, day, "sightings", new)?;
            Ok(Stored { kept: keep.len(), over_quota: over })
        })?;
        Ok(stored)
    }

    /// Records a report (one per serial and install: a second replaces
    /// it) from the network `from`, within the [`Quotas`] on `day`.
    pub fn record_report(
        &mut self,
        from: &Origin,
        row: &NewReport,
        quotas: &Quotas,
        day: u64,
    ) -> Result<Stored, DbError> {
        let stored = self.conn.transaction(|c| {
            let key = [text(&row.gtin), text(&row.serial), text(&row.install)];
            let exists = !c
                .query("SELECT 1 FROM reports WHERE gtin = $1 AND serial = $2 AND install = $3", &key)?
                .is_empty();
            if !exists {
                let counts = c.query(
                    "SELECT count(*), coalesce(sum(CASE WHEN origin = $3 THEN 1 ELSE 0 END), 0)
                     FROM reports WHERE gtin = $1 AND serial = $2",
                    &[text(&row.gtin), text(&row.serial), text(&from.network)],
                )?;
                let (all, ours) = counts.first().map_or((0, 0), |r| (count(&r[0]), count(&r[1])));
                let today = quota_left(c, from, day, "reports", quotas.reports_per_network_per_day)?;
                if all >= quotas.reports_per_serial || ours >= quotas.reports_per_network_per_serial || today == 0
                {
                    return Ok(Stored { kept: 0, over_quota: 1 });
                }
            }
            c.execute(
                "INSERT INTO reports(brand, gtin, serial, install, origin, grp, hour, place, reason, note, photo)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (gtin, serial, install) DO UPDATE SET origin = excluded.origin, grp = excluded.grp,
                   hour = excluded.hour, place = excluded.place, reason = excluded.reason, note = excluded.note,
                   photo = excluded.photo",
                &[
                    text(&row.brand),
                    text(&row.gtin),
                    text(&row.serial),
                    text(&row.install),
                    text(&from.network),
                    text(&from.group),
                    Value::Int(row.hour as i64),
                    text(place_of(&row.place)),
                    text(&row.reason),
                    text(&row.note),
                    Value::Bytes(row.photo.clone()),
                ],
            )?;
            spend_quota(c, from, day, "reports", u64::from(!exists))?;
            Ok(Stored { kept: 1, over_quota: 0 })
        })?;
        Ok(stored)
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

    /// Every sighting of a serial (its first and its last hour, per install
    /// and place): at most [`Quotas::per_serial`] rows, two sightings each.
    pub fn sightings(&mut self, gtin: &str, serial: &str) -> Result<Vec<Sighting>, DbError> {
        let rows = self.conn.query(
            "SELECT install, origin, grp, first_hour, last_hour, place, received_hour FROM sightings \
             WHERE gtin = $1 AND serial = $2",
            &[text(gtin), text(serial)],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let place = r[5].text();
            let (first, last) = (count(&r[3]), count(&r[4]));
            let hours = if first == last { vec![first] } else { vec![first, last] };
            for hour in hours {
                out.push(Sighting {
                    install: r[0].text(),
                    origin: r[1].text(),
                    group: r[2].text(),
                    hour,
                    received_hour: count(&r[6]),
                    place: (!place.is_empty()).then(|| place.clone()),
                });
            }
        }
        Ok(out)
    }

    /// The installs that saw a serial and, at least `hours` before the
    /// collector first received that, had sent another serial of its
    /// brand: a history a framer must build with genuine codes of their
    /// own, and wait for in real time (received hours, not claimed ones).
    pub fn seasoned(&mut self, gtin: &str, serial: &str, hours: u64) -> Result<BTreeSet<String>, DbError> {
        let rows = self.conn.query(
            "SELECT DISTINCT t.install FROM sightings t
             WHERE t.gtin = $1 AND t.serial = $2 AND EXISTS (
               SELECT 1 FROM sightings o
                WHERE o.install = t.install AND o.brand = t.brand AND o.received_hour <= t.received_hour - $3
                  AND (o.gtin <> t.gtin OR o.serial <> t.serial))",
            &[text(gtin), text(serial), Value::Int(i64::try_from(hours).unwrap_or(i64::MAX))],
        )?;
        Ok(rows.iter().map(|r| r[0].text()).collect())
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
    /// (unix hours), and the quotas of days before it: the retention a
    /// brand promises its shoppers (docs/CLONES.md). Decisions stay: they
    /// are the record of what the brand revoked. Returns how many sightings
    /// and reports went.
    pub fn purge(&mut self, before_hour: u64) -> Result<(u64, u64), DbError> {
        let before = Value::Int(i64::try_from(before_hour).unwrap_or(i64::MAX));
        let sightings =
            self.conn.execute("DELETE FROM sightings WHERE last_hour < $1", std::slice::from_ref(&before))?;
        let reports =
            self.conn.execute("DELETE FROM reports WHERE hour < $1", std::slice::from_ref(&before))?;
        let day = Value::Int(i64::try_from(before_hour / 24).unwrap_or(i64::MAX));
        self.conn.execute("DELETE FROM quotas WHERE day < $1", &[day])?;
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

/// A place as stored: the geohash, or "" for none.
fn place_of(place: &Option<String>) -> &str {
    place.as_deref().unwrap_or("")
}

type SightingKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// Which of `keys` (GTIN, serial, install, place) are stored already.
fn existing_sightings<'a>(
    c: &mut Connection,
    keys: &[SightingKey<'a>],
) -> Result<BTreeSet<SightingKey<'a>>, SqlError> {
    let mut found = BTreeSet::new();
    for chunk in keys.chunks(CHUNK) {
        let params: Vec<Value> =
            chunk.iter().flat_map(|k| [text(k.0), text(k.1), text(k.2), text(k.3)]).collect();
        let rows = c.query(
            &format!(
                "SELECT s.gtin, s.serial, s.install, s.place FROM sightings s JOIN (VALUES {}) AS v
                   ON s.gtin = v.column1 AND s.serial = v.column2 AND s.install = v.column3 AND s.place = v.column4",
                tuples(chunk.len(), 4, 0)
            ),
            &params,
        )?;
        for r in rows {
            let (gtin, serial, install, place) = (r[0].text(), r[1].text(), r[2].text(), r[3].text());
            if let Some(key) =
                chunk.iter().find(|k| (k.0, k.1, k.2, k.3) == (&*gtin, &*serial, &*install, &*place))
            {
                found.insert(*key);
            }
        }
    }
    Ok(found)
}

/// Per serial of a request: its rows in all, the request network's rows,
/// and the networks of that network's group — what a new row must fit in.
struct SerialRoom<'q> {
    quotas: &'q Quotas,
    /// (GTIN, serial) → (rows, the network's rows, the group's networks).
    serials: BTreeMap<(String, String), (u64, u64, u64)>,
}

impl<'q> SerialRoom<'q> {
    fn read(
        c: &mut Connection,
        from: &Origin,
        keys: &[SightingKey<'_>],
        quotas: &'q Quotas,
    ) -> Result<Self, SqlError> {
        let serials: BTreeSet<(&str, &str)> = keys.iter().map(|k| (k.0, k.1)).collect();
        let serials: Vec<(&str, &str)> = serials.into_iter().collect();
        let mut room = SerialRoom { quotas, serials: BTreeMap::new() };
        for chunk in serials.chunks(CHUNK) {
            let mut params = vec![text(&from.network), text(&from.group)];
            params.extend(chunk.iter().flat_map(|(g, s)| [text(g), text(s)]));
            let rows = c.query(
                &format!(
                    "SELECT s.gtin, s.serial, count(*),
                       coalesce(sum(CASE WHEN s.origin = $1 THEN 1 ELSE 0 END), 0),
                       count(DISTINCT CASE WHEN s.grp = $2 AND s.origin <> $1 THEN s.origin END)
                     FROM sightings s JOIN (VALUES {}) AS v ON s.gtin = v.column1 AND s.serial = v.column2
                     GROUP BY s.gtin, s.serial",
                    tuples(chunk.len(), 2, 2)
                ),
                &params,
            )?;
            for r in rows {
                let others_in_group = count(&r[4]);
                room.serials
                    .insert((r[0].text(), r[1].text()), (count(&r[2]), count(&r[3]), others_in_group));
            }
        }
        Ok(room)
    }

    /// Takes room for one new row of (GTIN, serial); false if there is none.
    fn take(&mut self, gtin: &str, serial: &str) -> bool {
        let q = self.quotas;
        let (all, ours, others) = self.serials.entry((gtin.to_string(), serial.to_string())).or_default();
        // A network new to this serial needs room in its group too.
        let group_full = *ours == 0 && *others >= q.networks_per_group_per_serial;
        if *all >= q.per_serial || *ours >= q.per_network_per_serial || group_full {
            return false;
        }
        *all += 1;
        *ours += 1;
        true
    }
}

/// What `from` may still add today to the quota column `what`.
fn quota_left(c: &mut Connection, from: &Origin, day: u64, what: &str, cap: u64) -> Result<u64, SqlError> {
    let rows = c.query(
        &format!("SELECT {what} FROM quotas WHERE origin = $1 AND day = $2"),
        &[text(&from.network), Value::Int(day as i64)],
    )?;
    Ok(cap.saturating_sub(rows.first().map_or(0, |r| count(&r[0]))))
}

/// Adds `n` to `from`'s quota column `what` for `day`.
fn spend_quota(c: &mut Connection, from: &Origin, day: u64, what: &str, n: u64) -> Result<(), SqlError> {
    if n == 0 {
        return Ok(());
    }
    let (sightings, reports) = if what == "sightings" { (n, 0) } else { (0, n) };
    c.execute(
        &format!(
            "INSERT INTO quotas(origin, day, sightings, reports) VALUES ($1, $2, $3, $4)
             ON CONFLICT (origin, day) DO UPDATE SET {what} = quotas.{what} + excluded.{what}"
        ),
        &[
            text(&from.network),
            Value::Int(day as i64),
            Value::Int(sightings as i64),
            Value::Int(reports as i64),
        ],
    )?;
    Ok(())
}
