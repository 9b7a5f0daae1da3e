//! Bulk revocation and exact filters through the CLI: a file of codes is
//! checked against the issuance journal, the brand folds its closed key's
//! serials into filters, and a phone that syncs the served feed sees each
//! revoked code revoked and every other code of the run genuine.

mod common;

#[path = "common/run.rs"]
mod run;
use run::{genuine, ok, refused, tea_brand};
use std::path::Path;

const GTIN: &str = "4012345000009";

/// Builds the bundle, syncs a phone's store from `genuine feed serve` of
/// `feed`, and gives what that phone says of a code: "VERDICT REASON".
fn bundle_and_sync(d: &Path) -> impl Fn(&str) -> String + '_ {
    ok(d, &["bundle", "--out", "trust.bundle", "--anchor-out", "anchor.txt"]);
    let (mut server, url) = common::feed_serve(d, "feed");
    let synced = genuine(d, &[&["sync", "--feed", &url][..], &TRUST[..]].concat());
    let _ = server.kill();
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    move |code: &str| {
        let o = genuine(d, &[&["verify", "--json", code][..], &TRUST[..]].concat());
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let r = &v["result"];
        format!("{} {}", r["verdict"].as_str().unwrap_or_default(), r["reason"].as_str().unwrap_or_default())
    }
}

const TRUST: [&str; 6] = ["--db", "g.db", "--anchor", "anchor.txt", "--bundle", "trust.bundle"];

#[test]
fn codes_revoked_from_a_file_stay_revoked_through_a_fold_and_a_sync() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tea_brand(d);
    ok(
        d,
        &["issue", "--brand", "tea", "--gtin", GTIN, "--batch", "L7", "--out", "run.csv", "--count", "400"],
    );
    let codes: Vec<(String, String)> = std::fs::read_to_string(d.join("run.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split_once(',').map(|(s, c)| (s.to_string(), c.to_string())).unwrap())
        .collect();

    // A serial the journal never issued refuses the whole file.
    std::fs::write(d.join("bad.txt"), format!("{GTIN},{}\n{GTIN},NEVER2345\n", codes[0].0)).unwrap();
    refused(d, &["revoke", "codes", "--brand", "tea", "--from", "bad.txt"], "line 2");
    let published = ok(d, &["feed", "publish", "--out", "feed"]);
    assert!(published.contains("0 delta(s)"), "nothing was queued: {published}");

    // A code, a GTIN-13 pair, a tab: three revoked; one reported cloned.
    let file = format!("# pallet 7\n{}\n{GTIN},{}\n0{GTIN}\t{}\n", codes[0].1, codes[1].0, codes[2].0);
    std::fs::write(d.join("stolen.txt"), file).unwrap();
    let said = ok(d, &["revoke", "codes", "--brand", "tea", "--from", "stolen.txt"]);
    assert!(said.contains("3 entries revoked"), "{said}");
    std::fs::write(d.join("cloned.txt"), format!("{GTIN},{}\n", codes[3].0)).unwrap();
    ok(d, &["revoke", "codes", "--brand", "tea", "--from", "cloned.txt", "--reason", "cloned"]);

    // The key stops signing; a second later its serials are final.
    ok(d, &["key", "rotate", "--brand", "tea"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let folded = ok(d, &["feed", "publish", "--out", "feed", "--fold"]);
    assert!(folded.contains("4 entries folded into 2 filter block(s)"), "{folded}");
    let verdict = bundle_and_sync(d);
    for (i, (_, code)) in codes.iter().enumerate().take(12) {
        let want = match i {
            0..=2 => "revoked code_revoked",
            3 => "revoked code_cloned",
            _ => "authentic ",
        };
        assert_eq!(verdict(code), want, "code {i}");
    }

    // The folded key signs no more codes, forced or not.
    refused(
        d,
        &["issue", "--brand", "tea", "--gtin", GTIN, "--serial", "LATE23456", "--kid", "1", "--force"],
        "folded",
    );
}

/// Review findings 1 and 2: a key's serials in two journals let a fold
/// answer for codes outside its universe (genuine codes REVOKED), and one
/// serial under two keys lost its revocation when the base left it out.
#[test]
fn a_key_issues_through_one_journal_and_a_brand_on_two_is_not_folded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tea_brand(d);
    ok(d, &["issue", "--brand", "tea", "--gtin", GTIN, "--out", "a.csv", "--count", "20"]);
    let dup1 = ok(d, &["issue", "--brand", "tea", "--gtin", GTIN, "--serial", "DUP23456"]);
    // The same key through another journal: refused before anything is signed.
    refused(
        d,
        &["issue", "--brand", "tea", "--gtin", GTIN, "--out", "b.csv", "--count", "20", "--journal", "b.db"],
        "another issuance journal",
    );
    assert!(!d.join("b.csv").exists());
    // A new key may issue through another journal, even the same serial.
    ok(d, &["key", "rotate", "--brand", "tea"]);
    let dup2 =
        ok(d, &["issue", "--brand", "tea", "--gtin", GTIN, "--serial", "DUP23456", "--journal", "b.db"]);
    ok(d, &["revoke", "code", "--brand", "tea", "--gtin", GTIN, "--serial", "DUP23456"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let o = genuine(d, &["feed", "publish", "--out", "feed", "--fold"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("brand 'tea' not folded: key 2 issues through another journal"), "{err}");
    let verdict = bundle_and_sync(d);
    for code in [dup1.trim(), dup2.trim()] {
        assert_eq!(verdict(code), "revoked code_revoked", "{code}");
    }
    // Review finding 9: a device has no length to check.
    refused(d, &["revoke", "codes", "--brand", "tea", "--from", "/dev/zero"], "not a regular file");
}
