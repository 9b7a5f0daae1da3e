//! The demo world: a root, two brands and their keys, all from fixed seeds
//! and fixed times, so every file made from it is reproducible byte for byte.
//! These keys are public by design: never trust them outside a demo.

use genuine_format::gs1::{Gs1Data, Gtin};
use genuine_issuer::authority::{Authority, random_serial};
use sha2::{Digest, Sha256};

/// 2026-01-01T00:00:00Z: when the demo world was made.
pub const T0: u64 = 1_767_225_600;
/// 2026-02-01T00:00:00Z: when the demo codes were issued.
pub const ISSUED: u64 = 1_769_904_000;
/// 2026-06-01T00:00:00Z: when Acme revoked key 2.
pub const REVOKED: u64 = 1_780_272_000;
/// 2031-01-01: end of the demo signing windows.
pub const SIGN_UNTIL: u64 = 1_924_992_000;
/// 2036-01-01: end of the verification windows and of the root.
pub const VERIFY_UNTIL: u64 = 2_082_758_400;
/// A time at which every demo fixture has its documented verdict.
pub const NOW: u64 = 1_785_542_400; // 2026-08-01

/// Acme's GTIN in the demo codes.
pub const ACME_GTIN: &str = "09506000134352";
/// Globex's GTIN in the demo codes.
pub const GLOBEX_GTIN: &str = "00614141000036";

/// A deterministic "random" source: SHA-256 of a label and a counter.
pub fn seeded(label: &'static str) -> impl FnMut() -> [u8; 32] {
    stream(b"genuine demo seed\0".to_vec(), label)
}

/// A deterministic stream: SHA-256 of `prefix` (a domain, and a seed of
/// its own), a label and a counter.
pub fn stream(prefix: Vec<u8>, label: &'static str) -> impl FnMut() -> [u8; 32] {
    let mut counter = 0u32;
    move || {
        counter += 1;
        let mut h = Sha256::new();
        h.update(&prefix);
        h.update(label.as_bytes());
        h.update(counter.to_be_bytes());
        h.finalize().into()
    }
}

/// Builds the demo world.
pub fn authority() -> Authority {
    let mut rng = seeded("world");
    let mut a = Authority::new(3, 2, VERIFY_UNTIL, T0, &mut rng).expect("demo root");
    a.add_brand(
        "acme",
        "Acme Foods",
        vec!["9506000".into()],
        vec!["id.acme.example".into()],
        1,
        1,
        T0,
        &mut rng,
    )
    .expect("demo brand acme");
    a.add_brand(
        "globex",
        "Globex Pharma",
        vec!["0614141".into()],
        vec!["id.globex.example".into()],
        2,
        2,
        T0,
        &mut rng,
    )
    .expect("demo brand globex");
    let window = (T0, SIGN_UNTIL, VERIFY_UNTIL);
    a.new_claim_key("acme", None, window, T0, &mut rng).expect("acme key 1");
    a.new_claim_key("acme", None, window, T0, &mut rng).expect("acme key 2");
    a.new_claim_key("globex", None, window, T0, &mut rng).expect("globex key 1");
    a.revoke_claim_key("acme", 2, REVOKED).expect("revoke acme key 2");
    a
}

/// Product data for a demo code.
pub fn product(gtin: &str, batch: Option<&str>, serial: &str, expiry: Option<&str>) -> Gs1Data {
    let mut data = Gs1Data::new(Gtin::parse(gtin).expect("demo GTIN"));
    if let Some(b) = batch {
        data.insert("10", b).expect("demo batch");
    }
    data.insert("21", serial).expect("demo serial");
    if let Some(e) = expiry {
        data.insert("17", e).expect("demo expiry");
    }
    data
}

/// A demo fixture: a code text, the file it is printed to and the verdict it must get.
pub struct Fixture {
    /// File name under `tests/fixtures/`.
    pub file: &'static str,
    /// The text in the QR code.
    pub text: String,
    /// Expected verdict kind at [`NOW`].
    pub verdict: &'static str,
    /// Expected detail: the reason or warning name, if any.
    pub detail: Option<&'static str>,
}

/// Every demo fixture.
pub fn fixtures(a: &Authority) -> Vec<Fixture> {
    let mut rng = seeded("serials");
    let mut serial = || random_serial(10, &mut rng);
    // At the 152-character budget: GTIN and serial only.
    let genuine = a
        .issue("acme", product(ACME_GTIN, None, &serial(), None), None, None, ISSUED, false)
        .expect("genuine code");
    // Batch and expiry too: over the budget, so issued with force (QR version 9).
    let full = a
        .issue("acme", product(ACME_GTIN, Some("L2611"), &serial(), Some("281231")), None, None, ISSUED, true)
        .expect("genuine code with batch and expiry");
    // Change one character of the serial; the signature stays as it was.
    let tampered = {
        let at = genuine.find("/21/").expect("serial in code") + 4;
        let mut t = genuine.clone();
        let c = if &t[at..at + 1] == "A" { "B" } else { "A" };
        t.replace_range(at..at + 1, c);
        t
    };
    let revoked = a
        .issue("acme", product(ACME_GTIN, Some("L2611"), &serial(), None), Some(2), None, ISSUED, true)
        .expect("code of the revoked key");
    // Acme's key signing Globex's GTIN, printed on Globex's host.
    let other_brand = a
        .issue(
            "acme",
            product(GLOBEX_GTIN, None, &serial(), None),
            Some(1),
            Some("id.globex.example"),
            ISSUED,
            true,
        )
        .expect("cross-brand code");
    let lookalike = a
        .issue(
            "acme",
            product(ACME_GTIN, None, &serial(), None),
            None,
            Some("id.acme-deals.example"),
            ISSUED,
            true,
        )
        .expect("look-alike host code");
    let unknown_kid = stranger_code(&serial());
    vec![
        Fixture { file: "genuine.png", text: genuine, verdict: "authentic", detail: None },
        Fixture { file: "genuine-full.png", text: full, verdict: "authentic", detail: None },
        Fixture { file: "tampered.png", text: tampered, verdict: "forged", detail: Some("bad_signature") },
        Fixture { file: "revoked-key.png", text: revoked, verdict: "revoked", detail: Some("key_revoked") },
        Fixture {
            file: "other-brand.png",
            text: other_brand,
            verdict: "forged",
            detail: Some("key_out_of_scope"),
        },
        Fixture {
            file: "lookalike-host.png",
            text: lookalike,
            verdict: "authentic",
            detail: Some("unregistered_host"),
        },
        Fixture { file: "unknown-issuer.png", text: unknown_kid, verdict: "unknown_issuer", detail: None },
        Fixture {
            file: "plain-url.png",
            text: "https://example.com/products/espresso".into(),
            verdict: "not_signed",
            detail: Some("not_a_product_link"),
        },
    ]
}

/// A code for Acme's GTIN signed by a key no brand of the world has (key
/// id 77): what a forger with their own key makes.
pub fn stranger_code(serial: &str) -> String {
    let data = product(ACME_GTIN, None, serial, None);
    let secret = genuine_format::keys::signing::SecretKey::from_seed(&seeded("stranger")());
    let sig = genuine_format::code::sign(&data, 77, &secret);
    let link = genuine_format::link::DigitalLink {
        host: "id.acme.example".into(),
        secure: true,
        path_prefix: String::new(),
        data,
        sig: Some(sig.to_text()),
    };
    link.to_url()
}
