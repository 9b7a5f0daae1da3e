//! Running the `genuine` binary in a test's directory: what several CLI test
//! files share (each includes this file with `#[path]`).

use std::path::Path;
use std::process::{Command, Output};

/// `genuine ARGS` in `dir`.
pub fn genuine(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genuine")).args(args).current_dir(dir).output().expect("run genuine")
}

/// `genuine ARGS` in `dir`, which must succeed: its standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = genuine(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `genuine ARGS` in `dir`, which must be refused (exit 2) saying `words`.
#[allow(dead_code)] // not every file that includes this refuses something
pub fn refused(dir: &Path, args: &[&str], words: &str) {
    let o = genuine(dir, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?} should be refused: {err}");
    assert!(err.contains(words), "{args:?}: {err}");
}

/// An operator and the brand "tea" (prefix 4012345, host t.example) with a
/// claim key, in `dir`.
#[allow(dead_code)] // not every file that includes this needs a brand
pub fn tea_brand(dir: &Path) {
    ok(dir, &["root", "init"]);
    ok(
        dir,
        &["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"],
    );
    ok(dir, &["key", "new", "--brand", "tea"]);
}
