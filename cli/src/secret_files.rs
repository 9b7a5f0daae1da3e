//! Files that hold keys, and the randomness keys are made from: a key file
//! is never replaced and is written new, readable by its owner alone.

use crate::CliError;
use std::path::Path;

/// 32 bytes from the OS's random number generator.
pub fn rng() -> [u8; 32] {
    let mut seed = [0u8; 32];
    // No entropy means no keys: stopping here is the only safe choice.
    getrandom::fill(&mut seed).expect("the OS random number generator failed");
    seed
}

/// Never replaces a file that may hold keys.
pub fn refuse_existing(path: &Path) -> Result<(), CliError> {
    if path.exists() {
        return Err(CliError::msg(format!("{} exists; refusing to replace its keys", path.display())));
    }
    Ok(())
}

/// Writes a new file, owner-only, never replacing one.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, bytes).and_then(|()| f.sync_all()))
        .map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
}
