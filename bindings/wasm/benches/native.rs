//! The native side of the landing page's benchmark (`bindings/wasm/web-tests/bench.mjs`
//! runs it and prints one table with Chromium's side): microseconds per
//! verify of the demo codes, best of three runs, through
//! - the CLI's path: `genuine verify` over a SQLite store holding the bundle
//!   (`genuine_verify::verify`, then the card and `--json`'s serialisation);
//! - the page's code natively: the wasm crate's `Session::verify` over memory
//!   (verify, card, notes, JSON), the very function Chromium runs as WebAssembly.
//!
//! `cargo bench -p genuine-wasm --bench native` prints one JSON line; under
//! `cargo test` (no `--bench`) it runs a few iterations only.

use genuine_format::UnixTime;
use genuine_tests::demo;
use genuine_wasm::Session;
use std::time::Instant;

fn best_of_three(iterations: u32, mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let iterations = if std::env::args().any(|a| a == "--bench") { 200 } else { 2 };
    let a = demo::authority();
    let now = UnixTime::from_secs(genuine::device_now().as_secs());
    let texts: Vec<String> = demo::fixtures(&a).into_iter().map(|f| f.text).collect();
    let bundle = a.bundle().expect("bundle");

    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = genuine::Store::open(&dir.path().join("genuine.db"), &a.anchor).expect("store");
    store.import(&bundle, now).expect("import");
    let cli = best_of_three(iterations, || {
        for text in &texts {
            let verdict = genuine::verify(&store, text, now).expect("verify");
            let card = genuine::wording::describe(&verdict);
            let line = serde_json::json!({ "text": text, "result": verdict, "card": card });
            std::hint::black_box(line.to_string());
        }
    }) / texts.len() as f64;

    let session = Session::open(&a.anchor.to_text(), &bundle.encode(), now).expect("session");
    let page = best_of_three(iterations, || {
        for text in &texts {
            std::hint::black_box(session.verify(text, now).expect("verify"));
        }
    }) / texts.len() as f64;
    println!("{}", serde_json::json!({ "cli_sqlite_us": cli, "page_native_us": page, "codes": texts.len() }));
}
