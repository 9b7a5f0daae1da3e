//! `genuine verify`, `import` and `status`: the shopper's side, offline.

use crate::report;
use crate::{CliError, StoreArgs, TrustArgs};
use genuine::line::VerdictLine;
use genuine::open;
use genuine::photo::scan_photo;
use genuine::{Scanner, Store, TrustAnchor, device_now};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEMO_ANCHOR: &str = include_str!("../demo/anchor.txt");
const DEMO_BUNDLE: &[u8] = include_bytes!("../demo/trust.bundle");

/// The default store for `anchor`: one per anchor, so that changing
/// anchors never needs `--db` (a store is pinned to the anchor it was made
/// with). The demo anchor's is `genuine.db`, as it always was; another
/// anchor's is `genuine-<its id>.db`, unless an existing `genuine.db` is
/// already pinned to it (a store made before there was one per anchor).
fn default_db(anchor: &TrustAnchor) -> Result<PathBuf, CliError> {
    let dirs = directories::ProjectDirs::from("", "", "genuine")
        .ok_or_else(|| CliError::msg("no home directory: pass --db FILE"))?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir).map_err(|e| CliError::msg(format!("{}: {e}", dir.display())))?;
    let legacy = dir.join("genuine.db");
    if anchor.to_text() == demo_anchor()?.to_text() {
        return Ok(legacy);
    }
    // Opening a store pins an empty file to the anchor: only probe a store.
    let made = std::fs::metadata(&legacy).is_ok_and(|m| m.is_file() && m.len() > 0);
    if made && Store::open(&legacy, anchor).is_ok() {
        return Ok(legacy);
    }
    Ok(dir.join(format!("genuine-{}.db", anchor_id(anchor))))
}

/// A short name for an anchor: the first 8 bytes of SHA-256 over its text.
fn anchor_id(anchor: &TrustAnchor) -> String {
    use sha2::Digest;
    genuine_format::keys::hex(&sha2::Sha256::digest(anchor.to_text().as_bytes())[..8])
}

fn demo_anchor() -> Result<TrustAnchor, CliError> {
    TrustAnchor::from_text(DEMO_ANCHOR).map_err(|e| CliError::msg(format!("the embedded demo anchor: {e}")))
}

/// Opens the store for these arguments and imports the bundle they name.
pub fn open_store(trust: &TrustArgs) -> Result<Store, CliError> {
    open_store_with(&trust.store, trust.bundle.as_deref()).map(|(store, _)| store)
}

/// Opens the store for these arguments, imports the bundle they name, and
/// says where the store is (for a service that opens it again per thread).
pub fn open_store_at(trust: &TrustArgs) -> Result<(Store, PathBuf), CliError> {
    open_store_with(&trust.store, trust.bundle.as_deref())
}

/// The anchor and bundle these arguments name: the files given, or the
/// embedded demo trust (saying so) when there is no `--anchor`.
fn trust_material(
    anchor: Option<&Path>,
    bundle: Option<&Path>,
) -> Result<(TrustAnchor, Option<Vec<u8>>), CliError> {
    let Some(path) = anchor else {
        if bundle.is_some() {
            return Err(CliError::msg("--bundle needs the --anchor it was made for"));
        }
        // Out of the box, but never silently: these keys are public.
        eprintln!(
            "genuine: trusting the public demo keys (no --anchor given); \
             pass --anchor and --bundle for a real trust anchor"
        );
        return Ok((demo_anchor()?, Some(DEMO_BUNDLE.to_vec())));
    };
    let anchor = TrustAnchor::from_text(&read_text("--anchor", path)?)
        .map_err(|e| CliError::msg(format!("--anchor {}: {e}", path.display())))?;
    Ok((anchor, bundle.map(|b| read_option("--bundle", b)).transpose()?))
}

fn say_notes(notes: &[open::OpenNote]) {
    for note in notes {
        eprintln!("genuine: {note}");
    }
}

