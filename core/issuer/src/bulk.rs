//! Serialised issuance for a packaging line: a million codes to a CSV for
//! variable-data printing, in constant memory, signed on every core.
//!
//! The order of things is what makes a run safe to kill at any moment:
//! serials are reserved in the journal (committed) before their codes are
//! signed, codes are appended to `<out>.partial`, and only a complete run is
//! published as `<out>` (never over an existing file) and recorded done
//! with the SHA-256 of what it wrote. An interrupted run is resumed (the
//! partial file is checked line by line against the journal, then
//! continued) or abandoned (its serials stay reserved, since some may have
//! been printed). One process at a time writes a run: the output's lock
//! ([`OutputLock`]) is held from before the journal is touched to the end.

use crate::authority::{AuthorityError, CodeIssuer, Rng, random_serial};
use crate::journal::{Journal, JournalError, Run};
use genuine_format::gs1::Gs1Data;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Codes signed and written per step: the memory a run uses, whatever its count.
pub const CHUNK: usize = 32_768;
/// Characters in a random serial: 50 bits, so a million serials per GTIN
/// collide with odds of about 1 in 2,000 per run (and the journal catches it).
pub const SERIAL_LEN: usize = 10;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// The journal refused (a duplicate serial, a run in the wrong state).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A code could not be signed.
    #[error(transparent)]
    Sign(#[from] AuthorityError),
    /// The output or a serial file.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BulkError + '_ {
    move |error| BulkError::Io { path: path.to_path_buf(), error }
}

/// What a finished run wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BulkReport {
    /// The journal's run number.
    pub run: i64,
    /// Codes in the file.
    pub codes: u64,
    /// The file.
    pub out: String,
    /// SHA-256 of the file, hex (also in the journal).
    pub sha256: String,
    /// The first and last serial.
    pub first_serial: String,
    /// The last serial.
    pub last_serial: String,
}

/// Everything but the serial of the codes a run prints, and how to sign them.
pub struct Line<'a> {
    /// Signs with the run's key.
    pub issuer: &'a CodeIssuer<'a>,
    /// The product data every code shares (GTIN, batch, expiry…).
    pub template: Gs1Data,
    /// Threads that sign.
    pub threads: usize,
    /// Also write `<serial>.svg` here for proofs.
    pub svg_dir: Option<PathBuf>,
}

/// The output a path names, however it is spelt (`a.csv`, `./a.csv`,
/// `sub/../a.csv` are one file): its directory resolved, its name kept.
/// The journal knows outputs by this path.
pub fn canonical_output(out: &Path) -> Result<PathBuf, BulkError> {
    let name =
        out.file_name().ok_or_else(|| BulkError::Invalid(format!("{}: names no file", out.display())))?;
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(std::fs::canonicalize(dir).map_err(io(dir))?.join(name))
}

/// One process's hold on an output (and so on the run writing it): a
/// second `--resume` of a running run, or a new run to its file, is
/// refused before it writes anything (issue 30, finding 4). The lock is
/// the operating system's on `<out>.lock`, so it ends with the process
/// however it ends.
pub struct OutputLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl OutputLock {
    /// Takes the lock on `out` (a [`canonical_output`]); `None` if another
    /// process holds it.
    pub fn take(out: &Path) -> Result<Option<OutputLock>, BulkError> {
        let mut name = out.as_os_str().to_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(OutputLock { _file: file, path })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }

    /// Removes the lock file once its run is over (done or abandoned): a
    /// process that opened it meanwhile finds the run over when it reads
    /// the journal under the lock.
    pub fn release(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What a resume does when the run's partial file is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingPartial {
    /// Refuse: it may have gone to a printer, and starting again would
    /// print its serials twice.
    Refuse,
    /// It was deleted unprinted: write the run again from its first serial.
    Deleted,
}

/// Publishes a finished partial file as `out`, never over an existing
/// file: a hard link is made (which fails if `out` exists) and the partial
/// removed; where the file system has no hard links, `out` is checked and
/// the partial renamed, under the run's lock.
fn publish(partial: &Path, out: &Path, run: i64) -> Result<(), BulkError> {
    let exists = || {
        BulkError::Invalid(format!(
            "{} exists: the run's codes stay in {}; move it aside and finish with --resume {run}",
            out.display(),
            partial.display()
        ))
    };
    match std::fs::hard_link(partial, out) {
        Ok(()) => std::fs::remove_file(partial).map_err(io(partial)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) if out.exists() => Err(exists()),
        Err(_) => std::fs::rename(partial, out).map_err(io(out)),
    }
}

/// The partial file a run appends to.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// A CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

impl Line<'_> {
    fn code(&self, serial: &str) -> Result<String, BulkError> {
        let mut data = self.template.clone();
        data.insert("21", serial).map_err(|e| BulkError::Invalid(format!("serial {serial}: {e}")))?;
        Ok(self.issuer.issue(data)?)
    }

