//! The `genuine` binary, run as a person would: exit codes, output, files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn genuine(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genuine")).args(args).current_dir(dir).output().expect("run genuine")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_fixture_verifies_with_the_embedded_demo_trust() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let db = db.to_str().unwrap();
    let expect = [
        ("genuine.png", 0, "authentic", "GENUINE"),
        ("genuine-full.png", 0, "authentic", "GENUINE"),
        ("lookalike-host.png", 3, "authentic", "not registered"),
        ("tampered.png", 1, "forged", "FORGED"),
        ("revoked-key.png", 1, "revoked", "REVOKED"),
        ("other-brand.png", 1, "forged", "may not sign this product"),
        ("unknown-issuer.png", 1, "unknown_issuer", "UNKNOWN ISSUER"),
        ("plain-url.png", 1, "not_signed", "NOT A GENUINE CODE"),
    ];
    for (file, code, verdict, words) in expect {
        let path = repo().join("tests/fixtures").join(file);
        let path = path.to_str().unwrap();
        let human = genuine(dir.path(), &["verify", "--db", db, path]);
        assert_eq!(human.status.code(), Some(code), "{file}: {}", stderr(&human));
        assert!(stdout(&human).contains(words), "{file}: {}", stdout(&human));
        let json = genuine(dir.path(), &["verify", "--json", "--db", db, path]);
        let line: serde_json::Value = serde_json::from_str(stdout(&json).trim()).unwrap();
        assert_eq!(line["result"]["verdict"], verdict, "{file}");
    }
}

#[test]
fn a_url_verifies_as_text_and_bad_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let db = db.to_str().unwrap();
    let o = genuine(dir.path(), &["verify", "--db", db, "https://example.com/"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("NOT A GENUINE CODE"));

    std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
    let o = genuine(dir.path(), &["verify", "--db", db, "notes.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read image"), "{}", stderr(&o));

    let blank = genuine_issuer::render::png(&[255; 64 * 64], 64, 64).unwrap();
    std::fs::write(dir.path().join("blank.png"), blank).unwrap();
    let o = genuine(dir.path(), &["verify", "--db", db, "blank.png"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no QR code found"), "{}", stderr(&o));
}

/// What a shopper-side newcomer hit: a mistyped path or a directory said
/// "NOT A GENUINE CODE" (exit 1), a long URL was cut without a mark, and
/// the demo keys were trusted without a word.
#[test]
fn verify_tells_a_missing_file_from_a_fake_and_prints_codes_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let db = db.to_str().unwrap();
    for target in ["nonexistent.png", ".", "no-such-dir/code.jpg", "hello"] {
        let o = genuine(dir.path(), &["verify", "--db", db, target]);
        assert_eq!(o.status.code(), Some(2), "{target}: {}{}", stdout(&o), stderr(&o));
        assert!(!stdout(&o).contains("NOT A GENUINE CODE"), "{target}");
        assert!(stderr(&o).contains(target.trim_start_matches("./")), "{target}: {}", stderr(&o));
    }
    // Other text is still checked when asked to.
    let o = genuine(dir.path(), &["verify", "--text", "--db", db, "hello"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("NOT A GENUINE CODE"));
    // A URL is printed whole, however long: a copied link must still work.
    let long = format!("https://example.com/01/09506000134352?x={}", "a".repeat(300));
    let o = genuine(dir.path(), &["verify", "--db", db, &long]);
    assert!(stdout(&o).contains(&long), "{}", stdout(&o));
    // Out of the box, and saying so.
    assert!(stderr(&o).contains("trusting the public demo keys"), "{}", stderr(&o));
}

/// A genuine signature on a host the brand never registered gets its own
/// headline, and the shopper's card from the shared wording, not a plain GENUINE.
#[test]
fn a_look_alike_link_has_a_headline_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = repo().join("tests/fixtures/lookalike-host.png");
    let o = genuine(dir.path(), &["verify", "--db", "g.db", path.to_str().unwrap()]);
    let out = stdout(&o);
    // A script that accepts on 0 must not accept it, and can tell it from a fake.
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.starts_with("LOOK-ALIKE LINK: a genuine signature by Acme"), "{out}");
    assert!(!out.contains("GENUINE: issued"), "{out}");
    assert!(out.contains("shopper  Check the link: "), "{out}");
    let json = genuine(dir.path(), &["verify", "--json", "--db", "g.db", path.to_str().unwrap()]);
    let line: serde_json::Value = serde_json::from_str(stdout(&json).trim()).unwrap();
    assert_eq!(line["card"]["tone"], "look_alike_link");
    assert_eq!(json.status.code(), Some(3));
    for command in ["verify", "scan"] {
        let help = stdout(&genuine(dir.path(), &[command, "--help"]));
        assert!(
            help.contains("Exit status: 0 every code GENUINE; 3 a genuine signature on a LOOK-ALIKE LINK"),
            "{help}"
        );
    }
}

