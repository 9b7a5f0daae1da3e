//! Verdicts for each check, against the demo store on a real SQLite file.

use genuine::Verdict;
use genuine_format::verdict::{ForgeryReason, Warning};
use genuine_tests::demo::{self, ACME_GTIN, ISSUED, NOW, VERIFY_UNTIL, product};
use genuine_tests::{demo_store, dump, empty_store};

fn fixture(name: &str) -> String {
    demo::fixtures(&demo::authority()).into_iter().find(|f| f.file == name).unwrap().text
}

#[test]
fn a_key_verifies_only_inside_its_windows() {
    let mut a = demo::authority();
    let later = NOW + 365 * 86_400;
    let mut rng = demo::seeded("windows");
    let kid =
        a.new_claim_key("acme", None, (later, later + 86_400, later + 2 * 86_400), NOW, &mut rng).unwrap();
    // Force: the issuer itself refuses to sign outside the window.
    let early =
        a.issue("acme", product(ACME_GTIN, None, "EARLY2345", None), Some(kid), None, NOW, true).unwrap();
    assert!(
        a.issue("acme", product(ACME_GTIN, None, "EARLY2345", None), Some(kid), None, NOW, false).is_err()
    );
    let (_dir, mut store) = empty_store(&a.anchor);
    store.import(&a.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
    match genuine::verify(&store, &early, genuine_tests::at(NOW)).unwrap() {
        Verdict::Forged { reason: ForgeryReason::KeyNotYetValid { sign_from }, .. } => {
            assert_eq!(sign_from, later)
        }
        v => panic!("{v:?}"),
    }
    assert!(matches!(
        genuine::verify(&store, &early, genuine_tests::at(later + 3600)).unwrap(),
        Verdict::Authentic(_)
    ));
    match genuine::verify(&store, &early, genuine_tests::at(later + 3 * 86_400)).unwrap() {
        Verdict::Forged { reason: ForgeryReason::KeyExpired { .. }, .. } => {}
        v => panic!("{v:?}"),
    }
    let genuine = fixture("genuine.png");
    assert!(matches!(
        genuine::verify(&store, &genuine, genuine_tests::at(VERIFY_UNTIL + 1)).unwrap(),
        Verdict::Forged { reason: ForgeryReason::KeyExpired { verify_until: VERIFY_UNTIL }, .. }
    ));
}

#[test]
fn turning_the_clock_back_is_reported_and_does_not_help() {
    let mut a = demo::authority();
    let feed = tempfile::tempdir().unwrap();
    a.publish(feed.path(), NOW, 86_400, false).unwrap();
    let (_dir, mut store) = demo_store();
    let cancel = genuine::CancelToken::default();
    genuine::sync(&mut store, &genuine_tests::DirFeed(feed.path().into()), genuine_tests::at(NOW), &cancel)
        .unwrap();
    // The operator's timestamp, taken at NOW, set the floor; a device clock
    // at ISSUED is behind it. (No brand's document moves the floor.)
    match genuine::verify(&store, &fixture("genuine.png"), genuine_tests::at(ISSUED)).unwrap() {
        Verdict::Authentic(a) => {
            assert!(a.warnings.contains(&Warning::ClockBehind { device: ISSUED, signed_floor: NOW }))
        }
        v => panic!("{v:?}"),
    }
    // The revoked key stays revoked whatever the clock says.
    assert!(matches!(
        genuine::verify(&store, &fixture("revoked-key.png"), genuine_tests::at(ISSUED)).unwrap(),
        Verdict::Revoked { .. }
    ));
    // An honest clock gets no warning.
    match genuine::verify(&store, &fixture("genuine.png"), genuine_tests::at(NOW)).unwrap() {
        Verdict::Authentic(a) => assert!(a.warnings.is_empty(), "{:?}", a.warnings),
        v => panic!("{v:?}"),
    }
}

#[test]
fn an_expired_product_is_genuine_with_a_warning() {
    let (_dir, store) = demo_store();
    let after_expiry = genuine_format::gs1::Gs1Date::parse("290101").unwrap().end_unix();
    match genuine::verify(&store, &fixture("genuine-full.png"), genuine_tests::at(after_expiry)).unwrap() {
        Verdict::Authentic(a) => {
            assert!(matches!(a.warnings[..], [Warning::ProductExpired { .. }]))
        }
        v => panic!("{v:?}"),
    }
}

#[test]
fn a_product_line_key_cannot_sign_the_rest_of_the_brand() {
    let mut a = demo::authority();
    let mut rng = demo::seeded("line");
    let window = (demo::T0, demo::SIGN_UNTIL, VERIFY_UNTIL);
    let kid = a.new_claim_key("acme", Some(vec!["95060009".into()]), window, NOW, &mut rng).unwrap();
    let inside =
        a.issue("acme", product("09506000912349", None, "LINE23456", None), Some(kid), None, NOW, false);
    let inside = inside.unwrap();
    let outside =
        a.issue("acme", product(ACME_GTIN, None, "LINE23456", None), Some(kid), None, NOW, true).unwrap();
    let (_dir, mut store) = empty_store(&a.anchor);
    store.import(&a.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
    assert!(matches!(
        genuine::verify(&store, &inside, genuine_tests::at(NOW)).unwrap(),
        Verdict::Authentic(_)
    ));
    match genuine::verify(&store, &outside, genuine_tests::at(NOW)).unwrap() {
        Verdict::Forged { reason: ForgeryReason::KeyOutOfScope { signer_brand }, .. } => {
            assert_eq!(signer_brand, "acme")
        }
        v => panic!("{v:?}"),
    }
}

#[test]
fn an_empty_store_knows_no_issuer() {
    let a = demo::authority();
    let (_dir, store) = empty_store(&a.anchor);
    assert!(matches!(
        genuine::verify(&store, &fixture("genuine.png"), genuine_tests::at(NOW)).unwrap(),
        Verdict::UnknownIssuer { .. }
    ));
}

#[test]
fn hostile_text_gets_a_verdict_never_a_panic_and_changes_nothing() {
    let (dir, store) = demo_store();
    let before = dump(&dir.path().join("genuine.db"));
    let genuine = fixture("genuine-full.png");
    let mut inputs: Vec<String> = vec![
        String::new(),
        "\0".into(),
        "https://".into(),
        "https:///01/09506000134352".into(),
        "https://a/01/".into(),
        "https://a/01/09506000134352/21/".into(),
        "https://a/01/09506000134352?sig".into(),
        "https://a/01/09506000134352?sig=".into(),
        "https://a/01/09506000134352?=&&&=".into(),
        "https://a/01/09506000134352?sig=%".into(),
        "https://a/01/09506000134352/21/%".into(),
        "https://a/01/09506000134352/21/%e2%82".into(),
        "https://a/01/09506000134352/21/ü".into(),
        "ＨＴＴＰＳ://a/01/09506000134352".into(),
        "https://a/01/09506000134352/21/x?17=999999&sig=x".into(),
        format!("https://a/01/09506000134352?{}", "1=1&".repeat(100)),
        format!("https://a/01/{}", "0".repeat(5000)),
        "\u{feff}https://a.example/01/09506000134352".into(),
        String::from_utf8_lossy(&[0xF0, 0x9F, 0x92, 0xA9, 0xC3, 0x28]).into_owned(),
        "x".repeat(10 * 1024),
        format!("{genuine}#fragment"),
        format!("{genuine}&sig=again"),
    ];
    for cut in (0..genuine.len()).step_by(7) {
        inputs.push(genuine[..cut].to_string());
    }
    for input in &inputs {
        let verdict = genuine::verify(&store, input, genuine_tests::at(NOW)).unwrap();
        assert!(
            !matches!(verdict, Verdict::Authentic(_)) || input.starts_with(&genuine),
            "{input:?}: {verdict:?}"
        );
    }
    assert_eq!(before, dump(&dir.path().join("genuine.db")));
}

/// Security review finding 1 (high): the AI/value boundary was not signed, so
/// `…/10/L2611/21/8X6A5QXNNN?17=281231` re-read as `…/10/L2611?172=81231&218=X6A5QXNNN`
/// verified as GENUINE with the serial and the expiry gone (escaping the
/// revocation lists and the expiry warning). Every variant is refused, naming
/// the key, and none is ever authentic.
#[test]
fn moving_the_boundary_between_an_ai_and_its_value_is_never_authentic() {
    let a = demo::authority();
    let (_dir, store) = demo_store();
    let serial = "8X6A5QXNNN";
    let code = a
        .issue("acme", product(ACME_GTIN, Some("L2611"), serial, Some("281231")), Some(1), None, ISSUED, true)
        .unwrap();
    assert!(matches!(genuine::verify(&store, &code, genuine_tests::at(NOW)).unwrap(), Verdict::Authentic(_)));
    let sig = code.split("sig=").nth(1).unwrap();
    let base = format!("https://id.acme.example/01/{ACME_GTIN}");
    let attacks = [
        (format!("{base}/10/L2611?172=81231&218=X6A5QXNNN&sig={sig}"), "172"),
        (format!("{base}/10/L2611?17=281231&218=X6A5QXNNN&sig={sig}"), "218"),
        (format!("{base}/10/L2611/21/{serial}?1728=1231&sig={sig}"), "1728"),
        (format!("{base}/10/L2611?17=281231&2=18X6A5QXNNN&sig={sig}"), "2"),
        (format!("{base}?102=611&17=281231&21=8X6A5QXNNN&sig={sig}"), "102"),
        (format!("{base}/10/L2611?%32%31%38=X6A5QXNNN&17=281231&sig={sig}"), "218"),
    ];
    for (text, key) in attacks {
        match genuine::verify(&store, &text, genuine_tests::at(NOW)).unwrap() {
            Verdict::Malformed { reason } => {
                assert!(reason.contains(&format!("'{key}'")), "{text}: {reason}")
            }
            v => panic!("{text}: {v:?}"),
        }
    }
    // A qualifier moved into the query (plain or percent-encoded) is refused too.
    for text in [
        format!("{base}/10/L2611?17=281231&21=8X6A5QXNNN&sig={sig}"),
        format!("{base}/10/L2611?17=281231&%32%31=8X6A5QXNNN&sig={sig}"),
    ] {
        assert!(
            matches!(
                genuine::verify(&store, &text, genuine_tests::at(NOW)).unwrap(),
                Verdict::Malformed { .. }
            ),
            "{text}"
        );
    }
}

/// Issue 30, finding 12: `http://` on the brand's registered host verified
/// GENUINE with no warning (the scheme was never checked); the default port
/// `:443` gave a false look-alike warning; `?utm=1&utm=2` was MALFORMED.
#[test]
fn a_plain_http_link_is_not_the_brands_address_and_default_ports_are() {
    let (_dir, store) = demo_store();
    let genuine_code = fixture("genuine.png");
    let verdict = |text: &str| genuine::verify(&store, text, genuine_tests::at(NOW)).unwrap();
    let warnings = |text: &str| match verdict(text) {
        Verdict::Authentic(a) => a.warnings,
        v => panic!("{text}: {v:?}"),
    };
    assert!(warnings(&genuine_code).is_empty());
    let (scheme, rest) = genuine_code.split_once("://").unwrap();
    assert_eq!(scheme, "https");
    let (host, path) = rest.split_once('/').unwrap();
    let plain = format!("http://{host}/{path}");
    assert_eq!(warnings(&plain), [Warning::UnregisteredHost { host: format!("http://{host}") }], "{plain}");
    let upper = format!("HTTP://{host}:80/{path}");
    assert_eq!(warnings(&upper), [Warning::UnregisteredHost { host: format!("http://{host}") }], "{upper}");
    for same in [format!("https://{host}:443/{path}"), format!("HTTPS://{}:443/{path}", host.to_uppercase())]
    {
        assert!(warnings(&same).is_empty(), "{same}");
    }
    let other_port = format!("https://{host}:8443/{path}");
    assert_eq!(warnings(&other_port), [Warning::UnregisteredHost { host: format!("{host}:8443") }]);
    let (head, sig) = genuine_code.split_once("sig=").unwrap();
    let tracked = format!("{head}utm=1&utm=2&sig={sig}");
    assert!(warnings(&tracked).is_empty(), "{tracked}");
}
