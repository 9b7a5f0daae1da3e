//! The issuance journal: every serial ever issued, per GTIN, and the runs
//! that issued them (an SQLite file next to the state).
//!
//! Threat: a serial printed twice makes two boxes one code, and the second
//! looks like a copy of the first to the brand's clone detection (or hides a
//! real copy). The journal refuses a serial already issued for that GTIN,
//! whatever run, file or machine issued it. A serial is reserved here,
//! committed, *before* its code is written anywhere, so an output file never
//! holds a code the journal does not know, however the run ends.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::Digest;
use std::path::Path;

/// Why the journal refused.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A serial was issued before (or twice in one request).
    #[error("serial {serial} was already issued for GTIN {gtin} (run {run}): a serial is never issued twice")]
    Duplicate {
        /// The GTIN.
        gtin: String,
        /// The serial.
        serial: String,
        /// The run that issued it first (0: earlier in this request).
        run: i64,
    },
    /// No such run, or not in the state the operation needs.
    #[error("{0}")]
    Run(String),
    /// SQLite failed.
    #[error("issuance journal: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// One run as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Its number.
    pub id: i64,
    /// The brand.
    pub brand: String,
    /// The claim key that signs.
    pub kid: u16,
    /// The GTIN.
    pub gtin: String,
    /// The batch, if any.
    pub batch: Option<String>,
    /// The host printed in its codes.
    pub host: String,
    /// Every element but the serial, as [`encode_elements`] writes them: a
    /// resumed run prints exactly what it started printing.
    pub elements: String,
    /// How many codes it was asked for.
    pub count: u64,
    /// Where the codes are written.
    pub out: String,
    /// `open` (running or interrupted), `done` or `abandoned`.
    pub state: String,
    /// How many serials are reserved so far.
    pub reserved: u64,
    /// The first and last serial (when done).
    pub first_last: Option<(String, String)>,
    /// SHA-256 of the output file, hex (when done).
    pub sha256: Option<String>,
}

/// The journal file.
pub struct Journal {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  brand TEXT NOT NULL,
  kid INTEGER NOT NULL,
  gtin TEXT NOT NULL,
  batch TEXT,
  host TEXT NOT NULL,
  elements TEXT NOT NULL,
  count INTEGER NOT NULL,
  out TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'abandoned')),
  started INTEGER NOT NULL,
  finished INTEGER,
  first_serial TEXT,
  last_serial TEXT,
  sha256 TEXT
);
CREATE TABLE IF NOT EXISTS serials(
  gtin TEXT NOT NULL,
  serial TEXT NOT NULL,
  run INTEGER NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  PRIMARY KEY (gtin, serial)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS serials_by_run ON serials(run, seq);
CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// What a new run is for.
pub struct NewRun<'a> {
    /// The brand.
    pub brand: &'a str,
    /// The claim key.
    pub kid: u16,
    /// The GTIN.
    pub gtin: &'a str,
    /// The batch, if any.
    pub batch: Option<&'a str>,
    /// The host printed in its codes.
    pub host: &'a str,
    /// Every element but the serial ([`encode_elements`]).
    pub elements: &'a str,
    /// How many codes.
    pub count: u64,
    /// The output it writes.
    pub out: &'a str,
}