/// Every option of every command says what it is for, and no command lists
/// an option it ignores (a newcomer reads `--help` first).
#[test]
fn every_option_of_every_command_is_described_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let commands: &[&[&str]] = &[
        &["verify"],
        &["scan"],
        &["decode"],
        &["import"],
        &["status"],
        &["sync"],
        &["bundle"],
        &["issue"],
        &["root", "init"],
        &["root", "rotate"],
        &["brand", "add"],
        &["brand", "edit"],
        &["brand", "remove"],
        &["brand", "propose"],
        &["root", "keygen"],
        &["root", "replace-timestamp-key"],
        &["root", "propose"],
        &["root", "sign"],
        &["root", "assemble"],
        &["key", "new"],
        &["key", "rotate"],
        &["key", "revoke"],
        &["revoke", "code"],
        &["revoke", "cloned"],
        &["revoke", "batch"],
        &["revoke", "key"],
        &["feed", "publish"],
        &["feed", "serve"],
        &["collect", "serve"],
        &["collect", "send"],
        &["clones", "list"],
        &["clones", "approve"],
        &["clones", "dismiss"],
    ];
    for command in commands {
        let help = stdout(&genuine(dir.path(), &[&command[..], &["--help"]].concat()));
        let options = help.split("Options:").nth(1).unwrap_or_else(|| panic!("{command:?}: {help}"));
        let lines: Vec<&str> = options.lines().collect();
        let is_option = |l: &str| {
            let t = l.trim_start();
            t.starts_with("--")
                || (t.len() > 2
                    && t.starts_with('-')
                    && t.as_bytes()[1].is_ascii_alphabetic()
                    && t.as_bytes()[2] == b',')
        };
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| is_option(l)) {
            // "  --gtin <GTIN>  GTIN of the product", or the words on the next,
            // deeper-indented line (clap's long layout).
            let inline = line.trim().split("  ").filter(|part| !part.trim().is_empty()).count() >= 2;
            let indent = |l: &str| l.len() - l.trim_start().len();
            let below =
                lines.get(i + 1).is_some_and(|next| !next.trim().is_empty() && indent(next) > indent(line));
            assert!(inline || below, "{command:?}: an option without a description: {line}");
        }
    }
    let import = stdout(&genuine(dir.path(), &["import", "--help"]));
    assert!(!import.contains("--bundle"), "import takes its bundle as FILE: {import}");
    let serve = stdout(&genuine(dir.path(), &["feed", "serve", "--help"]));
    assert!(!serve.contains("--state"), "serve reads no state: {serve}");
    let key_revoke = stdout(&genuine(dir.path(), &["key", "revoke", "--help"]));
    assert!(key_revoke.contains("genuine revoke key"), "{key_revoke}");
    let revoke_key = stdout(&genuine(dir.path(), &["revoke", "key", "--help"]));
    assert!(revoke_key.contains("genuine key revoke"), "{revoke_key}");
}

