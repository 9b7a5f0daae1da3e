//! The brand tooling's state file, and the HSM its keys may live in.

use crate::CliError;
use genuine_issuer::Authority;
use genuine_issuer::keys::{KeyRef, Token};
use genuine_issuer::pkcs11::Pkcs11Token;
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable the HSM PIN is read from: never an argument,
/// where `ps` and the shell's history would show it.
pub const PIN_VAR: &str = "GENUINE_HSM_PIN";

/// Where brand tooling keeps its keys.
#[derive(clap::Args)]
pub struct StateArgs {
    /// Operator and brand state file: public documents and where each key
    /// lives (secret seeds only when no HSM is used: a demo)
    #[arg(long, global = true, default_value = "genuine-state.json")]
    pub state: PathBuf,
    /// PKCS#11 module of the HSM that holds the keys (new keys are made in
    /// it); the PIN is read from GENUINE_HSM_PIN
    #[arg(long, global = true, env = "GENUINE_HSM_MODULE", requires = "hsm_token")]
    pub hsm_module: Option<PathBuf>,
    /// Label of the HSM token (with --hsm-module)
    #[arg(long, global = true, env = "GENUINE_HSM_TOKEN", requires = "hsm_module")]
    pub hsm_token: Option<String>,
}

impl StateArgs {
    /// The HSM, opened and logged in, when one is given.
    pub fn token(&self) -> Result<Option<Arc<dyn Token>>, CliError> {
        let (Some(module), Some(label)) = (&self.hsm_module, &self.hsm_token) else { return Ok(None) };
        let pin = std::env::var(PIN_VAR).map_err(|_| {
            CliError::msg(format!("set {PIN_VAR} to the token's user PIN (never on the command line)"))
        })?;
        let token = Pkcs11Token::open(module, label, &pin).map_err(CliError::msg)?;
        Ok(Some(Arc::new(token)))
    }

    /// The state, with the HSM attached when one is given.
    pub fn load(&self) -> Result<Authority, CliError> {
        let path = &self.state;
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::msg(format!("{}: {e} (run `genuine root init` first)", path.display())))?;
        let mut a: Authority =
            serde_json::from_str(&text).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        a.token = self.token()?;
        Ok(a)
    }

    /// Writes the state atomically, readable by its owner only.
    pub fn save(&self, a: &Authority) -> Result<(), CliError> {
        let path = &self.state;
        // The file on disk before this write: did it hold seeds already?
        let had_seeds = std::fs::read_to_string(path)
            .ok()
            .map(|text| serde_json::from_str::<Authority>(&text).map_or(true, |old| holds_seeds(&old)))
            .unwrap_or(false);
        let json = serde_json::to_string_pretty(a).map_err(CliError::msg)?;
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        // It may hold secret seeds: owner-only from the moment it exists
        // (not chmod-ed after a world-readable write).
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&tmp)
            .and_then(|mut f| std::io::Write::write_all(&mut f, json.as_bytes()).and_then(|()| f.sync_all()))
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        // Once per file: when it first comes to hold a secret seed (made by
        // `root init`, or a first key made without the HSM), not on every
        // command that reads it.
        if !had_seeds && holds_seeds(a) {
            eprintln!(
                "genuine: demo keys: {} holds secret seeds; a real brand keeps its keys in an HSM \
                 (--hsm-module, docs/OPERATIONS.md)",
                path.display()
            );
        }
        Ok(())
    }
}

/// Whether any key of the state is a seed in the file (the demo backend).
fn holds_seeds(a: &Authority) -> bool {
    let brands = a.brands.values();
    let mut keys =
        a.root_keys.iter().chain(&a.timestamp_keys).chain(
            brands.flat_map(|b| b.master_keys.iter().chain(&b.revoker_keys).chain(b.claim_keys.values())),
        );
    keys.any(|k| matches!(k, KeyRef::Seed(_)))
}
