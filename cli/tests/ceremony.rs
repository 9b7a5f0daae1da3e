//! The root ceremony: three holders in their own directories, threshold 2,
//! never sharing a key file; then a rotation to three new holders the same
//! way; brand records signed by the holders; codes that verify throughout.

use std::path::Path;
use std::process::{Command, Output};

fn genuine(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genuine")).args(args).current_dir(dir).output().expect("run genuine")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = genuine(dir, args);
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{args:?}: {out}{err}");
    out.into_owned()
}

fn refused(dir: &Path, args: &[&str], words: &str) {
    let o = genuine(dir, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?} should be refused: {err}");
    assert!(err.contains(words), "{args:?}: {err}");
}

/// A key holder: their own directory and key; returns their public key.
fn holder(root: &Path, name: &str) -> String {
    let dir = root.join(name);
    std::fs::create_dir(&dir).unwrap();
    ok(&dir, &["root", "keygen", "--out", "my.key"]).trim().to_string()
}

/// The operator sends `file` to `name`, who reads it, signs it and sends it back.
fn signed_by(root: &Path, file: &str, name: &str) -> String {
    let dir = root.join(name);
    std::fs::copy(root.join("operator").join(file), dir.join(file)).unwrap();
    let said = ok(&dir, &["root", "sign", file, "--key", "my.key"]);
    assert!(said.contains("signed by"), "{said}");
    let back = format!("{file}.{name}");
    std::fs::copy(dir.join(file), root.join("operator").join(&back)).unwrap();
    back
}

#[test]
fn holders_sign_a_root_and_its_rotation_without_meeting_their_keys() {
    let world = tempfile::tempdir().unwrap();
    let w = world.path();
    let op = w.join("operator");
    std::fs::create_dir(&op).unwrap();
    let (alice, bob, carol) = (holder(w, "alice"), holder(w, "bob"), holder(w, "carol"));

    let proposed =
        ok(&op, &["root", "propose", "--key", &alice, "--key", &bob, "--key", &carol, "--threshold", "2"]);
    assert!(proposed.contains("ROOT v1") && proposed.contains(&alice), "{proposed}");
    // Nothing is published from a root nobody signed.
    refused(&op, &["bundle"], "not assembled");
    let a = signed_by(w, "root.proposal", "alice");
    refused(&op, &["root", "assemble", &a], "1 valid signature(s) of the new root's keys, 2 needed");
    let b = signed_by(w, "root.proposal", "bob");
    assert!(ok(&op, &["root", "assemble", &a, &b]).contains("root v1 installed"));

    // A brand record, signed by two holders too; adding it says so (issue 36).
    let added = ok(
        &op,
        &["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"],
    );
    assert!(added.contains("the root's keys are held by its holders: before `genuine bundle`"), "{added}");
    assert!(added.contains("`genuine brand propose --brand tea`"), "{added}");
    ok(&op, &["key", "new", "--brand", "tea"]);
    refused(&op, &["bundle"], "genuine brand propose --brand tea");
    ok(&op, &["brand", "propose", "--brand", "tea"]);
    let signed_brand = [signed_by(w, "brand.proposal", "alice"), signed_by(w, "brand.proposal", "carol")];
    assert!(
        ok(&op, &["root", "assemble", &signed_brand[0], &signed_brand[1]])
            .contains("brand 'tea' v1 signed by the root")
    );
    let url = ok(&op, &["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "CEREMONY2"]);
    ok(&op, &["bundle"]);
    let trust = ["--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"];
    let verify = |extra: &[&str]| genuine(&op, &[&["verify", url.trim()][..], extra].concat());
    assert_eq!(verify(&trust).status.code(), Some(0));

    // No key file ever left its holder's directory, and the state holds
    // only public root keys.
    for name in ["alice", "bob", "carol"] {
        let key = std::fs::read_to_string(w.join(name).join("my.key")).unwrap();
        for other in ["operator", "alice", "bob", "carol"].iter().filter(|o| **o != name) {
            for entry in std::fs::read_dir(w.join(other)).unwrap() {
                let text = std::fs::read(entry.unwrap().path()).unwrap();
                assert!(
                    !String::from_utf8_lossy(&text).contains(key.trim().trim_matches('"')),
                    "{name}'s key in {other}"
                );
            }
        }
    }
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(op.join("genuine-state.json")).unwrap()).unwrap();
    for key in state["root_keys"].as_array().unwrap() {
        assert!(key["held"].is_string(), "a root key the state could sign with: {key}");
    }

    // Rotation to three new holders: the old root's 2 and the new root's 2.
    let (dave, erin, frank) = (holder(w, "dave"), holder(w, "erin"), holder(w, "frank"));
    let next = ok(
        &op,
        &["root", "propose", "--key", &dave, "--key", &erin, "--key", &frank, "--out", "root2.proposal"],
    );
    assert!(next.contains("ROOT v2"), "{next}");
    let copies: Vec<String> =
        ["alice", "dave", "erin"].iter().map(|n| signed_by(w, "root2.proposal", n)).collect();
    refused(&op, &["root", "assemble", &copies[1], &copies[2]], "of the current root's keys, 2 needed");
    refused(&op, &["root", "assemble", &copies[0], &copies[1]], "of the new root's keys, 2 needed");
    let carols = signed_by(w, "root2.proposal", "carol");
    // A copy whose document was changed on its way back is refused outright.
    let mut forged = std::fs::read(op.join(&carols)).unwrap();
    let at = forged.windows(7).position(|w| w == b"genuine").unwrap_or(10);
    forged[at + 20] ^= 1;
    std::fs::write(op.join("forged.copy"), forged).unwrap();
    let o = genuine(&op, &["root", "assemble", &copies[0], &copies[1], &copies[2], "forged.copy"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        ok(&op, &["root", "assemble", &copies[0], &copies[1], &copies[2], &carols])
            .contains("root v2 installed")
    );

    // The brand record must be signed again, now by the new holders.
    refused(&op, &["bundle"], "genuine brand propose --brand tea");
    std::fs::remove_file(op.join("brand.proposal")).unwrap();
    ok(&op, &["brand", "propose", "--brand", "tea"]);
    let old_holder = signed_by(w, "brand.proposal", "alice");
    let new_holders = [signed_by(w, "brand.proposal", "erin"), signed_by(w, "brand.proposal", "frank")];
    refused(&op, &["root", "assemble", &old_holder], "root's keys");
    ok(&op, &["root", "assemble", &new_holders[0], &new_holders[1]]);
    ok(&op, &["bundle", "--anchor-out", "anchor2.txt"]);
    // A phone pinned to the first anchor follows the chain to v2.
    assert_eq!(verify(&trust).status.code(), Some(0));
    let status = ok(&op, &["status", "--db", "g.db", "--anchor", "anchor.txt"]);
    assert!(status.contains("root        v2"), "{status}");
}
