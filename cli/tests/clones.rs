//! Copied codes end to end through the CLI: two phones on two networks scan
//! one serial in Berlin and Paris within the hour; the collector flags it;
//! the brand approves it; `feed publish`; a third phone's next sync turns
//! that serial's verdict into REVOKED (cloned).

#[path = "common/run.rs"]
mod run;
use run::{genuine, ok, tea_brand};

use std::io::BufRead;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts a server command and returns it with the URL it printed first.
fn start(dir: &Path, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_genuine"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().trim_end_matches('/').to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (child, url)
}

#[test]
fn a_serial_seen_in_two_cities_is_pushed_to_every_phone_as_cloned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tea_brand(d);
    let code = ok(d, &["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "COPIED234"]);
    let code = code.trim();
    ok(d, &["bundle"]);
    ok(d, &["feed", "publish", "--out", "feed"]);
    let (mut feed, feed_url) = start(d, &["feed", "serve", "feed", "--addr", "127.0.0.1:0"]);
    let trust = ["--anchor", "anchor.txt", "--bundle", "trust.bundle"];
    let collect =
        [&["collect", "serve", "--addr", "127.0.0.1:0", "--db", "collector-trust.db"][..], &trust[..]]
            .concat();
    let (mut collector, collector_url) = start(d, &collect);

    let hour = genuine::device_now().as_secs() / 3600;
    let scan = |net: u8, install: &str, place: &str| {
        let batch = serde_json::json!({"install": install, "events": [
            {"code": code, "verdict": "genuine", "hour": hour, "place": place}]});
        let local = IpAddr::from([127, 0, net, 1]);
        let (status, said) = genuine_tests::post::post_from(
            local,
            &format!("{collector_url}/v1/events"),
            batch.to_string().as_bytes(),
        );
        assert_eq!(status, 200, "{said}");
        assert!(said.contains("\"counted\":1"), "{said}");
    };
    scan(1, "phone-in-berlin-0001", "u33db");
    scan(2, "phone-in-paris-00002", "u09tv");

    let listed = ok(d, &["clones", "list"]);
    assert!(listed.contains("04012345000009/COPIED234 (tea): impossible-travel"), "{listed}");
    assert!(listed.contains("2 installs on 2 networks"), "{listed}");
    // Two networks are a person's call: --auto leaves it.
    let auto = ok(d, &["clones", "approve", "--auto"]);
    assert!(auto.contains("0 serial(s) approved"), "{auto}");
    let approved = ok(d, &["clones", "approve", "--serial", "04012345000009/COPIED234"]);
    assert!(approved.contains("queued as cloned"), "{approved}");
    assert!(ok(d, &["clones", "list"]).contains("no candidates"));
    ok(d, &["feed", "publish", "--out", "feed"]);

    // A third phone that never scanned it: its next sync makes it REVOKED.
    let phone = [&["--db", "third-phone.db"][..], &trust[..]].concat();
    ok(d, &[&["sync", "--feed", &feed_url][..], &phone[..]].concat());
    let o = genuine(d, &[&["verify", code][..], &phone[..]].concat());
    assert_eq!(o.status.code(), Some(1));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("REVOKED") && said.to_lowercase().contains("cop"), "{said}");
    // Retention: today's sightings are inside any period kept.
    let purged = ok(d, &["clones", "purge", "--keep-days", "30"]);
    assert!(purged.contains("deleted 0 sighting(s) and 0 report(s) older than 30 days"), "{purged}");
    assert!(
        !genuine(d, &["clones", "purge", "--keep-days", "0"]).status.success(),
        "keeping nothing is refused"
    );
    for child in [&mut feed, &mut collector] {
        let _ = child.kill();
        let _ = child.wait();
    }
}
