//! `genuine issue`: one code for a try, or a packaging line's run to a CSV.
//! Either way every serial goes through the issuance journal first.

use crate::CliError;
use crate::now_secs as unix_now;
use crate::secret_files::rng;
use crate::state::StateArgs;
use genuine_format::gs1::Gs1Data;
use genuine_issuer::Authority;
use genuine_issuer::authority::{CodeIssuer, random_serial};
use genuine_issuer::bulk::{self, BulkError, Line, MissingPartial, OutputLock};
use genuine_issuer::journal::{Journal, JournalError, NewRun, Run, decode_elements, encode_elements};
use genuine_issuer::render;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct IssueArgs {
    /// Brand id (as given to `genuine brand add --id`)
    #[arg(long, value_name = "BRAND", required_unless_present_any = ["resume", "abandon"])]
    brand: Option<String>,
    /// GTIN-8, -12, -13 or -14
    #[arg(long, required_unless_present_any = ["resume", "abandon"])]
    gtin: Option<String>,
    /// Serial (default: 10 random characters without look-alikes)
    #[arg(long, conflicts_with_all = ["count", "serials"])]
    serial: Option<String>,
    /// Batch or lot
    #[arg(long)]
    batch: Option<String>,
    /// Expiry date, YYMMDD
    #[arg(long)]
    expiry: Option<String>,
    /// Another GS1 attribute as AI=VALUE (repeatable)
    #[arg(long = "attr")]
    attrs: Vec<String>,
    /// Sign with this kid (default: the newest key allowed now)
    #[arg(long)]
    kid: Option<u16>,
    /// Host to print (default: the brand's first)
    #[arg(long)]
    host: Option<String>,
    /// Issue even if over the 152-character budget or outside the key's window
    #[arg(long)]
    force: bool,
    /// Write the code as .png or .svg; with --count or --serials, the .csv
    /// of serials and codes
    #[arg(long)]
    out: Option<PathBuf>,
    /// Issue this many codes with random serials to the --out CSV
    #[arg(long, conflicts_with = "serials")]
    count: Option<u64>,
    /// Issue one code per serial in this file (one per line) to the --out CSV
    #[arg(long)]
    serials: Option<PathBuf>,
    /// Also write each code as <serial>.svg into this directory (proofs)
    #[arg(long)]
    svg_dir: Option<PathBuf>,
    /// Threads that sign [default: every core]
    #[arg(long)]
    threads: Option<usize>,
    /// Issuance journal [default: genuine-journal.db beside the state file]
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Continue an interrupted run (its number, as the refusal said)
    #[arg(long, conflicts_with_all = ["count", "serials", "serial", "abandon"])]
    resume: Option<i64>,
    /// Give up an interrupted run: its partial file is removed and its
    /// serials stay taken (some may be printed)
    #[arg(long, conflicts_with_all = ["count", "serials", "serial"])]
    abandon: Option<i64>,
    /// With --resume: the run's partial file was deleted unprinted, so
    /// write the run again from its first serial (if it went to a printer,
    /// --abandon the run instead)
    #[arg(long, requires = "resume")]
    partial_deleted: bool,
}

/// What `issue --out` writes, known before anything is signed or printed.
enum Output {
    Stdout,
    Svg(PathBuf),
    Png(PathBuf),
    Csv(PathBuf),
}

impl IssueArgs {
    fn bulk(&self) -> bool {
        self.count.is_some() || self.serials.is_some()
    }

    fn output(&self) -> Result<Output, CliError> {
        let Some(out) = &self.out else {
            return if self.bulk() {
                Err(CliError::msg("--count and --serials write a CSV: give --out codes.csv"))
            } else {
                Ok(Output::Stdout)
            };
        };
        let ext = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match (ext.as_deref(), self.bulk()) {
            (Some("csv"), true) => Ok(Output::Csv(out.clone())),
            (_, true) => Err(CliError::msg(format!("--out {}: a run is written as .csv", out.display()))),
            (Some("svg"), false) => Ok(Output::Svg(out.clone())),
            (Some("png"), false) => Ok(Output::Png(out.clone())),
            _ => Err(CliError::msg(format!("--out {}: must end in .png or .svg", out.display()))),
        }
    }