/// Runs `genuine` in `dir`, asserting success; returns its stdout.
fn ok_in(dir: &Path, args: &[&str]) -> String {
    let o = genuine(dir, args);
    assert!(o.status.success(), "{args:?}: {}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

#[test]
fn a_brand_can_go_from_nothing_to_a_verified_printed_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| ok_in(d, args);
    ok(&["root", "init"]);
    let again = genuine(d, &["root", "init"]);
    assert_eq!(again.status.code(), Some(2), "root init must not overwrite keys");
    ok(&["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"]);
    ok(&["key", "new", "--brand", "tea"]);
    let url = ok(&[
        "issue",
        "--brand",
        "tea",
        "--gtin",
        "4012345000009",
        "--serial",
        "ABCDEFGH",
        "--out",
        "code.png",
    ]);
    ok(&["issue", "--brand", "tea", "--gtin", "4012345000009", "--out", "code.svg"]);
    assert!(std::fs::read_to_string(d.join("code.svg")).unwrap().contains("<svg"));
    ok(&["bundle", "--out", "trust.bundle", "--anchor-out", "anchor.txt"]);
    let trust = ["--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"];

    let verify = |target: &str| genuine(d, &[&["verify", target][..], &trust[..]].concat());
    let o = verify("code.png");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("GENUINE: issued by Tea Co (tea), key 1"));
    assert!(stdout(&o).contains("ABCDEFGH"));
    assert!(verify(url.trim()).status.success());

    // Over the 152-character budget: refused, unless forced.
    let long = [
        "issue",
        "--brand",
        "tea",
        "--gtin",
        "4012345000009",
        "--batch",
        "LOT-2026-11-A",
        "--expiry",
        "281231",
    ];
    let o = genuine(d, &long);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("152-character budget"), "{}", stderr(&o));
    ok(&[&long[..], &["--force"]].concat());

    // Rotation: the old key stops signing, its codes still verify.
    ok(&["key", "rotate", "--brand", "tea"]);
    ok(&["root", "rotate"]);
    ok(&["bundle", "--out", "trust.bundle", "--anchor-out", "anchor2.txt"]);
    assert_eq!(std::fs::read(d.join("anchor.txt")).unwrap(), std::fs::read(d.join("anchor2.txt")).unwrap());
    assert!(verify("code.png").status.success());
    let status = ok(&["status", "--db", "g.db", "--anchor", "anchor.txt"]);
    assert!(status.contains("root        v2"), "{status}");

    // Revocation reaches the verdict through the next bundle.
    ok(&["key", "revoke", "--brand", "tea", "--kid", "1"]);
    ok(&["bundle", "--out", "trust.bundle", "--anchor-out", "anchor.txt"]);
    let o = verify("code.png");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("REVOKED"), "{}", stdout(&o));
}

#[test]
fn a_brand_revokes_and_a_shopper_syncs_through_a_served_feed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| ok_in(d, args);
    ok(&["root", "init"]);
    ok(&["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"]);
    ok(&["key", "new", "--brand", "tea"]);
    ok(&["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "STOLEN234", "--out", "code.png"]);
    ok(&["bundle", "--out", "trust.bundle", "--anchor-out", "anchor.txt"]);
    ok(&["feed", "publish", "--out", "feed"]);

    let (mut server, url) = common::feed_serve(d, "feed");

    let trust = ["--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"];
    let sync = || genuine(d, &[&["sync", "--feed", &url][..], &trust[..]].concat());
    let verify = || genuine(d, &[&["verify", "code.png"][..], &trust[..]].concat());
    let first = sync();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&verify()).contains("revocation lists fresh"));

    ok(&["revoke", "code", "--brand", "tea", "--gtin", "4012345000009", "--serial", "STOLEN234"]);
    // Words by default, one line of JSON with --json, like every command.
    let published = ok(&["feed", "publish", "--out", "feed"]);
    assert!(published.starts_with("published feed v2 to feed:"), "{published}");
    assert!(published.contains("1 revocation entry,"), "{published}");
    let again = ok(&["feed", "publish", "--out", "feed", "--json"]);
    assert_eq!(again.trim().lines().count(), 1, "{again}");
    assert!(serde_json::from_str::<serde_json::Value>(again.trim()).unwrap()["version"].is_u64());
    let second = sync();
    assert!(second.status.success(), "{}", stderr(&second));
    let o = verify();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("REVOKED: the brand revoked this code"), "{}", stdout(&o));
    let status = genuine(d, &[&["status"][..], &trust[..]].concat());
    assert!(stdout(&status).contains("revocation lists seq 1"), "{}", stdout(&status));
    let status = genuine(d, &[&["status", "--json"][..], &trust[..]].concat());
    assert_eq!(stdout(&status).trim().lines().count(), 1, "{}", stdout(&status));
    let imported = ok(&["import", "trust.bundle", "--db", "g.db", "--anchor", "anchor.txt"]);
    assert!(imported.starts_with("imported trust.bundle: 0 root(s) added"), "{imported}");
    let _ = server.kill();
    let _ = server.wait();
}

