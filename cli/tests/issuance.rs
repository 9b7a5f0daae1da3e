//! Serialised issuance for a packaging line, through the CLI: every code in
//! the CSV verifies, no serial is issued twice, and a run killed mid-way
//! leaves a journal and files that agree (then resumes or is abandoned).

#[path = "common/run.rs"]
mod run;
use run::{ok, refused, tea_brand as brand};

use genuine_issuer::journal::Journal;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

/// (serial, code) of each complete line.
fn lines(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            let (serial, code) = l.split_once(',').unwrap();
            (serial.to_string(), code.to_string())
        })
        .collect()
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    genuine_format::keys::hex(&sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

const LINE: [&str; 8] = ["issue", "--brand", "tea", "--gtin", "4012345000009", "--batch", "L7", "--out"];

#[test]
fn a_run_prints_each_serial_once_and_every_code_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    let said = ok(d, &[&LINE[..], &["run.csv", "--count", "3000", "--svg-dir", "proofs"]].concat());
    // Outputs are named by their canonical path.
    let canonical = d.canonicalize().unwrap().join("run.csv");
    assert!(said.starts_with(&format!("run 1: 3000 codes in {} ", canonical.display())), "{said}");
    let codes = lines(&d.join("run.csv"));
    assert_eq!(codes.len(), 3000);
    let serials: HashSet<&str> = codes.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(serials.len(), 3000, "a serial printed twice");
    assert!(
        serials
            .iter()
            .all(|s| s.len() == 10 && s.bytes().all(|b| b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(&b)))
    );
    assert_eq!(std::fs::read_dir(d.join("proofs")).unwrap().count(), 3000);

    // The journal has the run, done, with the hash of the file as written.
    let journal = Journal::open(&d.join("genuine-journal.db")).unwrap();
    let run = journal.run(1).unwrap();
    assert_eq!((run.state.as_str(), run.count, run.reserved), ("done", 3000, 3000));
    assert_eq!(run.sha256.as_deref(), Some(sha256_hex(&d.join("run.csv")).as_str()));
    assert_eq!(run.first_last, Some((codes[0].0.clone(), codes[2999].0.clone())));

    // Every code verifies GENUINE, with its own serial and the run's batch.
    ok(d, &["bundle"]);
    let anchor = genuine_format::trust::TrustAnchor::from_text(
        &std::fs::read_to_string(d.join("anchor.txt")).unwrap(),
    )
    .unwrap();
    let mut store = genuine::Store::open(&d.join("g.db"), &anchor).unwrap();
    store.import_bundle(&std::fs::read(d.join("trust.bundle")).unwrap(), genuine::device_now()).unwrap();
    for (serial, code) in &codes {
        let verdict = genuine::verify(&store, code, genuine::device_now()).unwrap();
        let genuine::Verdict::Authentic(authentic) = &verdict else { panic!("{code}: {verdict:?}") };
        assert_eq!(authentic.product.serial.as_deref(), Some(serial.as_str()));
        assert_eq!(authentic.product.batch.as_deref(), Some("L7"));
    }

    // No serial is issued twice: not from a file, not typed, not within a file.
    std::fs::write(d.join("line.txt"), format!("NEW00001\n{}\nNEW00002\n", codes[17].0)).unwrap();
    refused(d, &[&LINE[..], &["again.csv", "--serials", "line.txt"]].concat(), "already issued");
    assert!(!d.join("again.csv").exists() && !d.join("again.csv.partial").exists());
    refused(
        d,
        &["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", &codes[5].0],
        "already issued",
    );
    std::fs::write(d.join("twice.txt"), "NEW00001\nNEW00001\n").unwrap();
    refused(d, &[&LINE[..], &["twice.csv", "--serials", "twice.txt"]].concat(), "already issued");
    // Nothing of the refused runs was kept: their fresh serials are free.
    std::fs::write(d.join("fresh.txt"), "NEW00001\nNEW00002\n").unwrap();
    ok(d, &[&LINE[..], &["fresh.csv", "--serials", "fresh.txt"]].concat());
    assert_eq!(
        lines(&d.join("fresh.csv")).iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        ["NEW00001", "NEW00002"]
    );
    // GS1 serials may hold ',' and '"': the CSV quotes them.
    std::fs::write(d.join("odd.txt"), "A,B\nQ\"1\n").unwrap();
    ok(d, &[&LINE[..], &["odd.csv", "--serials", "odd.txt"]].concat());
    let odd = std::fs::read_to_string(d.join("odd.csv")).unwrap();
    assert!(odd.starts_with("\"A,B\",https://") && odd.contains("\n\"Q\"\"1\","), "{odd}");
    // The same serial under another GTIN is another product: allowed.
    ok(d, &["issue", "--brand", "tea", "--gtin", "4012345000016", "--serial", &codes[5].0]);
    // A run never overwrites printed codes, and --out must be a CSV.
    refused(d, &[&LINE[..], &["run.csv", "--count", "5"]].concat(), "exists");
    refused(d, &[&LINE[..], &["run.png", "--count", "5"]].concat(), ".csv");
}

