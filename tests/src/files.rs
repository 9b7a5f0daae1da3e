//! Every file generated from the demo world: the CLI's embedded trust, the
//! fixture images and the test vectors. `make-fixtures` writes them; a test
//! checks the committed copies are exactly what this code makes.

use crate::demo::{self, Fixture};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use genuine_format::code::{CodeSignature, signed_message};
use genuine_format::keys::hex;
use genuine_format::link::DigitalLink;
use genuine_issuer::authority::Authority;
use genuine_issuer::render;
use serde_json::{Value, json};

/// Pixels per QR module in fixture images.
pub const MODULE_PX: usize = 5;

/// (path relative to the repo root, contents) of every generated file.
pub fn all() -> Vec<(String, Vec<u8>)> {
    let a = demo::authority();
    let fixtures = demo::fixtures(&a);
    let mut out = vec![
        ("cli/demo/anchor.txt".to_string(), a.anchor.to_text().into_bytes()),
        ("cli/demo/trust.bundle".to_string(), a.bundle().expect("bundle").encode()),
    ];
    for f in &fixtures {
        let img = render::render_luma(&f.text, MODULE_PX).expect("fixture renders");
        let size = img.size as u32;
        let png = render::png(&img.pixels, size, size).expect("fixture encodes");
        out.push((format!("tests/fixtures/{}", f.file), png));
    }
    let vectors = serde_json::to_string_pretty(&vectors(&a, &fixtures)).expect("JSON") + "\n";
    out.push(("docs/test-vectors/vectors.json".to_string(), vectors.into_bytes()));
    // Seeds for the scan_luma fuzz target: crafted finder-pattern grids
    // (security review finding 6), in its input format: width, height and
    // stride padding as little-endian u16, then the pixels.
    for n in [20, 30, 36] {
        let side = n * 8 + 2;
        let grid = crate::frames::finder_grid(n, side, side);
        let mut seed = Vec::with_capacity(6 + grid.pixels.len());
        for v in [side as u16, side as u16, 0] {
            seed.extend_from_slice(&v.to_le_bytes());
        }
        seed.extend_from_slice(&grid.pixels);
        out.push((format!("fuzz/corpus/scan_luma/finder-grid-{n}"), seed));
    }
    out
}

/// A verification case: a text and the verdict it must get at `now`.
fn case(name: &str, text: &str, verdict: &str, detail: Option<&str>) -> Value {
    json!({ "name": name, "text": text, "verdict": verdict, "detail": detail })
}

fn replace_once(s: &str, from: &str, to: &str) -> String {
    s.replacen(from, to, 1)
}