/// Opens the store and imports `bundle` (the demo bundle with the demo anchor).
fn open_store_with(store: &StoreArgs, bundle: Option<&Path>) -> Result<(Store, PathBuf), CliError> {
    let (anchor, bundle) = trust_material(store.anchor.as_deref(), bundle)?;
    let db = match &store.db {
        Some(db) => db.clone(),
        None => default_db(&anchor)?,
    };
    let opened = open::open_store_for(&anchor, bundle.as_deref(), &db, device_now()).map_err(|e| match e {
        open::OpenError::AnchorMismatch { db } => CliError::msg(format!(
            "{} trusts a different root: give another --db FILE (a store is pinned to the anchor it was made with)",
            db.display()
        )),
        e => CliError::msg(e),
    })?;
    say_notes(&opened.notes);
    Ok((opened.store, db))
}

/// A new phone's store, in memory, with the trust these files name: what an
/// app holds on its first launch.
pub fn fresh_phone(anchor: Option<&Path>, bundle: Option<&Path>) -> Result<Store, CliError> {
    let (anchor, bundle) = trust_material(anchor, bundle)?;
    let mut store = Store::open_in_memory(&anchor).map_err(CliError::msg)?;
    say_notes(&open::import(&mut store, bundle.as_deref(), device_now()).map_err(CliError::msg)?);
    Ok(store)
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    open::read_file(path).map_err(CliError::msg)
}

/// Reads the file an option named; a failure names the option, and for the
/// trust files, the command that writes them.
fn read_option(option: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| option_error(option, path, e))
}

fn read_text(option: &str, path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| option_error(option, path, e))
}

fn option_error(option: &str, path: &Path, e: std::io::Error) -> CliError {
    let hint = match (option, e.kind()) {
        ("--anchor", std::io::ErrorKind::NotFound) => " (`genuine bundle --anchor-out FILE` writes one)",
        ("--bundle", std::io::ErrorKind::NotFound) => " (`genuine bundle --out FILE` writes one)",
        _ => "",
    };
    CliError::msg(format!("{option} {}: {e}{hint}", path.display()))
}

/// What `verify` was given.
pub enum Input {
    /// A code's text.
    Text(String),
    /// An image file with codes in it.
    Image(PathBuf),
}

impl Input {
    /// A URL is a code's text; anything else must be an image file that
    /// exists (a mistyped path is an error, not "not a genuine code").
    pub fn guess(input: String) -> Result<Input, CliError> {
        if input.contains("://") && !Path::new(&input).exists() {
            return Ok(Input::Text(input));
        }
        Input::image(PathBuf::from(input))
    }

    /// An image file: it must exist and be a file.
    pub fn image(path: PathBuf) -> Result<Input, CliError> {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(Input::Image(path)),
            Ok(_) => Err(CliError::msg(format!("{}: is a directory, not an image file", path.display()))),
            Err(e) => Err(CliError::msg(format!(
                "{}: {e} (give a code's URL, an image file, or --text for other text)",
                path.display()
            ))),
        }
    }

    fn name(&self) -> String {
        match self {
            Input::Text(text) => text.clone(),
            Input::Image(path) => path.display().to_string(),
        }
    }
}

/// The codes to verify: the text itself, or every QR code in the image file.
pub fn codes_in(input: &Input) -> Result<Vec<String>, CliError> {
    let path = match input {
        Input::Text(text) => return Ok(vec![text.clone()]),
        Input::Image(path) => path,
    };
    let name = path.display();
    let bytes = genuine::photo::read_photo(path).map_err(|e| CliError::msg(format!("{name}: {e}")))?;
    let found = scan_photo(&mut Scanner::new(), &bytes).map_err(|e| CliError::msg(format!("{name}: {e}")))?;
    let codes: Vec<String> = found.into_iter().map(|c| c.text).collect();
    if codes.is_empty() {
        return Err(CliError::msg(format!("{name}: no QR code found in the image")));
    }
    Ok(codes)
}