    /// The product data every code shares: everything but the serial.
    fn template(&self) -> Result<Gs1Data, CliError> {
        let gtin = self.gtin.as_deref().ok_or_else(|| CliError::msg("--gtin is required"))?;
        let mut data = Gs1Data::new(genuine_issuer::authority::parse_gtin(gtin).map_err(CliError::msg)?);
        let mut elements: Vec<(&str, &str)> = Vec::new();
        elements.extend(self.batch.as_deref().map(|b| ("10", b)));
        elements.extend(self.expiry.as_deref().map(|e| ("17", e)));
        for attr in &self.attrs {
            let pair = attr.split_once('=');
            elements.push(pair.ok_or_else(|| CliError::msg(format!("--attr {attr}: expected AI=VALUE")))?);
        }
        for (ai, v) in elements {
            if ai == "21" {
                return Err(CliError::msg("the serial is --serial, --count or --serials, not --attr 21"));
            }
            data.insert(ai, v).map_err(CliError::msg)?;
        }
        Ok(data)
    }

    /// The journal's record of a run of `count` codes of `template` to `out`.
    fn new_run<'a>(
        &'a self,
        issuer: &CodeIssuer<'_>,
        template: &'a Gs1Data,
        elements: &'a str,
        count: u64,
        out: &'a str,
    ) -> Result<NewRun<'a>, CliError> {
        Ok(NewRun {
            brand: self.brand()?,
            kid: issuer.kid(),
            gtin: template.gtin().as_str(),
            batch: self.batch.as_deref(),
            host: self.host.as_deref().unwrap_or(""),
            elements,
            count,
            out,
        })
    }

    fn brand(&self) -> Result<&str, CliError> {
        self.brand.as_deref().ok_or_else(|| CliError::msg("--brand is required"))
    }
}

fn journal_error(e: JournalError) -> CliError {
    CliError::msg(e)
}

fn bulk_error(e: BulkError) -> CliError {
    CliError::msg(e)
}

pub fn issue(args: IssueArgs, state: &StateArgs) -> Result<ExitCode, CliError> {
    let journal_path =
        args.journal.clone().unwrap_or_else(|| state.state.with_file_name("genuine-journal.db"));
    if let Some(run) = args.abandon {
        return abandon(&journal_path, run);
    }
    // Everything a person can get wrong is refused before anything is signed.
    let output = if args.resume.is_some() { None } else { Some(args.output()?) };
    let template = if args.resume.is_some() { None } else { Some(args.template()?) };
    let mut a = state.load()?;
    let mut journal = Journal::open(&journal_path).map_err(journal_error)?;
    // The key that signs issues through this journal only: a fold must see
    // every serial a key signed (docs/FORMAT.md §2.3).
    let (brand, kid) = match (&template, args.resume) {
        (Some(t), _) => {
            let brand = args.brand()?;
            let issuer = a
                .code_issuer(brand, t.gtin(), args.kid, args.host.as_deref(), unix_now(), args.force)
                .map_err(CliError::msg)?;
            (brand.to_string(), issuer.kid())
        }
        (None, id) => {
            let run = journal.run(id.unwrap_or_default()).map_err(journal_error)?;
            (run.brand, run.kid)
        }
    };
    if a.bind_journal(&brand, kid, &journal.id().map_err(journal_error)?).map_err(CliError::msg)? {
        state.save(&a)?;
    }
    match (output, template) {
        (Some(Output::Csv(out)), Some(template)) => start_run(&args, &a, &mut journal, template, &out),
        (Some(output), Some(template)) => issue_one(&args, &a, &mut journal, template, output),
        _ => {
            let id = args.resume.unwrap_or_default();
            let lock = run_lock(&journal, id)?;
            // Read under the lock: a run finished meanwhile is not resumed.
            let run = journal.run(id).map_err(journal_error)?;
            if run.state != "open" {
                return Err(CliError::msg(format!("run {} is {}, not interrupted", run.id, run.state)));
            }
            let missing = if args.partial_deleted { MissingPartial::Deleted } else { MissingPartial::Refuse };
            write_run(&args, &a, &mut journal, &run, lock, missing)
        }
    }
}