/// The test vectors of `docs/test-vectors/vectors.json`.
pub fn vectors(a: &Authority, fixtures: &[Fixture]) -> Value {
    // Mutations start from the code that carries every kind of element.
    let genuine = &fixtures.iter().find(|f| f.file == "genuine-full.png").expect("full code").text;
    let link = DigitalLink::parse(genuine).expect("genuine parses");
    let sig_text = link.sig.clone().expect("signed");
    let sig = CodeSignature::parse(&sig_text).expect("sig parses");

    let mut keys = Vec::new();
    for (brand_id, brand) in &a.brands {
        for key in &brand.keyset.keys {
            let seed = brand.claim_keys[&key.kid].secret().expect("the demo keeps seeds").seed();
            keys.push(json!({
                "brand": brand_id, "kid": key.kid, "seed": hex(&seed),
                "public_key": key.public_key.to_hex(),
            }));
        }
    }
    // Signing vectors: every fixture whose sig really was made over its data
    // by a key listed above.
    let signed_by_listed_key =
        |f: &&Fixture| matches!(f.verdict, "authentic" | "revoked") || f.detail == Some("key_out_of_scope");
    let signing: Vec<Value> = fixtures
        .iter()
        .filter(signed_by_listed_key)
        .filter_map(|f| {
            let link = DigitalLink::parse(&f.text).ok()?;
            let sig = CodeSignature::parse(link.sig.as_deref()?).ok()?;
            let elements: Vec<Value> = link.data.elements().map(|(ai, v)| json!([ai, v])).collect();
            Some(json!({
                "name": f.file.trim_end_matches(".png"),
                "kid": sig.kid,
                "elements": elements,
                "message_hex": hex(&signed_message(sig.header, sig.kid, &link.data)),
                "sig": sig.to_text(),
                "url": f.text,
            }))
        })
        .collect();

    let mut verify: Vec<Value> = fixtures
        .iter()
        .map(|f| case(f.file.trim_end_matches(".png"), &f.text, f.verdict, f.detail))
        .collect();
    // Each signed element changed: the signature no longer covers the data.
    let serial = link.data.serial().expect("serial");
    verify.push(case(
        "serial-changed",
        &replace_once(genuine, serial, "ZZZZZZZZZZ"),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case(
        "batch-changed",
        &replace_once(genuine, "/10/L2611", "/10/L2612"),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case(
        "expiry-changed",
        &replace_once(genuine, "17=281231", "17=291231"),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case(
        "expiry-removed",
        &replace_once(genuine, "17=281231&", ""),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case(
        "gtin-changed",
        &replace_once(genuine, "09506000134352", "09506000134369"),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case(
        "variant-added",
        &replace_once(genuine, "/10/L2611", "/22/V2/10/L2611"),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case(
        "attribute-added",
        &replace_once(genuine, "?17=", "?11=260101&17="),
        "forged",
        Some("bad_signature"),
    ));
    // The AI/value boundary moved (security review finding 1): AIs outside
    // GS1's table, and qualifiers in the query, are malformed, never read.
    verify.push(case(
        "ai-not-in-gs1-table",
        &replace_once(genuine, "?17=281231", "?172=81231"),
        "malformed",
        None,
    ));
    verify.push(case(
        "serial-moved-into-a-longer-ai",
        &replace_once(
            &replace_once(genuine, &format!("/21/{serial}"), ""),
            "?17=281231",
            &format!("?17=281231&21{}={}", &serial[..1], &serial[1..]),
        ),
        "malformed",
        None,
    ));
    verify.push(case(
        "qualifier-in-query-percent-encoded",
        &replace_once(
            &replace_once(genuine, &format!("/21/{serial}"), ""),
            "?17=281231",
            &format!("?17=281231&%32%31={serial}"),
        ),
        "malformed",
        None,
    ));
    // The same data in other clothes: still the same signed bytes.
    verify.push(case(
        "gtin-13-form",
        &replace_once(genuine, "/01/09506000134352", "/01/9506000134352"),
        "authentic",
        None,
    ));
    verify.push(case(
        "with-path-prefix",
        &replace_once(genuine, "example/01/", "example/p/x/01/"),
        "authentic",
        None,
    ));
    verify.push(case(
        "percent-encoded",
        &replace_once(genuine, "/10/L2611", "/10/L%32611"),
        "authentic",
        None,
    ));
    verify.push(case(
        "tracking-key",
        &replace_once(genuine, "?17=", "?utm_source=box&17="),
        "authentic",
        None,
    ));
    verify.push(case(
        "other-host",
        &replace_once(genuine, "id.acme.example", "acme.example"),
        "authentic",
        Some("unregistered_host"),
    ));
    // The signature field itself.
    let with_sig = |s: &str| replace_once(genuine, &sig_text, s);
    let mut raw = URL_SAFE_NO_PAD.decode(&sig_text).expect("sig decodes");
    let kid_changed = {
        let mut r = raw.clone();
        r[2] ^= 0x01;
        URL_SAFE_NO_PAD.encode(&r)
    };
    verify.push(case("kid-changed", &with_sig(&kid_changed), "unknown_issuer", None));
    raw[40] ^= 0x01;
    verify.push(case(
        "signature-bit-flipped",
        &with_sig(&URL_SAFE_NO_PAD.encode(&raw)),
        "forged",
        Some("bad_signature"),
    ));
    verify.push(case("sig-truncated", &with_sig(&sig_text[..60]), "malformed", None));
    verify.push(case("sig-oversized", &with_sig(&format!("{sig_text}AAAA")), "malformed", None));
    verify.push(case("sig-not-base64", &with_sig(&format!("{}!!", &sig_text[..88])), "malformed", None));
    verify.push(case("sig-padded", &with_sig(&format!("{}==", &sig_text[..88])), "malformed", None));
    let mut v2 = URL_SAFE_NO_PAD.decode(&sig_text).expect("sig decodes");
    v2[0] = 0b0100_0000;
    verify.push(case("sig-version-2", &with_sig(&URL_SAFE_NO_PAD.encode(&v2)), "malformed", None));
    v2[0] = 0b0010_0001;
    verify.push(case("sig-reserved-flag", &with_sig(&URL_SAFE_NO_PAD.encode(&v2)), "malformed", None));
    verify.push(case(
        "bad-check-digit",
        &replace_once(genuine, "09506000134352", "09506000134353"),
        "malformed",
        None,
    ));
    verify.push(case(
        "unsigned-product-link",
        &genuine[..genuine.find("?").expect("query")],
        "not_signed",
        Some("unsigned_product_link"),
    ));
    verify.push(case("empty", "", "not_signed", Some("not_a_product_link")));
    verify.push(case("plain-text", "hello, world", "not_signed", Some("not_a_product_link")));
    verify.push(case(
        "garbage-10k",
        &"\u{1}\u{fffd}garbage".repeat(1024),
        "not_signed",
        Some("not_a_product_link"),
    ));
    verify.push(case(
        "userinfo-host",
        &replace_once(genuine, "https://", "https://id.acme.example@"),
        "malformed",
        None,
    ));

    json!({
        "about": "Genuine v1 test vectors. Made by `cargo run -p genuine-tests --bin make-fixtures`; see docs/FORMAT.md. Every key here is a public demo key.",
        "now": demo::NOW,
        "anchor": { "threshold": a.anchor.threshold, "keys": a.anchor.keys.iter().map(|k| k.to_hex()).collect::<Vec<_>>() },
        "bundle_base64": STANDARD.encode(a.bundle().expect("bundle").encode()),
        "claim_keys": keys,
        "signing": signing,
        "verify": verify,
        "genuine_kid": sig.kid,
    })
}

/// Scanner fixtures: one small generated frame per distortion class, with a
/// JSON sidecar of its text and corners, plus a frame with three codes.
/// Written by `make-fixtures` but not byte-checked: the generator uses
/// floating-point maths whose last bits may differ between platforms.
pub fn scan_fixtures() -> Vec<(String, Vec<u8>)> {
    use crate::frames::{Distortion, Frame, draw_code, frame, sample_code};
    let mut out = Vec::new();
    let mut push = |name: &str, f: &Frame| {
        let png = render::png(&f.pixels, f.width as u32, f.height as u32).expect("frame encodes");
        let codes: Vec<Value> =
            f.codes.iter().map(|c| json!({ "text": c.text, "corners": c.corners })).collect();
        let meta = serde_json::to_string_pretty(&json!({ "codes": codes })).expect("JSON") + "\n";
        out.push((format!("tests/fixtures/scan/{name}.png"), png));
        out.push((format!("tests/fixtures/scan/{name}.json"), meta.into_bytes()));
    };
    for (i, d) in Distortion::ALL.into_iter().enumerate() {
        push(d.name(), &frame(&sample_code(i as u64), d, 640, 480, 300.0, 7 + i as u64));
    }
    let mut multi = frame(&sample_code(100), Distortion::Clean, 960, 540, 240.0, 99);
    multi.pixels.fill(200);
    multi.codes.clear();
    for (i, x) in [20.0, 350.0, 680.0].into_iter().enumerate() {
        let corners = [(x, 140.0), (x + 250.0, 140.0), (x + 250.0, 390.0), (x, 390.0)];
        draw_code(&mut multi, &sample_code(200 + i as u64), corners, 25, 235);
    }
    push("three-codes", &multi);
    out
}