    /// CSV lines for `serials`, in order, signed on `threads` threads (and
    /// their proofs, when `proofs` and a directory is set).
    fn sign(&self, serials: &[String], proofs: bool) -> Result<String, BulkError> {
        let per = serials.len().div_ceil(self.threads.max(1)).max(1);
        let parts: Vec<Result<String, BulkError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = serials
                .chunks(per)
                .map(|part| {
                    scope.spawn(move || {
                        let mut text = String::with_capacity(part.len() * 160);
                        for serial in part {
                            let code = self.code(serial)?;
                            if let Some(dir) = self.svg_dir.as_ref().filter(|_| proofs) {
                                let svg = crate::render::render_svg(&code)
                                    .map_err(|e| BulkError::Invalid(format!("{serial}: {e}")))?;
                                let path = dir.join(format!("{serial}.svg"));
                                std::fs::write(&path, svg).map_err(io(&path))?;
                            }
                            text.push_str(&csv_field(serial));
                            text.push(',');
                            text.push_str(&csv_field(&code));
                            text.push('\n');
                        }
                        Ok(text)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| Err(BulkError::Invalid("a signing thread panicked".into())))
                })
                .collect()
        });
        parts.into_iter().collect()
    }
}

/// Reads serials a line-management system provides: one per line, blank
/// lines skipped, each checked as a GS1 serial before anything is reserved.
pub fn read_serials(path: &Path) -> Result<Vec<String>, BulkError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut serials = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io(path))?;
        let serial = line.trim();
        if serial.is_empty() {
            continue;
        }
        let mut probe =
            Gs1Data::new(genuine_format::gs1::Gtin::parse("04012345000009").expect("a valid GTIN"));
        probe
            .insert("21", serial)
            .map_err(|e| BulkError::Invalid(format!("{}:{}: {e}", path.display(), n + 1)))?;
        serials.push(serial.to_string());
    }
    Ok(serials)
}

/// Checks the partial file of `run` against the journal, cuts a torn last
/// line, and returns how many codes it holds and the hash of them so far.
/// Every line must be exactly what this run prints for the serial reserved
/// at its place (codes are re-derived: Ed25519 is deterministic), so a file
/// edited while the run was down is refused, not continued.
fn check_partial(
    journal: &Journal,
    run: &Run,
    line: &Line<'_>,
    partial: &Path,
    missing: MissingPartial,
) -> Result<(u64, Sha256), BulkError> {
    let mut hasher = Sha256::new();
    let mut file = match std::fs::OpenOptions::new().read(true).write(true).open(partial) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && missing == MissingPartial::Deleted => {
            return Ok((0, hasher));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BulkError::Invalid(format!(
                "{} is missing. If it went to a printer, its serials may be printed: give the run up \
                 (--abandon {id}; they stay taken) and start a new one. If it was deleted unprinted, \
                 write the run again from its first serial with --resume {id} --partial-deleted",
                partial.display(),
                id = run.id
            )));
        }
        Err(e) => return Err(io(partial)(e)),
    };
    let mismatch = |at: u64| {
        BulkError::Invalid(format!(
            "{} does not match run {} of the journal (line {}): abandon the run with --abandon {}",
            partial.display(),
            run.id,
            at + 1,
            run.id
        ))
    };
    let mut reader = BufReader::new(&mut file);
    let (mut lines, mut good_bytes) = (0u64, 0u64);
    loop {
        // A chunk of complete lines as read, then as the run prints them.
        let (mut got, mut count, mut torn) = (String::new(), 0usize, false);
        while count < CHUNK {
            let mut one = String::new();
            let read = reader.read_line(&mut one).map_err(io(partial))?;
            if read == 0 {
                break;
            }
            if !one.ends_with('\n') {
                torn = true;
                break;
            }
            got.push_str(&one);
            count += 1;
        }
        if count == 0 {
            break;
        }
        let serials = journal.reserved(run.id, lines, count)?;
        if serials.len() < count {
            return Err(mismatch(lines + serials.len() as u64));
        }
        let expected = line.sign(&serials, false)?;
        if got != expected {
            let first = got.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
            return Err(mismatch(lines + first as u64));
        }
        hasher.update(got.as_bytes());
        lines += count as u64;
        good_bytes += got.len() as u64;
        if torn {
            break;
        }
    }
    drop(reader);
    file.set_len(good_bytes).map_err(io(partial))?;
    Ok((lines, hasher))
}

