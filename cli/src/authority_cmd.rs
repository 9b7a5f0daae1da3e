//! Operator and brand tooling: root, brands, claim keys, issuing, bundles.
//! State (with secret seeds) lives in one JSON file, written atomically.

use crate::CliError;
use crate::now_secs as unix_now;
use crate::secret_files::{refuse_existing, rng};
use crate::state::StateArgs;
use genuine_issuer::authority::{Authority, BrandEdit};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DAY: u64 = 86_400;

#[derive(clap::Subcommand)]
pub enum RootAction {
    /// Create a new root and its anchor (refuses to overwrite a state file)
    Init {
        #[command(flatten)]
        root: RootKeysArgs,
    },
    /// Rotate to fresh root keys held in this state (signed by the old and
    /// the new keys); for keys held by several people see `root propose`
    Rotate {
        #[command(flatten)]
        root: RootKeysArgs,
    },
    /// Replace the online timestamp key (stolen or lost): the next root,
    /// same root keys, a fresh timestamp key
    ReplaceTimestampKey,
    /// Make a root key holder's key: a key file (owner-only) or, with
    /// --hsm-module, a key in their HSM and a file that only names it
    Keygen {
        /// Where to write the key file (refuses to overwrite)
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a root document for the holders to sign: a new root (and this
    /// state, holding only the online timestamp key) or, if the state
    /// exists, the next root
    Propose {
        /// A holder's public key, as `root keygen` printed it (repeatable)
        #[arg(long = "key", value_name = "HEX", required = true)]
        keys: Vec<String>,
        /// Root signatures required
        #[arg(long, default_value_t = 2)]
        threshold: u8,
        /// Years until the root expires
        #[arg(long, default_value_t = 10)]
        years: u64,
        /// Where to write the proposal
        #[arg(long, default_value = "root.proposal")]
        out: PathBuf,
    },
    /// Read a proposal (a root or a brand record) and add your signature
    Sign {
        /// The proposal file (signed in place unless --out is given)
        file: PathBuf,
        /// Your key file, from `root keygen`
        #[arg(long)]
        key: PathBuf,
        /// Write the signed copy here instead
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the holders' signed copies against the thresholds and install
    /// the root or brand record in the state
    Assemble {
        /// The signed copies of one proposal
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// The shape of a root: how many keys, how many must sign, how long it lives.
#[derive(clap::Args)]
pub struct RootKeysArgs {
    /// Number of root keys
    #[arg(long, default_value_t = 3)]
    keys: usize,
    /// Root signatures required
    #[arg(long, default_value_t = 2)]
    threshold: u8,
    /// Years until the root expires
    #[arg(long, default_value_t = 10)]
    years: u64,
}

#[derive(clap::Subcommand)]
pub enum BrandAction {
    /// Register a brand with its GS1 company prefixes and hosts
    Add {
        /// Brand id: lower-case letters, digits, '-'
        #[arg(long)]
        id: String,
        /// Name shown to shoppers
        #[arg(long)]
        name: String,
        /// GS1 company prefix (repeatable)
        #[arg(long = "prefix", required = true)]
        prefixes: Vec<String>,
        /// Host printed in the brand's codes (repeatable)
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// Number of master keys
        #[arg(long, default_value_t = 1)]
        masters: usize,
        /// Master signatures required
        #[arg(long, default_value_t = 1)]
        threshold: u8,
    },
    /// Change a brand's name, hosts or prefixes (a new record version)
    Edit {
        #[command(flatten)]
        brand: crate::feed_cmd::BrandArg,
        /// New name shown to shoppers
        #[arg(long)]
        name: Option<String>,
        /// Host to add (repeatable)
        #[arg(long)]
        add_host: Vec<String>,
        /// Host to remove (repeatable)
        #[arg(long)]
        remove_host: Vec<String>,
        /// Company prefix to add (repeatable)
        #[arg(long)]
        add_prefix: Vec<String>,
        /// Company prefix to remove (repeatable; no key may sign for it)
        #[arg(long)]
        remove_prefix: Vec<String>,
        /// Where phones that opted in send scan reports (https://; docs/CLONES.md)
        #[arg(long)]
        collector: Option<String>,
    },
    /// Remove a brand no bundle or feed has carried yet (a mistake)
    Remove {
        #[command(flatten)]
        brand: crate::feed_cmd::BrandArg,
    },
    /// Write a brand's record for the root's holders to sign (when the root
    /// keys are not in this state)
    Propose {
        #[command(flatten)]
        brand: crate::feed_cmd::BrandArg,
        /// Where to write the proposal
        #[arg(long, default_value = "brand.proposal")]
        out: PathBuf,
    },
}

#[derive(clap::Subcommand)]
pub enum KeyAction {
    /// Create a claim key
    New {
        #[command(flatten)]
        brand: crate::feed_cmd::BrandArg,
        /// Restrict to these prefixes (default: all of the brand's)
        #[arg(long = "prefix")]
        prefixes: Vec<String>,
        /// Days the key may sign
        #[arg(long, default_value_t = 90)]
        sign_days: u64,
        /// Days its codes stay verifiable after signing ends
        #[arg(long, default_value_t = 3 * 365)]
        shelf_days: u64,
    },
    /// Stop the current key signing and create its successor
    Rotate {
        #[command(flatten)]
        brand: crate::feed_cmd::BrandArg,
    },
    /// Revoke a key in the brand's keyset (offline: the masters sign a new
    /// keyset; ship it with `genuine bundle` or `genuine feed publish`).
    /// Every code it signed verifies as revoked. For a revocation through
    /// the online lists, without the masters, see `genuine revoke key`.
    Revoke {
        #[command(flatten)]
        brand: crate::feed_cmd::BrandArg,
        /// The key's kid (`genuine status` lists them)
        #[arg(long)]
        kid: u16,
    },
}

pub fn root(action: RootAction, state: &StateArgs) -> Result<ExitCode, CliError> {
    let now = unix_now();
    let a = match action {
        RootAction::Init { root: RootKeysArgs { keys, threshold, years } } => {
            refuse_existing(&state.state)?;
            Authority::create(state.token()?, keys, threshold, now + years * 365 * DAY, now, &mut rng)
                .map_err(CliError::msg)?
        }
        RootAction::Rotate { root: RootKeysArgs { keys, threshold, years } } => {
            let mut a = state.load()?;
            a.rotate_root(keys, threshold, now + years * 365 * DAY, now, &mut rng).map_err(CliError::msg)?;
            a
        }
        RootAction::ReplaceTimestampKey => {
            let mut a = state.load()?;
            a.replace_timestamp_key(now, &mut rng).map_err(CliError::msg)?;
            a
        }
        RootAction::Keygen { out } => return crate::ceremony_cmd::keygen(&out, state),
        RootAction::Propose { keys, threshold, years, out } => {
            return crate::ceremony_cmd::propose(&keys, threshold, now + years * 365 * DAY, &out, state);
        }
        RootAction::Sign { file, key, out } => {
            return crate::ceremony_cmd::sign(&file, &key, out.as_deref(), state);
        }
        RootAction::Assemble { files } => return crate::ceremony_cmd::assemble(&files, state),
    };
    state.save(&a)?;
    println!(
        "root v{} ({} of {} keys); state in {}",
        a.root.version,
        a.root.threshold,
        a.root.keys.len(),
        state.state.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn brand(action: BrandAction, state: &StateArgs) -> Result<ExitCode, CliError> {
    let mut a = state.load()?;
    match action {
        BrandAction::Add { id, name, prefixes, hosts, masters, threshold } => {
            a.add_brand(&id, &name, prefixes, hosts, masters, threshold, unix_now(), &mut rng)
                .map_err(CliError::msg)?;
            println!("brand '{id}' added; create its first key with `genuine key new --brand {id}`");
            if a.root_is_held() {
                println!("{}", holders_must_sign(&id));
            }
        }
        BrandAction::Edit {
            brand: crate::feed_cmd::BrandArg { id },
            name,
            add_host,
            remove_host,
            add_prefix,
            remove_prefix,
            collector,
        } => {
            let edit = BrandEdit {
                name,
                add_hosts: add_host,
                remove_hosts: remove_host,
                add_prefixes: add_prefix,
                remove_prefixes: remove_prefix,
                collector,
            };
            a.edit_brand(&id, edit, unix_now()).map_err(CliError::msg)?;
            let record = &a.brands[&id].record;
            println!(
                "brand '{id}' is now v{}: {} ({}; hosts {}); rebuild the bundle or publish the feed",
                record.version,
                record.name,
                record.company_prefixes.join(", "),
                record.hosts.join(", ")
            );
            if a.root_is_held() {
                println!("{}", holders_must_sign(&id));
            }
        }
        BrandAction::Remove { brand: crate::feed_cmd::BrandArg { id } } => {
            a.remove_brand(&id).map_err(CliError::msg)?;
            println!("brand '{id}' removed");
        }
        BrandAction::Propose { brand: crate::feed_cmd::BrandArg { id }, out } => {
            let env = a.propose_brand(&id).map_err(CliError::msg)?;
            crate::secret_files::write_new(&out, &env.encode())?;
            println!(
                "wrote {}: the root's holders sign it with `genuine root sign {}`",
                out.display(),
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    state.save(&a)?;
    Ok(ExitCode::SUCCESS)
}

/// Under a ceremony root, a brand record reaches no bundle or feed before
/// the root's holders sign it: the steps, as commands.
fn holders_must_sign(id: &str) -> String {
    format!(
        "the root's keys are held by its holders: before `genuine bundle` or `genuine feed publish`, \
         they sign this record: `genuine brand propose --brand {id}`, each holder \
         `genuine root sign brand.proposal --key THEIR.key --out brand.NAME`, then \
         `genuine root assemble brand.NAME...`"
    )
}

pub fn key(action: KeyAction, state: &StateArgs) -> Result<ExitCode, CliError> {
    let mut a = state.load()?;
    let now = unix_now();
    match action {
        KeyAction::New {
            brand: crate::feed_cmd::BrandArg { id: brand },
            prefixes,
            sign_days,
            shelf_days,
        } => {
            let prefixes = (!prefixes.is_empty()).then_some(prefixes);
            let until = now + sign_days * DAY;
            let kid = a
                .new_claim_key(&brand, prefixes, (now, until, until + shelf_days * DAY), now, &mut rng)
                .map_err(CliError::msg)?;
            println!(
                "brand '{brand}': key {kid} signs until {}",
                crate::report::date(genuine::UnixTime::from_secs(until))
            );
        }
        KeyAction::Rotate { brand: crate::feed_cmd::BrandArg { id: brand } } => {
            let kid = a.rotate_claim_key(&brand, now, &mut rng).map_err(CliError::msg)?;
            println!(
                "brand '{brand}': key {kid} now signs; earlier keys stopped signing; rebuild the bundle (or publish the feed) so phones know it"
            );
        }
        KeyAction::Revoke { brand: crate::feed_cmd::BrandArg { id: brand }, kid } => {
            a.revoke_claim_key(&brand, kid, now).map_err(CliError::msg)?;
            println!("brand '{brand}': key {kid} revoked; rebuild and ship the bundle");
        }
    }
    state.save(&a)?;
    Ok(ExitCode::SUCCESS)
}

pub fn bundle(out: &Path, anchor_out: &Path, state: &StateArgs) -> Result<ExitCode, CliError> {
    let mut a = state.load()?;
    a.check_prefixes().map_err(CliError::msg)?;
    let write =
        |p: &Path, b: &[u8]| std::fs::write(p, b).map_err(|e| CliError::msg(format!("{}: {e}", p.display())));
    write(out, &a.bundle().map_err(CliError::msg)?.encode())?;
    write(anchor_out, a.anchor.to_text().as_bytes())?;
    a.mark_published();
    state.save(&a)?;
    println!("wrote {} and {}", out.display(), anchor_out.display());
    Ok(ExitCode::SUCCESS)
}
