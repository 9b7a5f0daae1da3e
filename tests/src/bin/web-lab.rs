//! The landing page's test world, remote-controlled by the browser tests
//! (`bindings/wasm/web-tests/web.test.mjs`): the demo brands with Acme's host
//! registered as `127.0.0.1:PORT` (so the page runs the host check it runs
//! in the field), a site built and served by the real CLI
//! (`genuine site build`, `genuine feed publish`, `genuine feed serve`), and a
//! misbehaving feed on another loopback port (the lab's `FeedServer`).
//!
//! Prints one JSON line (the URLs and each demo fixture's URL on the page
//! with the verdict and card the native verifier gives it), then answers
//! `/_lab/...` on the misbehaving feed's port:
//! - `site/same`, `site/lab`, `site/dead`: rebuild the site with its feed
//!   on its own host, on the misbehaving server, or on a port nothing serves;
//! - `revoke/FILE`: revoke a fixture's code and publish (the site unchanged);
//! - `feed/NAME`: what the misbehaving server does: `good`, `wrong-signature`,
//!   `rollback`, `endless`, `endless-chunk`, `endless-error`, `stall`, `freeze`,
//!   `mix-and-match`.
//!
//! Exits, stopping the CLI's server, when its standard input closes.
//! `cargo run -p genuine-tests --bin web-lab -- --cli target/debug/genuine`

use genuine::{Store, TrustAnchor};
use genuine_format::link::DigitalLink;
use genuine_issuer::authority::{Authority, BrandEdit};
use genuine_tests::demo::{self, VERIFY_UNTIL};
use genuine_tests::feed_server::{Behavior, FeedServer};
use genuine_tests::world::copy_dir;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

const DAY: u64 = 86_400;

struct Lab {
    cli: PathBuf,
    dir: tempfile::TempDir,
    /// The misbehaving server's feed URL.
    lab_url: String,
    /// A loopback URL nothing answers.
    dead_url: String,
    server: FeedServer,
}

