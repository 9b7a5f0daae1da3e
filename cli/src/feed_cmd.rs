//! The feed: queue revocations, publish static files, serve them for
//! development, and sync a store from a feed URL.

use crate::now_secs as unix_now;
use crate::state::StateArgs;
use crate::{CliError, TrustArgs};
use genuine_format::revocation::ListKind;
use genuine_issuer::filters::Universe;
use genuine_issuer::journal::Journal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum RevokeAction {
    /// Revoke one code (GTIN + serial)
    Code {
        #[command(flatten)]
        code: CodeArgs,
    },
    /// Report a code seen copied onto other items
    Cloned {
        #[command(flatten)]
        code: CodeArgs,
    },
    /// Recall a batch (GTIN + batch)
    Batch {
        #[command(flatten)]
        brand: BrandArg,
        /// GTIN of the product (8, 12, 13 or 14 digits)
        #[arg(long)]
        gtin: String,
        /// The batch or lot (AI 10)
        #[arg(long)]
        batch: String,
    },
    /// Revoke many codes from a file: one code, or GTIN,serial (GTIN,batch
    /// with --reason recalled), a line; every one must be in the issuance
    /// journal, or nothing is revoked
    Codes {
        #[command(flatten)]
        brand: BrandArg,
        /// The file of codes
        #[arg(long)]
        from: PathBuf,
        /// Which list: stolen (revoked), cloned, or recalled (by batch)
        #[arg(long, value_enum, default_value_t = Reason::Stolen)]
        reason: Reason,
        /// The issuance journal (default: genuine-journal.db beside the state file)
        #[arg(long)]
        journal: Option<PathBuf>,
    },
    /// Revoke a claim key online, through the brand's revocation lists (the
    /// revoker key signs; reaches phones at the next `genuine feed publish`
    /// and sync). The keyset itself is unchanged: see `genuine key revoke`.
    Key {
        #[command(flatten)]
        brand: BrandArg,
        /// The key's kid
        #[arg(long)]
        kid: u16,
    },
}

/// The brand an action is for.
#[derive(clap::Args)]
pub struct BrandArg {
    /// Brand id (as given to `genuine brand add --id`)
    #[arg(long = "brand", value_name = "BRAND")]
    pub id: String,
}

/// One code: its brand, GTIN and serial.
#[derive(clap::Args)]
pub struct CodeArgs {
    #[command(flatten)]
    brand: BrandArg,
    /// GTIN of the product (8, 12, 13 or 14 digits)
    #[arg(long)]
    gtin: String,
    /// The code's serial (AI 21)
    #[arg(long)]
    serial: String,
}