#[test]
fn a_killed_run_leaves_journal_and_file_in_agreement_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    let partial = d.join("big.csv.partial");
    killed_run(d, "big.csv", "60000");
    assert!(!d.join("big.csv").exists(), "an unfinished run must not look finished");

    // Every complete line of the partial file is a serial the journal
    // reserved for this run, in order.
    let journal = Journal::open(&d.join("genuine-journal.db")).unwrap();
    let run = journal.run(1).unwrap();
    assert_eq!(run.state, "open");
    let text = std::fs::read_to_string(&partial).unwrap();
    let complete: Vec<&str> = text.split_inclusive('\n').filter(|l| l.ends_with('\n')).collect();
    assert!(!complete.is_empty() && (complete.len() as u64) <= run.reserved && complete.len() < 60_000);
    let reserved = journal.reserved(1, 0, complete.len()).unwrap();
    for (line, serial) in complete.iter().zip(&reserved) {
        assert!(line.starts_with(&format!("{serial},")), "{line} is not {serial}");
    }
    drop(journal);

    // The run blocks its file until resumed; resuming finishes it exactly.
    refused(d, &[&LINE[..], &["big.csv", "--count", "10"]].concat(), "--resume 1");
    // A code edited while the run was down (same serial, another signature)
    // is refused, not continued: every line is re-derived and compared.
    let original = std::fs::read(&partial).unwrap();
    let mut edited = original.clone();
    let sig = edited.windows(5).position(|w| w == b"?sig=").unwrap() + 8;
    edited[sig] = if edited[sig] == b'A' { b'B' } else { b'A' };
    std::fs::write(&partial, &edited).unwrap();
    refused(d, &["issue", "--resume", "1"], "does not match run 1 of the journal (line 1)");
    std::fs::write(&partial, &original).unwrap();
    // A torn last line (the kill hit mid-write) is cut, not kept.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&partial)
        .unwrap()
        .write_all(b"TORN,https://t.exa")
        .unwrap();
    let said = ok(d, &["issue", "--resume", "1"]);
    let canonical = d.canonicalize().unwrap().join("big.csv");
    assert!(said.starts_with(&format!("run 1: 60000 codes in {} ", canonical.display())), "{said}");
    let codes = lines(&d.join("big.csv"));
    assert_eq!(codes.len(), 60_000);
    assert_eq!(codes.iter().map(|(s, _)| s.as_str()).collect::<HashSet<_>>().len(), 60_000);
    assert!(codes.iter().all(|(s, c)| c.contains(&format!("/10/L7/21/{s}?sig="))));
    let journal = Journal::open(&d.join("genuine-journal.db")).unwrap();
    let run = journal.run(1).unwrap();
    assert_eq!((run.state.as_str(), run.reserved), ("done", 60_000));
    assert_eq!(run.sha256.as_deref(), Some(sha256_hex(&d.join("big.csv")).as_str()));
    drop(journal);

    // Or given up: the partial file goes, the serials stay taken.
    killed_run(d, "other.csv", "60000");
    let taken = lines_prefix(&d.join("other.csv.partial"));
    ok(d, &["issue", "--abandon", "2"]);
    assert!(!d.join("other.csv.partial").exists());
    refused(d, &["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", &taken], "already issued");
    refused(d, &["issue", "--resume", "2"], "abandoned");
}

/// The first serial of a partial file.
fn lines_prefix(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.split(',').next().unwrap().to_string()
}