/// What a brand trying the CLI hit (issue 15): a prefix nesting with another
/// brand's was accepted, and every phone then refused both brands; `issue
/// --out x.jpg` signed and printed a code before refusing the file name; the
/// state file, which holds secret seeds, was created world-readable.
#[test]
fn a_newcomers_mistakes_are_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| ok_in(d, args);
    ok(&["root", "init"]);
    ok(&["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"]);
    for nested in ["40123", "401234567"] {
        let o = genuine(
            d,
            &["brand", "add", "--id", "tea2", "--name", "T2", "--prefix", nested, "--host", "u.example"],
        );
        assert_eq!(o.status.code(), Some(2), "{nested}: {}", stdout(&o));
        assert!(stderr(&o).contains("overlaps brand 'tea'"), "{}", stderr(&o));
    }
    ok(&["brand", "add", "--id", "tea2", "--name", "T2", "--prefix", "4012346", "--host", "u.example"]);

    ok(&["key", "new", "--brand", "tea"]);
    let o = genuine(d, &["issue", "--brand", "tea", "--gtin", "4012345000009", "--out", "code.jpg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty(), "no code may be printed: {}", stdout(&o));
    assert!(stderr(&o).contains("must end in .png or .svg"), "{}", stderr(&o));
    assert!(!d.join("code.jpg").exists());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("genuine-state.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state file holds secret seeds");
    }
}

/// `brand remove` and `brand edit` (issue 15): a mistake is removed before
/// anyone saw it, a published brand is not (phones keep it); edits are
/// checked as `brand add` checks, and a code printed under a new host verifies.
#[test]
fn a_brand_is_edited_or_removed_with_the_checks_of_brand_add() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| ok_in(d, args);
    let refused = |args: &[&str], words: &str| {
        let o = genuine(d, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(words), "{args:?}: {}", stderr(&o));
    };
    ok(&["root", "init"]);
    ok(&["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"]);
    ok(&["brand", "add", "--id", "oops", "--name", "Typo", "--prefix", "5012345", "--host", "o.example"]);
    ok(&["brand", "remove", "--brand", "oops"]);
    refused(&["brand", "remove", "--brand", "oops"], "no brand 'oops'");
    ok(&["key", "new", "--brand", "tea"]);
    refused(&["brand", "edit", "--brand", "tea", "--add-prefix", "40123"], "overlaps the brand's own");
    refused(&["brand", "edit", "--brand", "tea", "--remove-prefix", "4012345"], "key 1 signs for prefix");
    refused(&["brand", "edit", "--brand", "tea", "--remove-host", "t.example"], "at least one host");
    let said = ok(&["brand", "edit", "--brand", "tea", "--name", "Tea Company", "--add-host", "tea.example"]);
    assert!(said.contains("v2: Tea Company"), "{said}");
    let url = ok(&["issue", "--brand", "tea", "--gtin", "4012345000009", "--host", "tea.example"]);
    ok(&["bundle"]);
    let o = genuine(
        d,
        &["verify", url.trim(), "--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Tea Company"), "{}", stdout(&o));
    refused(&["brand", "remove", "--brand", "tea"], "was published");

    // A stolen timestamp key is replaced by the next root; phones follow.
    assert!(ok(&["root", "replace-timestamp-key"]).contains("root v2"));
    ok(&["bundle"]);
    let status = ok(&["status", "--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"]);
    assert!(status.contains("root        v2"), "{status}");
}