#[derive(clap::Subcommand)]
pub enum FeedAction {
    /// Sign pending revocations and write the whole feed as static files
    Publish {
        /// Output directory (serve it from any CDN)
        #[arg(long, default_value = "feed")]
        out: PathBuf,
        /// Hours until the timestamp expires
        #[arg(long, default_value_t = 24)]
        ttl_hours: u64,
        /// Also write a full base of every brand's lists now
        #[arg(long)]
        base: bool,
        /// Fold each brand's lists into exact filters over the serials its
        /// closed keys signed (read from the issuance journal), with a new
        /// base: a schedule of the brand's choosing, e.g. weekly
        #[arg(long)]
        fold: bool,
        /// The issuance journal for --fold (default: genuine-journal.db beside the state file)
        #[arg(long)]
        journal: Option<PathBuf>,
        #[command(flatten)]
        output: crate::OutputArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Serve a feed directory over HTTP, for development; with a landing page
    /// in it (`genuine site build`), product paths get the page
    Serve {
        /// The directory `feed publish` (and `site build`) wrote
        dir: PathBuf,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
}

pub fn revoke(action: RevokeAction, state: &StateArgs) -> Result<ExitCode, CliError> {
    let mut a = state.load()?;
    let gtin = |g: &str| genuine_issuer::authority::parse_gtin(g).map_err(CliError::msg);
    let (brand, what) = match &action {
        RevokeAction::Code { code: CodeArgs { brand: BrandArg { id: brand }, gtin: g, serial } } => {
            a.revoke(brand, ListKind::Revoked, &gtin(g)?, serial).map_err(CliError::msg)?;
            (brand, format!("code {g}/{serial} revoked"))
        }
        RevokeAction::Cloned { code: CodeArgs { brand: BrandArg { id: brand }, gtin: g, serial } } => {
            a.revoke(brand, ListKind::Cloned, &gtin(g)?, serial).map_err(CliError::msg)?;
            (brand, format!("code {g}/{serial} reported cloned"))
        }
        RevokeAction::Batch { brand: BrandArg { id: brand }, gtin: g, batch } => {
            a.revoke(brand, ListKind::Recalled, &gtin(g)?, batch).map_err(CliError::msg)?;
            (brand, format!("batch {g}/{batch} recalled"))
        }
        RevokeAction::Codes { brand: BrandArg { id: brand }, from, reason, journal } => {
            let entries = codes_from(from, brand, *reason, journal.as_deref(), state)?;
            a.revoke_entries(brand, reason.list(), &entries).map_err(CliError::msg)?;
            let n = entries.len();
            (brand, format!("{n} {} {}", if n == 1 { "entry" } else { "entries" }, reason.done()))
        }
        RevokeAction::Key { brand: BrandArg { id: brand }, kid } => {
            a.revoke_key_online(brand, *kid).map_err(CliError::msg)?;
            (brand, format!("key {kid} revoked"))
        }
    };
    state.save(&a)?;
    println!("brand '{brand}': {what}; run `genuine feed publish` to ship it");
    Ok(ExitCode::SUCCESS)
}

/// Where `genuine issue` keeps its journal by default.
fn journal_beside(state: &StateArgs) -> PathBuf {
    state.state.with_file_name("genuine-journal.db")
}

/// The revocation file's entries, every line checked against the journal.
fn codes_from(
    from: &Path,
    brand: &str,
    reason: Reason,
    journal: Option<&Path>,
    state: &StateArgs,
) -> Result<Vec<u64>, CliError> {
    // Ten million codes of 150 characters: well under this.
    const MAX_FILE: u64 = 4 << 30;
    let named = |e: &dyn std::fmt::Display| CliError::msg(format!("--from {}: {e}", from.display()));
    let meta = std::fs::metadata(from).map_err(|e| named(&e))?;
    // A device or a pipe has no length to check: only regular files.
    if !meta.is_file() {
        return Err(named(&"not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(from)
        .and_then(|f| std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_FILE + 1), &mut text))
        .map_err(|e| named(&e))?;
    if text.len() as u64 > MAX_FILE {
        return Err(named(&format!("over {} GiB", MAX_FILE >> 30)));
    }
    // A spreadsheet's export may start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let path = journal.map_or_else(|| journal_beside(state), Path::to_path_buf);
    if !path.is_file() {
        return Err(CliError::msg(format!(
            "{}: no issuance journal; revoking from a file checks every code against it (give it with --journal)",
            path.display()
        )));
    }
    let j = Journal::open(&path).map_err(CliError::msg)?;
    genuine_issuer::revoke_file::read(text, brand, reason.into(), &j)
        .map_err(|e| CliError::msg(format!("--from {}: {e}; nothing was revoked", from.display())))
}

/// Why codes in a file are revoked.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Reason {
    /// Stolen or withdrawn: revoked
    Stolen,
    /// Copied onto other items
    Cloned,
    /// Their batch is recalled
    Recalled,
}

impl Reason {
    fn list(self) -> ListKind {
        genuine_issuer::revoke_file::Reason::from(self).list()
    }

    fn done(self) -> &'static str {
        match self {
            Reason::Stolen => "revoked",
            Reason::Cloned => "reported cloned",
            Reason::Recalled => "recalled (by batch)",
        }
    }
}

impl From<Reason> for genuine_issuer::revoke_file::Reason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::Stolen => Self::Stolen,
            Reason::Cloned => Self::Cloned,
            Reason::Recalled => Self::Recalled,
        }
    }
}

