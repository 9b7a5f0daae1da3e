//! The misbehaving-server suite's feed, remote-controlled: the Kotlin SDK's
//! tests start it, read the feed URL from its first line of output, and
//! drive it over loopback (`/_lab/steps`, `/_lab/step/NAME`,
//! `/_lab/dump?db=PATH`; see `genuine_tests::lab`). It exits when its
//! standard input closes. With `--bench`, the feed is the sync speed
//! benchmark's (a 1,000,000-entry base; `SyncSpeedBench.kt`).
//! `cargo run -p genuine-tests --bin sync-lab [-- --bench]`

use genuine_tests::lab::{Lab, control};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let lab = Arc::new(Mutex::new(if bench { Lab::bench() } else { Lab::new() }));
    let server = lab.lock().unwrap_or_else(|e| e.into_inner()).server.clone();
    let remote = Arc::clone(&lab);
    server.set_control(Arc::new(move |request: &str| control(&remote, request)));
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", server.url);
    let _ = out.flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