/// The lock of run `id`'s output, or a refusal naming the run if another
/// process holds it.
fn run_lock(journal: &Journal, id: i64) -> Result<OutputLock, CliError> {
    let run = journal.run(id).map_err(journal_error)?;
    OutputLock::take(Path::new(&run.out)).map_err(bulk_error)?.ok_or_else(|| {
        CliError::msg(format!(
            "run {id} is being written by another process: let it finish, or stop it first"
        ))
    })
}

fn abandon(journal_path: &Path, id: i64) -> Result<ExitCode, CliError> {
    let mut journal = Journal::open(journal_path).map_err(journal_error)?;
    let lock = run_lock(&journal, id)?;
    let run = journal.abandon(id, unix_now()).map_err(journal_error)?;
    let partial = bulk::partial_path(Path::new(&run.out));
    match std::fs::remove_file(&partial) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(CliError::msg(format!("{}: {e}", partial.display()))),
    }
    lock.release();
    println!(
        "run {} abandoned: {} removed; its {} serials stay taken and are never issued again",
        run.id,
        partial.display(),
        run.reserved
    );
    Ok(ExitCode::SUCCESS)
}

fn issue_one(
    args: &IssueArgs,
    a: &Authority,
    journal: &mut Journal,
    template: Gs1Data,
    output: Output,
) -> Result<ExitCode, CliError> {
    let now = unix_now();
    let issuer = a
        .code_issuer(args.brand()?, template.gtin(), args.kid, args.host.as_deref(), now, args.force)
        .map_err(CliError::msg)?;
    let out = match &output {
        Output::Svg(p) | Output::Png(p) | Output::Csv(p) => p.display().to_string(),
        Output::Stdout => "-".to_string(),
    };
    let elements = encode_elements(template.elements().filter(|(ai, _)| *ai != "01"));
    let new = args.new_run(&issuer, &template, &elements, 1, &out)?;
    // A typed serial is refused if issued before; a random one is drawn again.
    let mut tries = 0;
    let (run, url) = loop {
        let serial = args.serial.clone().unwrap_or_else(|| random_serial(bulk::SERIAL_LEN, &mut rng));
        let mut data = template.clone();
        data.insert("21", &serial).map_err(CliError::msg)?;
        let url = issuer.issue(data).map_err(CliError::msg)?;
        match journal.begin(&new, &[serial], now) {
            Ok(run) => break (run, url),
            Err(JournalError::Duplicate { .. }) if args.serial.is_none() && tries < 8 => tries += 1,
            Err(e) => return Err(journal_error(e)),
        }
    };
    journal.finish(run, &genuine_format::keys::hex(&sha2_of(url.as_bytes())), now).map_err(journal_error)?;
    println!("{url}");
    let bytes = match &output {
        Output::Svg(_) => Some(render::render_svg(&url).map_err(CliError::msg)?.into_bytes()),
        Output::Png(_) => {
            let img = render::render_luma(&url, 8).map_err(CliError::msg)?;
            Some(render::png(&img.pixels, img.size as u32, img.size as u32).map_err(CliError::msg)?)
        }
        Output::Stdout | Output::Csv(_) => None,
    };
    if let (Some(bytes), Output::Svg(path) | Output::Png(path)) = (bytes, &output) {
        std::fs::write(path, bytes).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        eprintln!("wrote {} ({} characters)", path.display(), url.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn sha2_of(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn start_run(
    args: &IssueArgs,
    a: &Authority,
    journal: &mut Journal,
    template: Gs1Data,
    out: &Path,
) -> Result<ExitCode, CliError> {
    let out = &bulk::canonical_output(out).map_err(bulk_error)?;
    let lock = OutputLock::take(out)
        .map_err(bulk_error)?
        .ok_or_else(|| CliError::msg(format!("{} is being written by another process", out.display())))?;
    if out.exists() {
        return Err(CliError::msg(format!("{} exists; a run never overwrites printed codes", out.display())));
    }
    let given = match &args.serials {
        Some(path) => bulk::read_serials(path).map_err(bulk_error)?,
        None => Vec::new(),
    };
    let count = args.count.unwrap_or(given.len() as u64);
    if count == 0 {
        return Err(CliError::msg("nothing to issue: --count 0 or an empty serials file"));
    }
    let issuer = a
        .code_issuer(args.brand()?, template.gtin(), args.kid, args.host.as_deref(), unix_now(), args.force)
        .map_err(CliError::msg)?;
    // The longest serial of the run must fit the budget: checked on a probe
    // code (signed, never printed) before any serial is reserved.
    let longest = given.iter().map(String::len).max().unwrap_or(bulk::SERIAL_LEN);
    let mut probe = template.clone();
    probe.insert("21", &"W".repeat(longest)).map_err(CliError::msg)?;
    issuer.issue(probe).map_err(CliError::msg)?;
    let elements = encode_elements(template.elements().filter(|(ai, _)| *ai != "01"));
    let partial = bulk::partial_path(out);
    let out = out.display().to_string();
    if let Some(open) = journal.open_run_for(&out).map_err(journal_error)? {
        return Err(CliError::msg(format!(
            "run {id} writing {out} was interrupted ({} serials reserved): resume it with --resume {id} \
             or give it up with --abandon {id}",
            open.reserved,
            id = open.id
        )));
    }
    // The partial file exists before any serial is reserved, so a resume
    // that finds none knows it was taken away.
    if std::fs::metadata(&partial).is_ok_and(|m| m.len() > 0) {
        return Err(CliError::msg(format!(
            "{} holds codes of no open run of the journal: move it aside first",
            partial.display()
        )));
    }
    std::fs::write(&partial, b"").map_err(|e| CliError::msg(format!("{}: {e}", partial.display())))?;
    let new = args.new_run(&issuer, &template, &elements, count, &out)?;
    let id = match journal.begin(&new, &given, unix_now()) {
        Ok(id) => id,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(journal_error(e));
        }
    };
    drop(given);
    let run = journal.run(id).map_err(journal_error)?;
    write_run(args, a, journal, &run, lock, MissingPartial::Refuse)
}

fn write_run(
    args: &IssueArgs,
    a: &Authority,
    journal: &mut Journal,
    run: &Run,
    lock: OutputLock,
    missing: MissingPartial,
) -> Result<ExitCode, CliError> {
    let gtin = genuine_issuer::authority::parse_gtin(&run.gtin).map_err(CliError::msg)?;
    let mut template = Gs1Data::new(gtin);
    for (ai, value) in decode_elements(&run.elements) {
        template.insert(&ai, &value).map_err(CliError::msg)?;
    }
    let host = (!run.host.is_empty()).then_some(run.host.as_str());
    let issuer = a
        .code_issuer(&run.brand, template.gtin(), Some(run.kid), host, unix_now(), args.force)
        .map_err(CliError::msg)?;
    if let Some(dir) = &args.svg_dir {
        std::fs::create_dir_all(dir).map_err(|e| CliError::msg(format!("{}: {e}", dir.display())))?;
    }
    let threads =
        args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let line = Line { issuer: &issuer, template, threads, svg_dir: args.svg_dir.clone() };
    let report =
        bulk::write_run(journal, run, &line, &mut rng, unix_now(), &lock, missing).map_err(bulk_error)?;
    lock.release();
    println!(
        "run {}: {} codes in {} (serials {} to {}), sha256 {}",
        report.run, report.codes, report.out, report.first_serial, report.last_serial, report.sha256
    );
    Ok(ExitCode::SUCCESS)
}
