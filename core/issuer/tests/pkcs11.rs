//! Every role's key generated in a real PKCS#11 token (SoftHSM2), sealed
//! there, and signing there: the documents and codes it signs check.
//!
//! One test in this binary: SoftHSM2 reads its configuration from the
//! environment, which is set once here before the module is loaded.

use genuine_format::gs1::Gs1Data;
use genuine_issuer::Authority;
use genuine_issuer::keys::{KeyRef, Token};
use genuine_issuer::pkcs11::Pkcs11Token;
use genuine_tests::softhsm::{LABEL, PIN, SoftHsm};
use std::sync::Arc;

const NOW: u64 = 1_790_000_000;

#[test]
fn every_role_lives_and_signs_in_the_token() {
    let hsm = SoftHsm::new();
    // SAFETY: the only test of this binary, before any thread reads the environment.
    unsafe { std::env::set_var("SOFTHSM2_CONF", hsm.conf()) };
    let token = Arc::new(Pkcs11Token::open(hsm.module(), LABEL, PIN).expect("open token"));
    assert!(Pkcs11Token::open(hsm.module(), LABEL, "0000").is_err(), "a wrong PIN must not log in");
    assert!(Pkcs11Token::open(hsm.module(), "no-such-token", PIN).is_err());

    let mut counter = 0u8;
    let mut rng = || {
        counter += 1;
        [counter; 32]
    };
    let mut a = Authority::create(Some(token.clone()), 3, 2, NOW + 86_400 * 3650, NOW, &mut rng).unwrap();
    a.add_brand("tea", "Tea Co", vec!["4012345".into()], vec!["t.example".into()], 2, 2, NOW, &mut rng)
        .unwrap();
    let kid = a.new_claim_key("tea", None, (NOW, NOW + 86_400, NOW + 86_400 * 700), NOW, &mut rng).unwrap();

    // Every key of every role is a token key, sealed in the token.
    let tea = &a.brands["tea"];
    let all: Vec<&KeyRef> = a
        .root_keys
        .iter()
        .chain(&a.timestamp_keys)
        .chain(&tea.master_keys)
        .chain(&tea.revoker_keys)
        .chain(tea.claim_keys.values())
        .collect();
    assert_eq!(all.len(), 3 + 1 + 2 + 1 + 1);
    for key in &all {
        let KeyRef::Token(key) = key else { panic!("a key outside the token: {}", key.place()) };
        assert!(token.is_sealed(&key.label).unwrap(), "{} is extractable", key.label);
    }
    // A second key under a label already used is refused, not duplicated.
    let KeyRef::Token(first) = all[0] else { unreachable!() };
    assert!(token.generate(&first.label).is_err());

    // Documents the token signed open under the keys the state names.
    let bundle = a.bundle().expect("bundle signed in the token");
    let root = &bundle.roots[0];
    assert_eq!(root.count_valid(&a.root.keys), 3);
    assert!(bundle.brands[0].check(genuine_format::trust::BRAND_TYPE, &a.root.keys, 2).is_ok());
    let masters = &a.brands["tea"].record.master_keys;
    assert!(bundle.keysets[0].check(genuine_format::trust::KEYSET_TYPE, masters, 2).is_ok());

    // A code the token signed verifies GENUINE in a real store.
    let mut data = Gs1Data::new(genuine_issuer::authority::parse_gtin("4012345000009").unwrap());
    data.insert("21", "HSM0001").unwrap();
    let url = a.issue("tea", data, None, None, NOW, false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = genuine::Store::open(&dir.path().join("g.db"), &a.anchor).unwrap();
    store.import(&bundle, genuine_tests::at(NOW)).unwrap();
    let result = genuine::verify(&store, &url, genuine_tests::at(NOW)).unwrap();
    assert!(matches!(result, genuine::Verdict::Authentic { .. }), "{result:?}");
    assert_eq!(a.claim_key("tea", kid).unwrap().secret().map(|_| ()), None, "a token key gives no secret");

    // The feed: the timestamp key and the revoker sign in the token too.
    a.revoke(
        "tea",
        genuine_format::revocation::ListKind::Cloned,
        &genuine_issuer::authority::parse_gtin("4012345000009").unwrap(),
        "HSM0001",
    )
    .unwrap();
    let feed = tempfile::tempdir().unwrap();
    let report = a.publish(feed.path(), NOW, 3600, false).expect("publish with token keys");
    assert_eq!(report.deltas.len(), 1);

    // Without the token, nothing that needs a token key can be signed.
    let json = serde_json::to_string(&a).unwrap();
    let cold: Authority = serde_json::from_str(&json).unwrap();
    assert!(cold.bundle().is_err());
    let mut data = Gs1Data::new(genuine_issuer::authority::parse_gtin("4012345000009").unwrap());
    data.insert("21", "HSM0002").unwrap();
    let err = cold.issue("tea", data, None, None, NOW, false).unwrap_err();
    assert!(err.to_string().contains("--hsm-module"), "{err}");
}