impl Lab {
    fn state(&self) -> PathBuf {
        self.dir.path().join("genuine-state.json")
    }
    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cli(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.cli)
            .args(args)
            .arg("--state")
            .arg(self.state())
            .output()
            .map_err(|e| format!("{}: {e}", self.cli.display()))?;
        if !out.status.success() {
            return Err(format!("genuine {args:?}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn build_site(&self, feed: &str) -> Result<String, String> {
        let site = self.site();
        let site = site.to_str().ok_or("temp path")?;
        self.cli(&["site", "build", "--out", site, "--brand", "acme", "--feed", feed, "--feed-timeout", "2"])
    }

    fn publish_site_feed(&self) -> Result<String, String> {
        let site = self.site();
        self.cli(&["feed", "publish", "--out", site.to_str().ok_or("temp path")?])
    }

    /// The misbehaving server serves a copy of the site's feed, then breaks it.
    fn feed(&self, name: &str) -> Result<(), String> {
        self.server.clear();
        let good = self.path("good");
        let _ = std::fs::remove_dir_all(&good);
        std::fs::create_dir_all(good.join("v1")).map_err(|e| e.to_string())?;
        copy_dir(&self.site().join("v1"), &good.join("v1"));
        self.server.set_dir(good.clone());
        let timestamp = || std::fs::read(good.join("v1/timestamp")).map_err(|e| e.to_string());
        match name {
            "good" => {}
            "wrong-signature" => {
                let mut forged = timestamp()?;
                let last = forged.len() - 1;
                forged[last] ^= 1;
                self.server.set("v1/timestamp", Behavior::Body(forged));
            }
            // The feed as it was before Acme's keyset was updated: older
            // than the page's own bundle.
            "rollback" => self.server.set_dir(self.path("old")),
            "endless" => self.server.set("v1/timestamp", Behavior::Endless),
            "endless-chunk" => self.server.set("v1/timestamp", Behavior::HugeChunk),
            "endless-error" => self.server.set("v1/timestamp", Behavior::EndlessStatus(500)),
            "stall" => self.server.set("v1/timestamp", Behavior::Stall),
            "freeze" => self.server.set_dir(self.path("frozen")),
            "mix-and-match" => {
                let ts: genuine_format::feed::Timestamp = open_timestamp(&timestamp()?)?;
                let path = format!("v1/snapshot/{}", ts.snapshot.version);
                let mut other = std::fs::read(good.join(&path)).map_err(|e| e.to_string())?;
                other.reverse();
                self.server.set(&path, Behavior::Body(other));
            }
            _ => return Err(format!("no feed behaviour {name}")),
        }
        Ok(())
    }
}

/// A timestamp's payload, read without checks (the lab breaks what it names).
fn open_timestamp(bytes: &[u8]) -> Result<genuine_format::feed::Timestamp, String> {
    let env = genuine_format::envelope::Envelope::decode(bytes, usize::MAX).map_err(|e| e.to_string())?;
    ciborium::from_reader(env.payload.as_slice()).map_err(|e| e.to_string())
}

fn control(lab: &Mutex<Lab>, request: &str, fixtures: &[(String, String)]) -> (u16, Vec<u8>) {
    let lab = lab.lock().unwrap_or_else(|e| e.into_inner());
    let result = match request.split_once('/') {
        Some(("site", "same")) => lab.build_site("/"),
        Some(("site", "lab")) => lab.build_site(&lab.lab_url),
        Some(("site", "dead")) => lab.build_site(&lab.dead_url),
        Some(("feed", name)) => lab.feed(name).map(|()| name.to_string()),
        Some(("revoke", file)) => match fixtures.iter().find(|(f, _)| f == file) {
            Some((_, text)) => revoke(&lab, text).and_then(|()| lab.publish_site_feed()),
            None => Err(format!("no fixture {file}")),
        },
        _ => Err(format!("unknown lab request {request}")),
    };
    match result {
        Ok(out) => (200, out.into_bytes()),
        Err(e) => (500, e.into_bytes()),
    }
}

fn revoke(lab: &Lab, text: &str) -> Result<(), String> {
    let link = DigitalLink::parse(text).map_err(|e| e.to_string())?;
    let serial = link.data.serial().ok_or("no serial")?;
    let gtin = link.data.gtin().to_string();
    lab.cli(&["revoke", "code", "--brand", "acme", "--gtin", &gtin, "--serial", serial]).map(|_| ())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("addr").port()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cli = match args.iter().position(|a| a == "--cli").and_then(|i| args.get(i + 1)) {
        Some(path) => PathBuf::from(path),
        None => {
            eprintln!("usage: web-lab --cli PATH-TO-genuine");
            std::process::exit(2);
        }
    };
    let now = genuine::device_now().as_secs();
    assert!(now < VERIFY_UNTIL - DAY, "the demo world's keys have expired");
    let port = free_port();
    let host = format!("127.0.0.1:{port}");

    // Acme registers the loopback host the page is served from.
    let mut a: Authority = demo::authority();
    let edit = BrandEdit { add_hosts: vec![host.clone()], ..BrandEdit::default() };
    a.edit_brand("acme", edit, now).expect("register the loopback host");
    let dir = tempfile::tempdir().expect("temp dir");
    // Feeds the misbehaving server serves: Acme's keyset before its next
    // key (older than the page's bundle: rollback), and a frozen one.
    a.publish(&dir.path().join("old"), now, DAY, false).expect("old feed");
    let mut frozen = a.clone();
    frozen.publish(&dir.path().join("frozen"), now - 3 * DAY, DAY, false).expect("frozen feed");
    let window = (demo::T0, demo::SIGN_UNTIL, VERIFY_UNTIL);
    a.new_claim_key("acme", None, window, now, &mut demo::seeded("web-lab")).expect("acme key 3");
    let state = serde_json::to_string_pretty(&a).expect("state");
    std::fs::write(dir.path().join("genuine-state.json"), state).expect("write state");

    let server = FeedServer::start(dir.path().join("old"));
    let lab = Lab {
        cli,
        lab_url: server.url.clone(),
        dead_url: format!("http://127.0.0.1:{}/", free_port()),
        dir,
        server: server.clone(),
    };
    lab.build_site("/").expect("site build");
    lab.publish_site_feed().expect("feed publish");
    lab.feed("good").expect("lab feed");
    let mut serve = serve(&lab, &host);

    // Each fixture on the page: its host replaced by the page's (the
    // look-alike by `localhost`, which Acme did not register).
    let fixtures = demo::fixtures(&a);
    let site = format!("http://{host}/");
    let lookalike = format!("http://localhost:{port}/");
    let anchor = TrustAnchor::from_text(&a.anchor.to_text()).expect("anchor");
    let store_dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&store_dir.path().join("genuine.db"), &anchor).expect("store");
    store.import(&a.bundle().expect("bundle"), genuine::device_now()).expect("import");
    let mut texts = Vec::new();
    let rows: Vec<serde_json::Value> = fixtures
        .iter()
        .map(|f| {
            let base = if f.file == "lookalike-host.png" { &lookalike } else { &site };
            let url = match f.text.find("/01/") {
                Some(at) => format!("{}{}", base.trim_end_matches('/'), &f.text[at..]),
                None => format!("{base}products/espresso"),
            };
            texts.push((f.file.to_string(), url.clone()));
            let verdict = genuine::verify(&store, &url, genuine::device_now()).expect("verify");
            let card = genuine::wording::describe(&verdict);
            assert_eq!(verdict.kind(), f.verdict, "{}: the native verifier disagrees with the fixture", f.file);
            serde_json::json!({ "file": f.file, "url": url, "verdict": f.verdict, "detail": f.detail, "card": card })
        })
        .collect();
    let lab = Arc::new(Mutex::new(lab));
    let remote = Arc::clone(&lab);
    server.set_control(Arc::new(move |request: &str| control(&remote, request, &texts)));
    let hello = serde_json::json!({
        "site": site,
        "lookalike": lookalike,
        "lab": server.url,
        "registered": host,
        "fixtures": rows,
    });
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{hello}");
    let _ = out.flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let _ = serve.kill();
    let _ = serve.wait();
}

/// `genuine feed serve` on the site, once it says it is serving.
fn serve(lab: &Lab, host: &str) -> Child {
    let mut child = Command::new(&lab.cli)
        .args(["feed", "serve"])
        .arg(lab.site())
        .args(["--addr", host])
        .stdout(Stdio::piped())
        .spawn()
        .expect("genuine feed serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    assert!(line.starts_with("serving"), "genuine feed serve: {line}");
    child
}
