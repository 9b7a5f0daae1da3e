//! `genuine`: make keys, issue signed product codes, build trust bundles and
//! verify codes offline, from a URL or a photo.

mod authority_cmd;
mod ceremony_cmd;
mod collect_cmd;
mod decode_cmd;
mod feed_cmd;
mod issue_cmd;
mod report;
mod secret_files;
mod send_cmd;
mod site_cmd;
mod state;
mod verify_cmd;

use clap::{Parser, Subcommand};
use state::StateArgs;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "genuine", version, about = "Verify and issue Genuine product codes")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which store, pinned to which root keys.
#[derive(clap::Args)]
struct StoreArgs {
    /// SQLite store [default: genuine.db in the user's data directory]
    #[arg(long)]
    db: Option<PathBuf>,
    /// Pinned root keys (anchor file) [default: the embedded demo anchor]
    #[arg(long)]
    anchor: Option<PathBuf>,
}

/// Where trust comes from for commands that verify.
#[derive(clap::Args)]
struct TrustArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Trust bundle to import first [default: the embedded demo bundle, with the demo anchor]
    #[arg(long)]
    bundle: Option<PathBuf>,
}

/// How results are printed.
#[derive(clap::Args)]
struct OutputArgs {
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

/// What `verify` and `scan` exit with, for scripts (README.md says the same).
const VERIFY_EXIT: &str = "Exit status: 0 every code GENUINE; 3 a genuine signature on a LOOK-ALIKE LINK \
(a host the brand never registered: not to be accepted as genuine); 1 any other verdict (forged, revoked, \
unknown issuer, not a Genuine code, malformed); 2 an error";

#[derive(Subcommand)]
enum Command {
    /// Verify a code, given as its URL text or as an image file containing it
    #[command(after_help = VERIFY_EXIT)]
    Verify {
        /// A code's URL (anything with "://"), or a PNG/JPEG/WebP file
        input: String,
        /// Take INPUT as a code's text even if it is no URL
        #[arg(long)]
        text: bool,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Verify every code in a photo (same as `verify` on an image file)
    #[command(after_help = VERIFY_EXIT)]
    Scan {
        /// A PNG, JPEG or WebP file
        image: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Decode the QR codes in image files, without verifying
    Decode {
        /// Image files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per line per file (the benchmark's format)
        #[arg(long)]
        json: bool,
        /// Decoder to use (the others are for measuring)
        #[arg(long, value_enum, default_value = "full")]
        engine: decode_cmd::DecodeEngine,
        /// How hard to try on each file (live: as apps scan camera frames)
        #[arg(long, value_enum, default_value = "photo")]
        effort: decode_cmd::DecodeEffort,
    },
    /// Import a trust bundle into the store
    Import {
        /// The bundle file
        file: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show what the store trusts
    Status {
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Create or rotate the root, alone or in a ceremony of key holders (operator)
    Root {
        #[command(subcommand)]
        action: authority_cmd::RootAction,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Add, edit, remove a brand, or propose its record for the root to sign (operator)
    Brand {
        #[command(subcommand)]
        action: authority_cmd::BrandAction,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Create, rotate or revoke a brand's claim keys (brand)
    Key {
        #[command(subcommand)]
        action: authority_cmd::KeyAction,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Issue a signed code (PNG or SVG), or a run of codes to a CSV for a packaging line (brand)
    Issue {
        #[command(flatten)]
        args: Box<issue_cmd::IssueArgs>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Queue a revocation for the next feed publish (brand)
    Revoke {
        #[command(subcommand)]
        action: feed_cmd::RevokeAction,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Publish or serve the signed feed (operator)
    Feed {
        #[command(subcommand)]
        action: feed_cmd::FeedAction,
    },
    /// Build the brand's landing page, which verifies the code in the shopper's browser (brand)
    Site {
        #[command(subcommand)]
        action: site_cmd::SiteAction,
    },
    /// Fetch keys and revocations from a feed into the store
    Sync {
        /// The feed's base URL
        #[arg(long)]
        feed: String,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Run the brand's collector of scan reports and reports of fakes (brand)
    Collect {
        #[command(subcommand)]
        action: collect_cmd::CollectAction,
    },
    /// Serials that look copied: list them, approve them into the cloned list (brand)
    Clones {
        #[command(subcommand)]
        action: collect_cmd::ClonesAction,
    },
    /// Build the trust bundle and anchor file an app ships (operator)
    Bundle {
        /// Where to write the bundle
        #[arg(long, default_value = "trust.bundle")]
        out: PathBuf,
        /// Where to write the anchor (pinned root keys)
        #[arg(long, default_value = "anchor.txt")]
        anchor_out: PathBuf,
        #[command(flatten)]
        state: StateArgs,
    },
}

/// An error for a person: what went wrong and, where possible, what to do.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Anything with a message.
    #[error("{0}")]
    Message(String),
}

/// The device clock in unix seconds, as the issuer's tooling takes it.
pub fn now_secs() -> u64 {
    genuine::device_now().as_secs()
}

impl CliError {
    fn msg(s: impl std::fmt::Display) -> CliError {
        CliError::Message(s.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify { input, text, output, trust } => {
            let input =
                if text { Ok(verify_cmd::Input::Text(input)) } else { verify_cmd::Input::guess(input) };
            input.and_then(|input| verify_cmd::verify(&input, output.json, &trust))
        }
        Command::Scan { image, output, trust } => {
            verify_cmd::Input::image(image).and_then(|input| verify_cmd::verify(&input, output.json, &trust))
        }
        Command::Decode { files, json, engine, effort } => decode_cmd::decode(&files, json, engine, effort),
        Command::Import { file, output, store } => verify_cmd::import(&file, output.json, &store),
        Command::Status { output, trust } => verify_cmd::status(output.json, &trust),
        Command::Root { action, state } => authority_cmd::root(action, &state),
        Command::Brand { action, state } => authority_cmd::brand(action, &state),
        Command::Key { action, state } => authority_cmd::key(action, &state),
        Command::Issue { args, state } => issue_cmd::issue(*args, &state),
        Command::Revoke { action, state } => feed_cmd::revoke(action, &state),
        Command::Feed { action } => feed_cmd::feed(action),
        Command::Site { action } => site_cmd::site(action),
        Command::Sync { feed, output, trust } => feed_cmd::sync(&feed, output.json, &trust),
        Command::Collect { action } => collect_cmd::collect(action),
        Command::Clones { action } => collect_cmd::clones(action),
        Command::Bundle { out, anchor_out, state } => authority_cmd::bundle(&out, &anchor_out, &state),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("genuine: {e}");
            ExitCode::from(2)
        }
    }
}