use std::io::Write;

/// Starts a run of `count` codes to `out` and kills it once its partial
/// file holds something.
fn killed_run(d: &Path, out: &str, count: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_genuine"))
        .args([&LINE[..], &[out, "--count", count, "--threads", "1"]].concat())
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let partial = d.join(format!("{out}.partial"));
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) == 0 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Issue 30, finding 4: two `issue --resume N` of one killed run both
/// appended (32k-52k serials printed twice, the journal's hash not the
/// file's); the loser failed on "database is locked" only after writing.
#[test]
fn two_resumes_of_one_run_never_print_a_serial_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    killed_run(d, "big.csv", "100000");
    let resume = || {
        Command::new(env!("CARGO_BIN_EXE_genuine"))
            .args(["issue", "--resume", "1", "--threads", "1"])
            .current_dir(d)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (resume(), resume());
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    let outcomes =
        [&first, &second].map(|o| (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned()));
    let written = [d.join("big.csv"), d.join("big.csv.partial")];
    let codes: Vec<(String, String)> = written.iter().filter(|p| p.exists()).flat_map(|p| lines(p)).collect();
    let distinct = codes.iter().map(|(s, _)| s.as_str()).collect::<HashSet<_>>().len();
    assert_eq!(codes.len(), distinct, "{} serials printed twice", codes.len() - distinct);
    let won = outcomes.iter().filter(|(code, _)| *code == Some(0)).count();
    assert_eq!(won, 1, "exactly one resume writes the run: {outcomes:?}");
    let (_, lost) = outcomes.iter().find(|(code, _)| *code == Some(2)).expect("the other is refused");
    // Refused before writing anything: the run is busy (or, had the winner
    // already finished, done).
    assert!(
        lost.contains("run 1 is being written by another process") || lost.contains("run 1 is done"),
        "{lost}"
    );
    assert_eq!(codes.len(), 100_000);
    let run = Journal::open(&d.join("genuine-journal.db")).unwrap().run(1).unwrap();
    assert_eq!(run.sha256.as_deref(), Some(sha256_hex(&d.join("big.csv")).as_str()));
}

/// Issue 30, finding 10: a resume that found no partial file counted it
/// as "0 written" (a partial moved to the printer, then resumed: its
/// serials in both files); a resume renamed over a finished file; and
/// `a.csv` and `./a.csv` were two outputs.
#[test]
fn a_run_resumes_only_onto_its_own_partial_file_and_never_over_another() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    killed_run(d, "a.csv", "60000");
    // One output by any spelling: the run blocks ./a.csv and sub/../a.csv too.
    std::fs::create_dir(d.join("sub")).unwrap();
    for spelling in ["./a.csv", "sub/../a.csv"] {
        refused(d, &[&LINE[..], &[spelling, "--count", "10"]].concat(), "--resume 1");
    }
    // The partial file went to the printer: a resume must not start again.
    let partial = d.join("a.csv.partial");
    std::fs::rename(&partial, d.join("printing.csv")).unwrap();
    refused(d, &["issue", "--resume", "1"], "a.csv.partial is missing");
    assert!(!partial.exists() && !d.join("a.csv").exists(), "a refused resume writes nothing");
    // Told that it was deleted unprinted, the run writes its serials again from the first.
    std::fs::remove_file(d.join("printing.csv")).unwrap();
    ok(d, &["issue", "--resume", "1", "--partial-deleted"]);
    let codes = lines(&d.join("a.csv"));
    assert_eq!(codes.len(), 60_000);
    let journal = Journal::open(&d.join("genuine-journal.db")).unwrap();
    assert_eq!(journal.reserved(1, 0, 1).unwrap()[0], codes[0].0, "the same serials, from the first");
    drop(journal);
    // A file that appeared where a run ends is never replaced.
    killed_run(d, "b.csv", "60000");
    std::fs::write(d.join("b.csv"), "someone else's file\n").unwrap();
    refused(d, &["issue", "--resume", "2"], "b.csv exists");
    assert_eq!(std::fs::read_to_string(d.join("b.csv")).unwrap(), "someone else's file\n");
    assert!(d.join("b.csv.partial").exists(), "the run's codes are kept for a resume");
}
