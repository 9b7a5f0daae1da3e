//! A brand whose every key lives in an HSM (SoftHSM2), through the CLI as an
//! operator runs it: the state file holds no secret, the codes verify, the
//! feed's keys sign in the token, and without the token nothing signs.

use genuine_tests::softhsm::SoftHsm;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_genuine"));
    command.args(args).current_dir(dir).envs(env.iter().map(|(k, v)| (k, v)));
    command.output().expect("run genuine")
}

fn ok(dir: &Path, env: &[(String, String)], args: &[&str]) -> String {
    let o = run(dir, env, args);
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{args:?}: {out}{err}");
    assert!(!err.contains("demo keys"), "{args:?}: an HSM setup is no demo: {err}");
    out.into_owned()
}

/// Every string in a JSON document.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn an_hsm_brand_signs_everything_in_the_token_and_its_state_holds_no_secret() {
    let hsm = SoftHsm::new();
    let env = hsm.env();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &env, &["root", "init"]);
    ok(
        d,
        &env,
        &["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"],
    );
    ok(d, &env, &["key", "new", "--brand", "tea"]);
    let url = ok(d, &env, &["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "HSM234"]);
    ok(d, &env, &["bundle"]);
    ok(d, &env, &["revoke", "cloned", "--brand", "tea", "--gtin", "4012345000009", "--serial", "HSM234"]);
    ok(d, &env, &["feed", "publish", "--out", "feed"]);

    // The state names where each key lives and holds nothing secret: every
    // 64-hex-digit string in it is one of the public keys it lists.
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("genuine-state.json")).unwrap()).unwrap();
    let tea = &state["brands"]["tea"];
    let roles = [
        &state["root_keys"],
        &state["timestamp_keys"],
        &tea["master_keys"],
        &tea["revoker_keys"],
        &tea["claim_keys"]["1"],
    ];
    let mut publics = Vec::new();
    for role in roles {
        let keys = role.as_array().cloned().unwrap_or_else(|| vec![role.clone()]);
        assert!(!keys.is_empty());
        for key in keys {
            assert_eq!(key["token"], "genuine-test", "a key outside the token: {key}");
            publics.push(key["public"].as_str().unwrap().to_string());
        }
    }
    let mut all = Vec::new();
    strings(&state, &mut all);
    let hexes = all.iter().filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    for s in hexes {
        assert!(publics.contains(s), "a 64-hex-digit string that is no public key: {s}");
    }

    // The code verifies GENUINE with the bundle the token signed.
    let trust = ["--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"];
    let o = run(d, &[], &[&["verify", url.trim()][..], &trust[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("GENUINE: issued by Tea Co"));

    // Without the token (or with a wrong PIN) nothing is signed or written.
    let before = std::fs::read(d.join("genuine-state.json")).unwrap();
    let o = run(d, &[], &["issue", "--brand", "tea", "--gtin", "4012345000009"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--hsm-module"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut wrong = env.clone();
    wrong.retain(|(k, _)| k != "GENUINE_HSM_PIN");
    wrong.push(("GENUINE_HSM_PIN".into(), "0000".into()));
    let o = run(d, &wrong, &["key", "new", "--brand", "tea"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("login"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(d.join("genuine-state.json")).unwrap(), before);
}

#[test]
fn seeds_in_the_state_file_say_they_are_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &[], &["root", "init"]);
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("demo keys"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Once per state file (issue 36): a state made in the HSM holds no seed and
/// says nothing; the first key made without the HSM is a seed in the file,
/// and that is said then, and not on the commands after it.
#[test]
fn the_first_seed_in_a_state_made_in_an_hsm_is_said_once() {
    let (hsm, dir) = (SoftHsm::new(), tempfile::tempdir().unwrap());
    let said = |env: &[(String, String)], args: &[&str]| {
        let o = run(dir.path(), env, args);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).contains("demo keys")
    };
    assert!(!said(&hsm.env(), &["root", "init"]), "every key in the token: nothing to say");
    // Without the HSM options, a brand's keys are made as seeds in the file.
    let add = |id: &str, prefix: &str| {
        said(&[], &["brand", "add", "--id", id, "--name", id, "--prefix", prefix, "--host", "t.example"])
    };
    assert!(add("tea", "4012345"), "the first seed in the file is said");
    assert!(!add("coffee", "5012345"), "and not again");
}

/// A root key holder whose key lives in their HSM: the key file names it
/// and holds no secret, and their signature counts in the ceremony.
#[test]
fn a_holder_signs_the_root_with_a_key_in_their_hsm() {
    let hsm = SoftHsm::new();
    let env = hsm.env();
    let world = tempfile::tempdir().unwrap();
    let (op, holder) = (world.path().join("operator"), world.path().join("holder"));
    std::fs::create_dir(&op).unwrap();
    std::fs::create_dir(&holder).unwrap();
    let in_hsm = ok(&holder, &env, &["root", "keygen", "--out", "my.key"]).trim().to_string();
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(holder.join("my.key")).unwrap()).unwrap();
    assert_eq!(file["public"], in_hsm.as_str());
    assert_eq!(file["token"], "genuine-test", "the key file names the token, holds no seed: {file}");
    let o = run(&holder, &[], &["root", "keygen", "--out", "demo.key"]);
    assert!(o.status.success());
    let on_disk = String::from_utf8_lossy(&o.stdout).trim().to_string();

    ok(&op, &env, &["root", "propose", "--key", &in_hsm, "--key", &on_disk, "--threshold", "2"]);
    std::fs::copy(op.join("root.proposal"), holder.join("root.proposal")).unwrap();
    // Without the token the HSM key cannot sign; with it, it does.
    let o = run(&holder, &[], &["root", "sign", "root.proposal", "--key", "my.key"]);
    assert_eq!(o.status.code(), Some(2));
    ok(&holder, &env, &["root", "sign", "root.proposal", "--key", "my.key"]);
    let o = run(&holder, &[], &["root", "sign", "root.proposal", "--key", "demo.key"]);
    assert!(o.status.success());
    std::fs::copy(holder.join("root.proposal"), op.join("signed.proposal")).unwrap();
    assert!(ok(&op, &env, &["root", "assemble", "signed.proposal"]).contains("root v1 installed"));
}