/// The next serials of a run: those reserved and not yet taken, else fresh
/// random ones, reserved (committed) before they are returned.
struct Serials<'j, 'r> {
    journal: &'j mut Journal,
    run: &'j Run,
    rng: Rng<'r>,
    taken: u64,
    reserved: u64,
}

impl Serials<'_, '_> {
    fn next(&mut self) -> Result<Vec<String>, BulkError> {
        loop {
            if self.taken >= self.run.count {
                return Ok(Vec::new());
            }
            let mut serials = self.journal.reserved(self.run.id, self.taken, CHUNK)?;
            if serials.is_empty() {
                let want = (self.run.count - self.reserved).min(CHUNK as u64) as usize;
                let fresh = (0..want).map(|_| random_serial(SERIAL_LEN, self.rng)).collect();
                serials = self.journal.reserve_fresh(self.run.id, &self.run.gtin, fresh)?;
                self.reserved += serials.len() as u64;
            }
            let room = (self.run.count - self.taken) as usize;
            serials.truncate(room);
            if !serials.is_empty() {
                self.taken += serials.len() as u64;
                return Ok(serials);
            }
        }
    }
}

/// Writes (or, after an interruption, continues) `run` to its output, under
/// the output's lock: `count` codes, with serials from the journal's
/// reservations and then fresh random ones from `rng`. The journal reserves
/// the next chunk while the threads sign the current one. A new run's
/// partial file exists (empty) before this is called; a resumed run's must
/// still exist, unless `missing` says it was deleted.
pub fn write_run(
    journal: &mut Journal,
    run: &Run,
    line: &Line<'_>,
    rng: Rng<'_>,
    now: u64,
    _held: &OutputLock,
    missing: MissingPartial,
) -> Result<BulkReport, BulkError> {
    let out = PathBuf::from(&run.out);
    let partial = partial_path(&out);
    let (mut written, mut hasher) = check_partial(journal, run, line, &partial, missing)?;
    let reserved = journal.run(run.id)?.reserved;
    let mut file =
        std::fs::OpenOptions::new().create(true).append(true).open(&partial).map_err(io(&partial))?;
    let mut serials = Serials { journal, run, rng, taken: written, reserved };
    let mut current = serials.next()?;
    while !current.is_empty() {
        let (text, following) = std::thread::scope(|scope| {
            let signing = scope.spawn(|| line.sign(&current, true));
            let following = serials.next();
            let text = signing.join().unwrap_or_else(|_| Err(BulkError::Invalid("signing panicked".into())));
            (text, following)
        });
        let text = text?;
        file.write_all(text.as_bytes()).map_err(io(&partial))?;
        hasher.update(text.as_bytes());
        written += current.len() as u64;
        current = following?;
    }
    file.sync_all().map_err(io(&partial))?;
    drop(file);
    let sha256 = genuine_format::keys::hex(&hasher.finalize());
    publish(&partial, &out, run.id)?;
    journal.finish(run.id, &sha256, now)?;
    let done = journal.run(run.id)?;
    let (first_serial, last_serial) = done.first_last.unwrap_or_default();
    Ok(BulkReport { run: run.id, codes: written, out: run.out.clone(), sha256, first_serial, last_serial })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_field("https://t.example/01/1"), "https://t.example/01/1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(partial_path(Path::new("dir/codes.csv")), Path::new("dir/codes.csv.partial"));
    }
}
