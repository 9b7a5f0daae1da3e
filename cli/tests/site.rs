//! `genuine site build` and `genuine feed serve` on the result: the page's
//! files, its policy, and the rewrite that answers product paths with the
//! page while feed paths stay files (a missing one a 404, which sync needs).
//! The page itself runs in Chromium: bindings/wasm/web-tests/web.test.mjs.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

fn genuine(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genuine")).args(args).current_dir(dir).output().expect("run genuine")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = genuine(dir, args);
    assert!(o.status.success(), "genuine {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// One GET over a fresh connection: the status line, the head and the body.
fn get(addr: &str, path: &str) -> (String, String, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = head.lines().next().unwrap_or("").to_string();
    (status, head, answer[split..].to_vec())
}

#[test]
fn the_site_is_built_from_the_state_and_served_beside_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["root", "init"]);
    ok(
        d,
        &[
            "brand",
            "add",
            "--id",
            "tea",
            "--name",
            "Tea & <Co>",
            "--prefix",
            "4012345",
            "--host",
            "t.example",
        ],
    );
    ok(d, &["key", "new", "--brand", "tea"]);
    let built = ok(d, &["site", "build", "--out", "site", "--brand", "tea"]);
    assert!(built.contains("wrote the landing page to site"), "{built}");
    ok(d, &["feed", "publish", "--out", "site"]);
    let index = std::fs::read_to_string(d.join("site/index.html")).unwrap();
    assert!(index.contains("Tea &amp; &lt;Co&gt;"), "the brand's name is escaped: {index}");
    assert!(index.contains("script-src 'self' 'wasm-unsafe-eval'; style-src 'self';"), "{index}");
    assert!(index.contains("connect-src 'self';"), "{index}");
    let anchor = std::fs::read_to_string(d.join("site/genuine/anchor.txt")).unwrap();
    ok(d, &["bundle", "--out", "trust.bundle", "--anchor-out", "anchor.txt"]);
    assert_eq!(anchor, std::fs::read_to_string(d.join("anchor.txt")).unwrap());

    let (mut server, url) = common::feed_serve(d, "site");
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();

    let (status, head, body) = get(&addr, "/gs1/01/04012345000009/21/ABC234?sig=x&utm=1");
    assert!(status.contains(" 200 "), "{status}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(head.contains("content-security-policy: frame-ancestors 'none'"), "{head}");
    assert_eq!(body, index.as_bytes());
    let (status, head, _) = get(&addr, "/v1/timestamp");
    assert!(status.contains(" 200 ") && head.contains("access-control-allow-origin: *"), "{head}");
    assert!(get(&addr, "/v1/root/99").0.contains(" 404 "), "a missing feed file is a 404, not the page");
    let (status, head, _) = get(&addr, "/genuine/genuine_wasm_bg.wasm");
    assert!(status.contains(" 200 ") && head.contains("content-type: application/wasm"), "{head}");
    assert!(get(&addr, "/genuine/nothing.js").0.contains(" 404 "));
    let _ = server.kill();
    let _ = server.wait();

    // A feed URL that would widen the policy is refused, and nothing is written.
    std::fs::remove_dir_all(d.join("site")).unwrap();
    let o = genuine(d, &["site", "build", "--out", "site", "--feed", "https://f.example/;script-src *"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("site").exists());
}
