//! A newcomer's first hour (issue 36): every hint names a command that
//! works when it is run as it says; the default store follows the anchor,
//! so changing anchors never needs `--db`; the demo-keys warning comes once;
//! copied codes can be tried on one laptop, and only a `--demo` collector
//! takes the network a sender names.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// `genuine` in `dir`, with `dir/home` as the home directory (the default
/// stores are made there) and none of the caller's `GENUINE_*` settings.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_genuine"));
    command.args(args).current_dir(dir).env("HOME", dir.join("home")).env_remove("XDG_DATA_HOME");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GENUINE_") {
            command.env_remove(key);
        }
    }
    command
}

fn genuine(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run genuine")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = genuine(dir, args);
    assert!(o.status.success(), "{args:?}: {}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

/// Refused with exit status 2; returns what it said on stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let o = genuine(dir, args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?} should be refused: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stderr)
}

/// Starts a server and returns it with the URL it printed first.
fn start(dir: &Path, args: &[&str]) -> (Child, String) {
    let mut child = command(dir, args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{args:?}: {line}");
    (child, url)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A brand `tea` (prefix 4012345) with a key, a code in `code.png`
/// (serial `COPIED234`), and its bundle and anchor.
fn brand(d: &Path) {
    ok(d, &["root", "init"]);
    ok(d, &["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"]);
    ok(d, &["key", "new", "--brand", "tea"]);
    ok(
        d,
        &["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "COPIED234", "--out", "code.png"],
    );
    ok(d, &["bundle"]);
}

const TRUST: [&str; 4] = ["--anchor", "anchor.txt", "--bundle", "trust.bundle"];

fn stores(d: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(d.join("home/.local/share/genuine"))
        .map(|dir| dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| n.ends_with(".db"));
    names.sort();
    names
}

/// Finding 1: the README's `collect serve --anchor ...` failed because the
/// one default store already trusted the demo root.
#[test]
fn the_default_store_follows_the_anchor_so_changing_anchors_needs_no_db() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/genuine.png");
    ok(d, &["verify", fixture]);
    ok(d, &[&["verify", "code.png"][..], &TRUST[..]].concat());
    let (collector, _) = start(d, &[&["collect", "serve", "--addr", "127.0.0.1:0"][..], &TRUST[..]].concat());
    stop(collector);
    let made = stores(d);
    assert_eq!(made.len(), 2, "one store per anchor: {made:?}");
    assert!(made.contains(&"genuine.db".to_string()), "the demo's store keeps its name: {made:?}");
    // The demo trust again, and the brand's: each finds its own store.
    ok(d, &["verify", fixture]);
    ok(d, &[&["status"][..], &TRUST[..]].concat());
    assert_eq!(stores(d), made);
    // A store named with --db is pinned to its anchor, and the refusal says what to do.
    ok(d, &[&["status", "--db", "mine.db"][..], &TRUST[..]].concat());
    let said = refused(d, &["status", "--db", "mine.db"]);
    assert!(said.contains("trusts a different root: give another --db FILE"), "{said}");

    // Someone whose one `genuine.db` was made for their own anchor keeps it.
    let old = tempfile::tempdir().unwrap();
    let o = old.path();
    for file in ["anchor.txt", "trust.bundle"] {
        std::fs::copy(d.join(file), o.join(file)).unwrap();
    }
    std::fs::create_dir_all(o.join("home/.local/share/genuine")).unwrap();
    let legacy = o.join("home/.local/share/genuine/genuine.db");
    ok(o, &[&["status", "--db", legacy.to_str().unwrap()][..], &TRUST[..]].concat());
    ok(o, &[&["status"][..], &TRUST[..]].concat());
    assert_eq!(stores(o), ["genuine.db"], "no second store for the same anchor");
}

/// Findings 3 and 6: hints that could not help (`key new` for a GTIN of
/// another prefix; "a sync may help" under the demo trust) and a missing
/// file that did not say which option named it.
#[test]
fn every_hint_names_a_command_that_works_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["root", "init"]);
    let added = ok(
        d,
        &["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"],
    );
    assert!(!added.contains("held by its holders"), "this root signs here: {added}");
    let issue =
        |gtin: &str| ["issue", "--brand", "tea", "--gtin", gtin, "--out", "code.png"].map(String::from);
    fn args(a: &[String; 7]) -> Vec<&str> {
        a.iter().map(String::as_str).collect()
    }

    // No key yet: the hint is a whole command, and running it is the fix.
    let said = refused(d, &args(&issue("4012345000009")));
    assert!(said.contains("run `genuine key new --brand tea`"), "{said}");
    ok(d, &["key", "new", "--brand", "tea"]);
    ok(d, &args(&issue("4012345000009")));

    // A GTIN of another company prefix: no key can help, the record must claim it.
    let other = format!("501234500000{}", genuine_format::gs1::check_digit("501234500000"));
    let said = refused(d, &args(&issue(&other)));
    assert!(!said.contains("key new"), "{said}");
    assert!(said.contains("under none of brand 'tea''s company prefixes (4012345)"), "{said}");
    assert!(said.contains("`genuine brand edit --brand tea --add-prefix PREFIX`"), "{said}");
    ok(d, &["brand", "edit", "--brand", "tea", "--add-prefix", "5012345"]);
    let said = refused(d, &args(&issue(&other)));
    assert!(said.contains("run `genuine key new --brand tea`"), "the key predates the prefix: {said}");
    ok(d, &["key", "new", "--brand", "tea"]);
    ok(d, &args(&issue(&other)));
    ok(d, &["bundle"]);

    // One's own code under the demo trust: not "a sync may help", but what does.
    let o = genuine(d, &["verify", "code.png"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("UNKNOWN ISSUER") && !out.contains("a sync may help"), "{out}");
    assert!(out.contains("pass --anchor and --bundle (`genuine bundle` writes them)"), "{out}");
    ok(d, &[&["verify", "code.png"][..], &TRUST[..]].concat());
    // Trusting an anchor, an unknown issuer is one a sync may bring.
    let stranger = tempfile::tempdir().unwrap();
    let s = stranger.path();
    ok(s, &["root", "init"]);
    ok(s, &["bundle"]);
    std::fs::copy(d.join("code.png"), s.join("code.png")).unwrap();
    let o = genuine(s, &[&["verify", "code.png"][..], &TRUST[..]].concat());
    assert!(
        text(&o.stdout)
            .contains("UNKNOWN ISSUER: no trusted key 2 for this product's company prefix; a sync may help"),
        "{}",
        text(&o.stdout)
    );

    // A missing trust file names its option and what writes it.
    let said = refused(d, &["verify", "code.png", "--anchor", "nothere.txt"]);
    assert!(
        said.contains("--anchor nothere.txt: ") && said.contains("`genuine bundle --anchor-out FILE`"),
        "{said}"
    );
    let said = refused(d, &["verify", "code.png", "--anchor", "anchor.txt", "--bundle", "nothere.bundle"]);
    assert!(
        said.contains("--bundle nothere.bundle: ") && said.contains("`genuine bundle --out FILE`"),
        "{said}"
    );
    std::fs::write(d.join("bad.txt"), "not an anchor").unwrap();
    let said = refused(d, &["verify", "code.png", "--anchor", "bad.txt"]);
    assert!(said.contains("--anchor bad.txt: "), "{said}");
}

/// Finding 6: the demo-keys warning on every command. Once per state file:
/// when the file first comes to hold a secret seed.
#[test]
fn the_demo_keys_warning_comes_once_per_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let warned = |args: &[&str]| {
        let o = genuine(d, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stderr).contains("demo keys: genuine-state.json holds secret seeds")
    };
    assert!(warned(&["root", "init"]), "the file is made with seeds: said");
    for args in [
        &["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"][..],
        &["key", "new", "--brand", "tea"],
        &["issue", "--brand", "tea", "--gtin", "4012345000009"],
        &["key", "rotate", "--brand", "tea"],
        &["bundle"],
        &["feed", "publish"],
    ] {
        assert!(!warned(args), "{args:?}: said again");
    }
    let other = genuine(d, &["root", "init", "--state", "other.json"]);
    assert!(
        text(&other.stderr).contains("demo keys: other.json holds secret seeds"),
        "another file: said for it"
    );
    // A holder's key file says where its key is, and that it is a demo.
    let o = genuine(d, &["root", "keygen", "--out", "alice.key"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("key in alice.key (as a secret seed, a demo;") && !err.contains("state file"),
        "{err}"
    );
}

/// Finding 2: copied-code detection could not be tried without faking a
/// header that the collector (rightly) no longer reads from clients.
#[test]
fn copied_codes_are_tried_on_one_laptop_and_only_a_demo_collector_takes_a_named_network() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    let send = |network: &str, place: &str| {
        genuine(
            d,
            &[&["collect", "send", "code.png", "--network", network, "--place", place][..], &TRUST[..]]
                .concat(),
        )
    };

    // A brand without a collector: its phones send nothing, and the hint is the fix.
    let o = send("198.51.100.7", "u33db");
    assert_eq!(o.status.code(), Some(2));
    let said = text(&o.stderr);
    assert!(
        said.contains("`genuine brand edit --brand tea --collector URL`, then `genuine bundle`"),
        "{said}"
    );

    // A collector as it runs for real: the sender's --network is not read.
    let real = [&["collect", "serve", "--addr", "127.0.0.1:0", "--data", "real.db"][..], &TRUST[..]].concat();
    let (collector, url) = start(d, &real);
    ok(d, &["brand", "edit", "--brand", "tea", "--collector", &url]);
    ok(d, &["bundle"]);
    for (network, place) in [("198.51.100.7", "u33db"), ("203.0.113.9", "u09tv")] {
        let o = send(network, place);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains("\"counted\":1"), "{}", text(&o.stdout));
    }
    assert_eq!(
        ok(d, &["clones", "list", "--data", "real.db"]).trim(),
        "no candidates",
        "one network: 127.0.0.0/24"
    );
    stop(collector);

    // A demo collector takes it: two networks, Berlin and Paris in one hour.
    let demo =
        [&["collect", "serve", "--demo", "--addr", "127.0.0.1:0", "--data", "demo.db"][..], &TRUST[..]]
            .concat();
    let (collector, url) = start(d, &demo);
    ok(d, &["brand", "edit", "--brand", "tea", "--collector", &url]);
    ok(d, &["bundle"]);
    for (network, place) in [("198.51.100.7", "u33db"), ("203.0.113.9", "u09tv")] {
        let said = text(&send(network, place).stdout);
        assert!(said.contains(&format!("from a new install as network {network}")), "{said}");
    }
    let listed = ok(d, &["clones", "list", "--data", "demo.db"]);
    assert!(listed.contains("04012345000009/COPIED234 (tea): impossible-travel"), "{listed}");
    assert!(listed.contains("2 installs on 2 networks"), "{listed}");
    // A shopper's report of a fake goes the same way, through the SDK's own call.
    let reported = ok(
        d,
        &[
            &[
                "collect",
                "send",
                "code.png",
                "--report",
                "price",
                "--note",
                "too cheap",
                "--network",
                "192.0.2.1",
            ][..],
            &TRUST[..],
        ]
        .concat(),
    );
    assert!(
        reported.contains("reported a suspected fake as network 192.0.2.1")
            && reported.contains("\"counted\":1"),
        "{reported}"
    );
    // Only what a phone would report is sent.
    let said = refused(
        d,
        &[&["collect", "send", "https://t.example/01/04012345000009/21/X"][..], &TRUST[..]].concat(),
    );
    assert!(said.contains("a phone reports only GENUINE and REVOKED codes"), "{said}");
    stop(collector);
}

/// What keeps `--demo` out of production: it binds nothing another machine
/// can reach, and never writes to a shared database.
#[test]
fn a_demo_collector_refuses_any_address_but_loopback_and_any_database_but_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d);
    for addr in ["0.0.0.0:0", "192.0.2.1:8090", "[::]:0", "localhost:8090"] {
        let said = refused(d, &[&["collect", "serve", "--demo", "--addr", addr][..], &TRUST[..]].concat());
        assert!(said.contains("--demo listens on a loopback address only"), "{addr}: {said}");
    }
    let said = refused(
        d,
        &[
            &["collect", "serve", "--demo", "--data", "postgres://collector@db.internal/genuine"][..],
            &TRUST[..],
        ]
        .concat(),
    );
    assert!(said.contains("never in a shared database"), "{said}");
    assert!(!d.join("collector.db.network-key").exists(), "refused before anything was made");
}
