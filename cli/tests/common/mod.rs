//! What more than one of the CLI's test files needs.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `genuine feed serve DIR` on a free loopback port, run in `cwd`: the
/// server and its base URL (`http://127.0.0.1:PORT/`), once it is serving.
pub fn feed_serve(cwd: &Path, dir: &str) -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_genuine"))
        .args(["feed", "serve", dir, "--addr", "127.0.0.1:0"])
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .spawn()
        .expect("genuine feed serve");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut line).expect("read");
    let url = line.trim().rsplit(' ').next().unwrap_or("").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (server, url)
}