pub fn feed(action: FeedAction) -> Result<ExitCode, CliError> {
    match action {
        FeedAction::Publish { out, ttl_hours, base, fold, journal, output, state } => {
            let mut a = state.load()?;
            let now = unix_now();
            let mut universes = BTreeMap::new();
            if fold {
                let path = journal.unwrap_or_else(|| journal_beside(&state));
                if !path.is_file() {
                    return Err(CliError::msg(format!(
                        "{}: no issuance journal; --fold reads the serials the closed keys signed from it \
                         (give it with --journal)",
                        path.display()
                    )));
                }
                let j = Journal::open(&path).map_err(CliError::msg)?;
                let id = j.id().map_err(CliError::msg)?;
                // A brand or key that cannot be folded safely is left on
                // exact entries, said why, and the publish goes on.
                for brand in a.brands.keys() {
                    let kids = match a.foldable_keys(brand, &id, now) {
                        Ok(kids) => kids,
                        Err(why) => {
                            eprintln!("genuine: brand '{brand}' not folded: {why}");
                            continue;
                        }
                    };
                    let mut u = Vec::new();
                    for kid in kids {
                        match Universe::from_journal(&j, brand, kid) {
                            Ok(universe) => u.push(universe),
                            Err(e) => eprintln!("genuine: brand '{brand}' key {kid} not folded: {e}"),
                        }
                    }
                    universes.insert(brand.clone(), u);
                }
            }
            let report = a
                .publish_folding(&out, now, ttl_hours * 3600, base, &mut universes)
                .map_err(CliError::msg)?;
            state.save(&a)?;
            if output.json {
                println!("{}", serde_json::to_string(&report).map_err(CliError::msg)?);
            } else {
                let entries: usize = report.deltas.iter().map(|d| d.entries).sum();
                println!(
                    "published feed v{} to {}: {} file(s), {} delta(s) with {} revocation {}, {} base(s)",
                    report.version,
                    out.display(),
                    report.files,
                    report.deltas.len(),
                    entries,
                    if entries == 1 { "entry" } else { "entries" },
                    report.bases.len()
                );
                for f in &report.filters {
                    println!(
                        "brand '{}': {} entries folded into {} filter block(s) of {} bytes at base {}",
                        f.brand_id, f.covered, f.blocks, f.bytes, f.seq
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedAction::Serve { dir, addr } => serve(&dir, &addr),
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::msg)
}

fn serve(dir: &Path, addr: &str) -> Result<ExitCode, CliError> {
    if !dir.join("v1/timestamp").is_file() {
        return Err(CliError::msg(format!(
            "{}: no v1/timestamp; run `genuine feed publish` first",
            dir.display()
        )));
    }
    runtime()?.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| CliError::msg(format!("{addr}: {e}")))?;
        let local = listener.local_addr().map_err(CliError::msg)?;
        // Print the bound address first: tests and scripts read it (port 0 picks one).
        println!("serving {} at http://{local}/", dir.display());
        // Heads and bodies go out in separate writes: without NODELAY, Nagle
        // and delayed ACKs add 40 ms to a file (a CDN's server sets it too).
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, site_router(dir))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(CliError::msg)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The feed's files as they are (a missing one is a 404: sync relies on it),
/// the page's own files under `/genuine/`, and the landing page for every
/// other path: a product's `/01/{gtin}/...` under any prefix (docs/WEB.md
/// gives the same rule for CDNs).
fn site_router(dir: &Path) -> axum::Router {
    use axum::http::{HeaderValue, header};
    use tower_http::services::{ServeDir, ServeFile};
    let page = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
    axum::Router::new()
        .nest_service("/v1", ServeDir::new(dir.join("v1")))
        .nest_service("/genuine", ServeDir::new(dir.join("genuine")))
        .fallback_service(page)
        .layer(axum::middleware::map_response(|mut res: axum::response::Response| async move {
            let h = res.headers_mut();
            // Feed files are public: a page on another host may read them.
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            // What a <meta> policy cannot say: no site may frame the page.
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
            // A development server: every load sees the files as they are now
            // (a CDN caches the immutable ones: docs/WEB.md).
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }))
}

pub fn sync(feed_url: &str, json: bool, trust: &TrustArgs) -> Result<ExitCode, CliError> {
    let mut store = crate::verify_cmd::open_store(trust)?;
    let report =
        genuine::open::sync_feed(&mut store, feed_url, genuine::device_now()).map_err(CliError::msg)?;
    if json {
        println!("{}", serde_json::to_string(&report).map_err(CliError::msg)?);
    } else {
        let changed: usize = report.revocations.iter().map(|r| r.entries).sum();
        println!(
            "synced timestamp v{}: {} root(s), {} brand record(s), {} keyset(s), {} revocation {}; {} bytes in {} file(s){}",
            report.timestamp_version,
            report.trust.roots_added.len(),
            report.trust.brands_updated.len(),
            report.trust.keysets_updated.len(),
            changed,
            if changed == 1 { "entry" } else { "entries" },
            report.bytes_fetched,
            report.files_fetched,
            if report.not_modified { " (not modified)" } else { "" }
        );
        // One brand's refused documents never stop the others: say which.
        for refused in &report.refused {
            println!("skipped brand {}: {}", refused.brand_id, refused.reason);
        }
    }
    Ok(ExitCode::SUCCESS)
}
