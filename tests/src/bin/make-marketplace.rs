//! The trust and the codes of the synthetic marketplace (`tests/marketplace.py`
//! draws the listing photos): the demo world's anchor and bundle, a feed
//! published now in which Acme has revoked some serials and listed others as
//! cloned, and `codes.json`, the texts of each kind of code, made from the
//! seed so every run prints the same codes.
//! `cargo run -p genuine-tests --bin make-marketplace -- DIR [SEED] [PER_KIND]`

use genuine_format::gs1::Gtin;
use genuine_format::revocation::ListKind;
use genuine_issuer::authority::{Authority, random_serial};
use genuine_tests::demo::{self, ACME_GTIN, GLOBEX_GTIN, ISSUED};
use std::collections::BTreeMap;

/// The seed's own stream: SHA-256 of the seed, a label and a counter.
fn stream(seed: u64, label: &'static str) -> impl FnMut() -> [u8; 32] {
    demo::stream([&b"genuine marketplace\0"[..], &seed.to_be_bytes()].concat(), label)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).ok_or("usage: make-marketplace DIR [SEED] [PER_KIND]")?);
    let seed: u64 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let per_kind: usize = args.get(3).map_or(Ok(8), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;

    let mut a = demo::authority();
    let mut rng = stream(seed, "serials");
    let mut serial = || random_serial(10, &mut rng);
    let acme = Gtin::parse(ACME_GTIN)?;
    let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for _ in 0..per_kind {
        let s = serial();
        kinds.entry("genuine_acme").or_default().push(issue(&a, "acme", ACME_GTIN, &s, Some(1), None)?);
        let s = serial();
        kinds.entry("genuine_globex").or_default().push(issue(&a, "globex", GLOBEX_GTIN, &s, None, None)?);
        // One character of the serial changed; the signature kept.
        let s = serial();
        let genuine = issue(&a, "acme", ACME_GTIN, &s, Some(1), None)?;
        let at = genuine.find("/21/").ok_or("no serial")? + 4;
        let swap = if &genuine[at..at + 1] == "A" { "B" } else { "A" };
        let mut tampered = genuine.clone();
        tampered.replace_range(at..at + 1, swap);
        kinds.entry("forged").or_default().push(tampered);
        // Acme's key on Globex's GTIN: a real signature out of its scope.
        let s = serial();
        let host = Some("id.globex.example");
        kinds.entry("out_of_scope").or_default().push(issue(&a, "acme", GLOBEX_GTIN, &s, Some(1), host)?);
        let s = serial();
        kinds.entry("key_revoked").or_default().push(issue(&a, "acme", ACME_GTIN, &s, Some(2), None)?);
        let s = serial();
        kinds.entry("revoked").or_default().push(issue(&a, "acme", ACME_GTIN, &s, Some(1), None)?);
        revoke(&mut a, ListKind::Revoked, &acme, &s)?;
        let s = serial();
        kinds.entry("cloned").or_default().push(issue(&a, "acme", ACME_GTIN, &s, Some(1), None)?);
        revoke(&mut a, ListKind::Cloned, &acme, &s)?;
        kinds.entry("unknown_issuer").or_default().push(demo::stranger_code(&serial()));
    }
    std::fs::write(dir.join("codes.json"), serde_json::to_string_pretty(&kinds)?)?;
    std::fs::write(dir.join("anchor.txt"), a.anchor.to_text())?;
    std::fs::write(dir.join("trust.bundle"), a.bundle()?.encode())?;
    // Published now with a day's timestamp, so a sync sees fresh lists.
    let now = genuine::device_now().as_secs();
    a.publish(&dir.join("feed"), now, 86_400, false)?;
    let counts: Vec<String> = kinds.iter().map(|(k, v)| format!("{} {k}", v.len())).collect();
    println!("wrote {}: {}", dir.display(), counts.join(", "));
    Ok(())
}

/// A code of `brand` for `gtin` and `serial`, signed when the demo codes were.
fn issue(
    a: &Authority,
    brand: &str,
    gtin: &str,
    serial: &str,
    kid: Option<u16>,
    host: Option<&str>,
) -> Result<String, Box<dyn std::error::Error>> {
    Ok(a.issue(brand, demo::product(gtin, None, serial, None), kid, host, ISSUED, true)?)
}

/// Acme lists `serial` as revoked or cloned in its next publish.
fn revoke(
    a: &mut Authority,
    kind: ListKind,
    gtin: &Gtin,
    serial: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    Ok(a.revoke("acme", kind, gtin, serial)?)
}
