//! Shared pieces of Genuine's end-to-end tests: the deterministic demo world
//! that the committed fixtures, test vectors and the CLI's embedded bundle are
//! made from, and helpers to build stores from it.

pub mod demo;
pub mod files;

use std::path::PathBuf;

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