/// The exit status of a verify: 0 every code authentic, 3 authentic
/// signatures of which one or more on a link the brand never registered (a
/// script that accepts on 0 must not accept a phishing link, and may want to
/// tell it from a fake), 1 any other verdict (2 is an error).
pub const EXIT_LOOK_ALIKE: u8 = 3;

pub fn verify(input: &Input, json: bool, trust: &TrustArgs) -> Result<ExitCode, CliError> {
    let codes = codes_in(input)?;
    let input = input.name();
    let store = open_store(trust)?;
    let demo = trust.store.anchor.is_none();
    let (mut not_authentic, mut look_alike) = (false, false);
    for (i, text) in codes.iter().enumerate() {
        let verdict = genuine::verify(&store, text, device_now()).map_err(CliError::msg)?;
        let card = genuine::wording::describe(&verdict);
        match &verdict {
            genuine::Verdict::Authentic(_) if card.tone == genuine::wording::Tone::LookAlikeLink => {
                look_alike = true;
            }
            genuine::Verdict::Authentic(_) => {}
            _ => not_authentic = true,
        }
        if json {
            println!("{}", VerdictLine::new(&input, text, &verdict).to_json());
        } else {
            if codes.len() > 1 {
                println!("code {} of {}:", i + 1, codes.len());
            }
            print!("{}", report::human(&verdict, text, demo));
        }
    }
    Ok(match (not_authentic, look_alike) {
        (true, _) => ExitCode::from(1),
        (false, true) => ExitCode::from(EXIT_LOOK_ALIKE),
        (false, false) => ExitCode::SUCCESS,
    })
}

pub fn import(file: &Path, json: bool, store: &StoreArgs) -> Result<ExitCode, CliError> {
    // With an anchor of its own, nothing else is imported first; without
    // one, the demo trust comes first (the file must be of that world).
    let (mut opened, _) = open_store_with(store, None)?;
    let report = opened.import_bundle(&read(file)?, device_now()).map_err(CliError::msg)?;
    if json {
        println!("{}", serde_json::to_string(&report).map_err(CliError::msg)?);
    } else {
        let updated = report.brands_updated.len() + report.keysets_updated.len();
        println!(
            "imported {}: {} root(s) added, {updated} document(s) updated, {} unchanged, {} refused",
            file.display(),
            report.roots_added.len(),
            report.unchanged,
            report.refused.len()
        );
        for refused in &report.refused {
            println!("  refused  brand '{}': {}", refused.brand_id, refused.error);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn status(json: bool, trust: &TrustArgs) -> Result<ExitCode, CliError> {
    let store = open_store(trust)?;
    let summary = store.summary(device_now()).map_err(CliError::msg)?;
    if json {
        println!("{}", serde_json::to_string(&summary).map_err(CliError::msg)?);
        return Ok(ExitCode::SUCCESS);
    }
    match summary.root_version {
        Some(v) => println!("root        v{v}"),
        None => println!("root        none: import a bundle"),
    }
    println!("time floor  {}", report::date(summary.time_floor));
    match (summary.timestamp_version, summary.last_timestamp, summary.timestamp_expires) {
        (Some(v), Some(at), Some(exp)) => println!(
            "last sync   timestamp v{v} signed {}, expires {}; {}",
            report::date(at),
            report::date(exp),
            report::freshness(&summary.freshness)
        ),
        _ => println!("last sync   never: {}", report::freshness(&summary.freshness)),
    }
    for b in &summary.brands {
        let keyset = b.keyset_version.map_or("none".to_string(), |v| format!("v{v}"));
        let lists = b.revocation_seq.map_or("not synced".to_string(), |s| format!("seq {s}"));
        println!(
            "brand       {} ({}): record v{}, keyset {keyset}, {} key(s), revocation lists {lists}",
            b.name, b.brand_id, b.record_version, b.claim_keys
        );
    }
    Ok(ExitCode::SUCCESS)
}
