//! A throwaway SoftHSM2 token in a temp dir: a real PKCS#11 HSM for tests
//! and benchmarks (tests/run installs Debian's `softhsm2` when missing).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The token's user PIN (a throwaway token: nothing to protect).
pub const PIN: &str = "4321";
/// The token's label.
pub const LABEL: &str = "genuine-test";

/// A token that exists while this lives; its files go with the temp dir.
pub struct SoftHsm {
    dir: tempfile::TempDir,
    module: PathBuf,
}

/// Where distributions put SoftHSM2's module (`SOFTHSM2_MODULE` overrides).
fn module() -> PathBuf {
    if let Some(path) = std::env::var_os("SOFTHSM2_MODULE") {
        return PathBuf::from(path);
    }
    let candidates = [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
        "/opt/homebrew/lib/softhsm/libsofthsm2.so",
    ];
    let found = candidates.iter().map(PathBuf::from).find(|p| p.exists());
    found.expect("SoftHSM2 is not installed: tests/run installs Debian's softhsm2 (or set SOFTHSM2_MODULE)")
}

impl SoftHsm {
    /// Creates and initialises a fresh token labelled [`LABEL`].
    pub fn new() -> SoftHsm {
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).expect("token dir");
        let conf = dir.path().join("softhsm2.conf");
        let text = format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display());
        std::fs::write(&conf, text).expect("softhsm2.conf");
        let hsm = SoftHsm { dir, module: module() };
        let status = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", "87654321"])
            .env("SOFTHSM2_CONF", hsm.conf())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run softhsm2-util (tests/run installs softhsm2)");
        assert!(status.success(), "softhsm2-util --init-token failed");
        hsm
    }

    /// The configuration file SoftHSM2 reads from `SOFTHSM2_CONF`.
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    /// The PKCS#11 module to load.
    pub fn module(&self) -> &Path {
        &self.module
    }

    /// The environment a child process needs to use the token through
    /// `genuine --hsm-module … --hsm-token …`.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("SOFTHSM2_CONF".into(), self.conf().display().to_string()),
            ("GENUINE_HSM_MODULE".into(), self.module.display().to_string()),
            ("GENUINE_HSM_TOKEN".into(), LABEL.into()),
            ("GENUINE_HSM_PIN".into(), PIN.into()),
        ]
    }
}

impl Default for SoftHsm {
    fn default() -> Self {
        SoftHsm::new()
    }
}
