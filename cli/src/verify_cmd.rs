//! `genuine verify`, `import` and `status`: the shopper's side, offline.

use crate::report;
use crate::{CliError, StoreArgs, TrustArgs};
use genuine::line::VerdictLine;
use genuine::open;
use genuine::photo::scan_photo;
use genuine::{Scanner, Store, device_now};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEMO_ANCHOR: &str = include_str!("../demo/anchor.txt");
const DEMO_BUNDLE: &[u8] = include_bytes!("../demo/trust.bundle");

fn default_db() -> Result<PathBuf, CliError> {
    let dirs = directories::ProjectDirs::from("", "", "genuine")
        .ok_or_else(|| CliError::msg("no home directory: pass --db"))?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir).map_err(|e| CliError::msg(format!("{}: {e}", dir.display())))?;
    Ok(dir.join("genuine.db"))
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

/// Opens the store and imports `bundle` (the demo bundle with the demo anchor).
fn open_store_with(store: &StoreArgs, bundle: Option<&Path>) -> Result<(Store, PathBuf), CliError> {
    let (anchor_text, bundle) = match (&store.anchor, bundle) {
        (Some(anchor), bundle) => (read_text(anchor)?, bundle.map(read).transpose()?),
        (None, None) => {
            // Out of the box, but never silently: these keys are public.
            eprintln!(
                "genuine: trusting the public demo keys (no --anchor given); \
                 pass --anchor and --bundle for a real trust anchor"
            );
            (DEMO_ANCHOR.to_string(), Some(DEMO_BUNDLE.to_vec()))
        }
        (None, Some(_)) => {
            return Err(CliError::msg("--bundle needs the --anchor it was made for"));
        }
    };
    let db = match &store.db {
        Some(db) => db.clone(),
        None => default_db()?,
    };
    let opened =
        open::open_store(&anchor_text, bundle.as_deref(), &db, device_now()).map_err(CliError::msg)?;
    for note in &opened.notes {
        eprintln!("genuine: {note}");
    }
    Ok((opened.store, db))
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    open::read_file(path).map_err(CliError::msg)
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
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
fn codes_in(input: &Input) -> Result<Vec<String>, CliError> {
    let path = match input {
        Input::Text(text) => return Ok(vec![text.clone()]),
        Input::Image(path) => path,
    };
    let name = path.display();
    let found =
        scan_photo(&mut Scanner::new(), &read(path)?).map_err(|e| CliError::msg(format!("{name}: {e}")))?;
    let codes: Vec<String> = found.into_iter().map(|c| c.text).collect();
    if codes.is_empty() {
        return Err(CliError::msg(format!("{name}: no QR code found in the image")));
    }
    Ok(codes)
}

pub fn verify(input: &Input, json: bool, trust: &TrustArgs) -> Result<ExitCode, CliError> {
    let codes = codes_in(input)?;
    let input = input.name();
    let store = open_store(trust)?;
    let mut all_authentic = true;
    for (i, text) in codes.iter().enumerate() {
        let verdict = genuine::verify(&store, text, device_now()).map_err(CliError::msg)?;
        all_authentic &= matches!(verdict, genuine::Verdict::Authentic(_));
        if json {
            println!("{}", VerdictLine::new(&input, text, &verdict).to_json());
        } else {
            if codes.len() > 1 {
                println!("code {} of {}:", i + 1, codes.len());
            }
            print!("{}", report::human(&verdict, text));
        }
    }
    Ok(if all_authentic { ExitCode::SUCCESS } else { ExitCode::from(1) })
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