impl Journal {
    /// Opens (or creates) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let conn = Connection::open(path)?;
        // Runs to different outputs share the journal: a writer waits for
        // another's short transaction rather than fail "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // Every reservation is durable before its codes are written.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        conn.execute_batch(SCHEMA)?;
        // A name for this journal that stays with the file (copies keep it):
        // the state binds each claim key to the one journal it issues through.
        let nonce = format!(
            "{}|{}|{:?}",
            path.display(),
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
        );
        let id = genuine_format::keys::hex(&sha2::Sha256::digest(nonce.as_bytes())[..16]);
        conn.execute("INSERT OR IGNORE INTO journal_meta(key, value) VALUES ('id', ?1)", [id])?;
        Ok(Journal { conn })
    }

    /// This journal's id (made when the file was created).
    pub fn id(&self) -> Result<String, JournalError> {
        Ok(self.conn.query_row("SELECT value FROM journal_meta WHERE key = 'id'", [], |r| r.get(0))?)
    }

    /// Starts a run with the serials it was `given` (a line-management
    /// system's file, one serial typed by hand), in one transaction: the run
    /// and all its serials, or nothing if any serial was issued before.
    /// Refused while another run writing to `out` is open: it must be
    /// resumed or abandoned first.
    pub fn begin(&mut self, run: &NewRun<'_>, given: &[String], now: u64) -> Result<i64, JournalError> {
        let count = i64::try_from(run.count).map_err(|_| JournalError::Run("count too large".into()))?;
        // IMMEDIATE: two processes starting runs to one file cannot both
        // pass the check below.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let open: Option<i64> = tx
            .query_row("SELECT id FROM runs WHERE out = ?1 AND state = 'open'", [run.out], |r| r.get(0))
            .optional()?;
        if let Some(id) = open {
            let reserved: i64 =
                tx.query_row("SELECT count(*) FROM serials WHERE run = ?1", [id], |r| r.get(0))?;
            return Err(JournalError::Run(format!(
                "run {id} writing {} was interrupted ({reserved} serials reserved): resume it with \
                 --resume {id} or give it up with --abandon {id}",
                run.out
            )));
        }
        tx.execute(
            "INSERT INTO runs(brand, kid, gtin, batch, host, elements, count, out, state, started) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9)",
            params![
                run.brand,
                run.kid,
                run.gtin,
                run.batch,
                run.host,
                run.elements,
                count,
                run.out,
                now as i64
            ],
        )?;
        let id = tx.last_insert_rowid();
        reserve_in(&tx, id, run.gtin, given)?;
        tx.commit()?;
        Ok(id)
    }

    /// Every serial key `kid` of `brand` was used for, as `(gtin, serial)`,
    /// in the journal's order; refused while a run of that key is open, since
    /// a resumed run would add serials the caller did not see.
    pub fn serials_of_key(
        &self,
        brand: &str,
        kid: u16,
        mut each: impl FnMut(&str, &str),
    ) -> Result<u64, JournalError> {
        let open: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM runs WHERE brand = ?1 AND kid = ?2 AND state = 'open'",
                params![brand, kid],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = open {
            return Err(JournalError::Run(format!(
                "run {id} of key {kid} is still open: resume it with --resume {id} or give it up with \
                 --abandon {id} before its serials are folded into a filter"
            )));
        }
        let mut stmt = self.conn.prepare(
            "SELECT s.gtin, s.serial FROM serials s JOIN runs r ON r.id = s.run WHERE r.brand = ?1 AND r.kid = ?2",
        )?;
        let mut rows = stmt.query(params![brand, kid])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let (gtin, serial): (String, String) = (row.get(0)?, row.get(1)?);
            each(&gtin, &serial);
            n += 1;
        }
        Ok(n)
    }

    /// The brand whose run issued `serial` for `gtin` (14 digits), if any.
    pub fn brand_of_serial(&self, gtin: &str, serial: &str) -> Result<Option<String>, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT r.brand FROM serials s JOIN runs r ON r.id = s.run WHERE s.gtin = ?1 AND s.serial = ?2",
                params![gtin, serial],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Whether a run of `brand` printed `batch` for `gtin`.
    pub fn batch_issued(&self, brand: &str, gtin: &str, batch: &str) -> Result<bool, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM runs WHERE brand = ?1 AND gtin = ?2 AND batch = ?3 LIMIT 1",
                params![brand, gtin, batch],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The open run writing `out`, if any.
    pub fn open_run_for(&self, out: &str) -> Result<Option<Run>, JournalError> {
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM runs WHERE out = ?1 AND state = 'open'", [out], |r| r.get(0))
            .optional()?;
        id.map(|id| self.run(id)).transpose()
    }

    /// A run by number.
    pub fn run(&self, id: i64) -> Result<Run, JournalError> {
        let reserved: i64 =
            self.conn.query_row("SELECT count(*) FROM serials WHERE run = ?1", [id], |r| r.get(0))?;
        self.conn
            .query_row(
                "SELECT brand, kid, gtin, batch, count, out, state, first_serial, last_serial, sha256, host, elements \
                 FROM runs WHERE id = ?1",
                [id],
                |r| {
                    let first: Option<String> = r.get(7)?;
                    let last: Option<String> = r.get(8)?;
                    Ok(Run {
                        id,
                        brand: r.get(0)?,
                        kid: r.get(1)?,
                        gtin: r.get(2)?,
                        batch: r.get(3)?,
                        count: r.get::<_, i64>(4)?.max(0) as u64,
                        out: r.get(5)?,
                        state: r.get(6)?,
                        reserved: reserved.max(0) as u64,
                        first_last: first.zip(last),
                        sha256: r.get(9)?,
                        host: r.get(10)?,
                        elements: r.get(11)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| JournalError::Run(format!("no run {id} in the journal")))
    }

    /// Reserves what it can of `serials` (fresh random ones), skipping any
    /// already issued; returns the ones reserved, in order.
    pub fn reserve_fresh(
        &mut self,
        run: i64,
        gtin: &str,
        serials: Vec<String>,
    ) -> Result<Vec<String>, JournalError> {
        let tx = self.conn.transaction()?;
        let mut kept = Vec::with_capacity(serials.len());
        {
            let mut seq: i64 =
                tx.query_row("SELECT coalesce(max(seq) + 1, 0) FROM serials WHERE run = ?1", [run], |r| {
                    r.get(0)
                })?;
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO serials(gtin, serial, run, seq) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for serial in serials {
                if insert.execute(params![gtin, serial, run, seq])? == 1 {
                    seq += 1;
                    kept.push(serial);
                }
            }
        }
        tx.commit()?;
        Ok(kept)
    }

    /// The serials reserved for `run` from position `from` on, at most `limit`.
    pub fn reserved(&self, run: i64, from: u64, limit: usize) -> Result<Vec<String>, JournalError> {
        let mut query = self.conn.prepare_cached(
            "SELECT serial FROM serials WHERE run = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = query.query_map(params![run, from as i64, limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a run done, with what it wrote.
    pub fn finish(&mut self, run: i64, sha256: &str, now: u64) -> Result<(), JournalError> {
        let ends = |order: &str| -> Result<Option<String>, JournalError> {
            let sql = format!("SELECT serial FROM serials WHERE run = ?1 ORDER BY seq {order} LIMIT 1");
            Ok(self.conn.query_row(&sql, [run], |r| r.get(0)).optional()?)
        };
        let (first, last) = (ends("ASC")?, ends("DESC")?);
        let changed = self.conn.execute(
            "UPDATE runs SET state = 'done', finished = ?2, first_serial = ?3, last_serial = ?4, sha256 = ?5 WHERE id = ?1 AND state = 'open'",
            params![run, now as i64, first, last, sha256],
        )?;
        if changed != 1 {
            return Err(JournalError::Run(format!("run {run} is not open")));
        }
        Ok(())
    }

    /// Gives up an interrupted run. Its serials stay reserved: some may be
    /// printed already, so none is ever issued again.
    pub fn abandon(&mut self, run: i64, now: u64) -> Result<Run, JournalError> {
        let changed = self.conn.execute(
            "UPDATE runs SET state = 'abandoned', finished = ?2 WHERE id = ?1 AND state = 'open'",
            params![run, now as i64],
        )?;
        if changed != 1 {
            return Err(JournalError::Run(format!("run {run} is not open (nothing to abandon)")));
        }
        self.run(run)
    }
}

/// Product elements as the journal keeps them: `AI=value`, separated by
/// GS (0x1D), which no GS1 value may contain.
pub fn encode_elements<'a>(elements: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let parts: Vec<String> = elements.into_iter().map(|(ai, value)| format!("{ai}={value}")).collect();
    parts.join("\u{1d}")
}

/// The elements [`encode_elements`] wrote.
pub fn decode_elements(text: &str) -> Vec<(String, String)> {
    text.split('\u{1d}')
        .filter_map(|part| part.split_once('='))
        .map(|(ai, value)| (ai.to_string(), value.to_string()))
        .collect()
}

/// Reserves `serials` for `run` in order, inside the caller's transaction;
/// the first one issued before stops it (and the caller's rollback undoes
/// the rest).
fn reserve_in(
    tx: &rusqlite::Transaction<'_>,
    run: i64,
    gtin: &str,
    serials: &[String],
) -> Result<(), JournalError> {
    let mut insert =
        tx.prepare_cached("INSERT INTO serials(gtin, serial, run, seq) VALUES (?1, ?2, ?3, ?4)")?;
    let mut owner = tx.prepare_cached("SELECT run FROM serials WHERE gtin = ?1 AND serial = ?2")?;
    for (seq, serial) in serials.iter().enumerate() {
        if let Err(e) = insert.execute(params![gtin, serial, run, seq as i64]) {
            let first: Option<i64> = owner.query_row(params![gtin, serial], |r| r.get(0)).optional()?;
            return match first {
                Some(first) => Err(JournalError::Duplicate {
                    gtin: gtin.into(),
                    serial: serial.clone(),
                    run: if first == run { 0 } else { first },
                }),
                None => Err(e.into()),
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_run<'a>(out: &'a str, gtin: &'a str) -> NewRun<'a> {
        NewRun { brand: "tea", kid: 1, gtin, batch: None, host: "t.example", elements: "", count: 3, out }
    }

    #[test]
    fn a_serial_is_issued_once_per_gtin_and_a_refused_run_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.db")).unwrap();
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let run = j.begin(&new_run("a.csv", "04012345000009"), &s(&["A", "B"]), 1).unwrap();
        // Another GTIN may use the same serial.
        let other = j.begin(&new_run("b.csv", "04012345000016"), &s(&["A"]), 1).unwrap();
        let err = j.begin(&new_run("c.csv", "04012345000009"), &s(&["C", "B"]), 1).unwrap_err();
        assert!(matches!(err, JournalError::Duplicate { run: 1, .. }), "{err}");
        let err = j.begin(&new_run("c.csv", "04012345000016"), &s(&["D", "D"]), 1).unwrap_err();
        assert!(matches!(err, JournalError::Duplicate { run: 0, .. }), "{err}");
        // Neither refused run exists, nor any of its serials: C and D are free.
        assert!(j.open_run_for("c.csv").unwrap().is_none());
        let third = j.begin(&new_run("c.csv", "04012345000009"), &s(&["C"]), 1).unwrap();
        assert_eq!(j.reserved(third, 0, 10).unwrap(), s(&["C"]));
        // Fresh random serials skip what exists.
        assert_eq!(j.reserve_fresh(run, "04012345000009", s(&["B", "E"])).unwrap(), s(&["E"]));
        assert_eq!(j.reserved(run, 1, 10).unwrap(), s(&["B", "E"]));
        // An open run blocks its output until finished or abandoned.
        assert!(matches!(j.begin(&new_run("a.csv", "04012345000009"), &[], 2), Err(JournalError::Run(_))));
        j.finish(run, "00", 3).unwrap();
        assert_eq!(j.run(run).unwrap().first_last, Some(("A".into(), "E".into())));
        assert!(j.finish(run, "00", 3).is_err());
        j.begin(&new_run("a.csv", "04012345000009"), &[], 4).unwrap();
        assert_eq!(j.abandon(other, 5).unwrap().state, "abandoned");
        let err = j.begin(&new_run("d.csv", "04012345000016"), &s(&["A"]), 6).unwrap_err();
        assert!(
            matches!(err, JournalError::Duplicate { .. }),
            "an abandoned run's serials stay taken: {err}"
        );
    }
}
