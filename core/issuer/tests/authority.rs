//! What an operator is told when the authority refuses, so that the fix it
//! names is the one that applies (issue 36).

use genuine_format::gs1::{Gs1Data, Gtin};
use genuine_format::keys::signing::SecretKey;
use genuine_issuer::{Authority, AuthorityError};

const NOW: u64 = 1_790_000_000;
const DAY: u64 = 86_400;

fn rng() -> impl FnMut() -> [u8; 32] {
    let mut counter = 0u8;
    move || {
        counter = counter.wrapping_add(1);
        [counter; 32]
    }
}

fn code(a: &Authority, gtin: &str) -> Result<String, AuthorityError> {
    a.issue("tea", Gs1Data::new(Gtin::parse(gtin).unwrap()), None, None, NOW, false)
}

/// A brand with no key for a GTIN of its own needs a key; a GTIN under none
/// of its prefixes needs its record to claim the prefix, and no key can help.
#[test]
fn a_gtin_outside_the_brands_prefixes_is_told_apart_from_a_missing_key() {
    let mut rng = rng();
    let mut a = Authority::new(3, 2, NOW + 3650 * DAY, NOW, &mut rng).unwrap();
    a.add_brand("tea", "Tea Co", vec!["4012345".into()], vec!["t.example".into()], 2, 2, NOW, &mut rng)
        .unwrap();
    let ours = "04012345000009";
    let theirs = format!("0501234500000{}", genuine_format::gs1::check_digit("0501234500000"));

    assert_eq!(code(&a, ours), Err(AuthorityError::NoActiveKey("tea".into(), ours.into())));
    a.new_claim_key("tea", None, (NOW, NOW + 90 * DAY, NOW + 700 * DAY), NOW, &mut rng).unwrap();
    assert!(code(&a, ours).is_ok());

    let refused = code(&a, &theirs).unwrap_err();
    assert_eq!(
        refused,
        AuthorityError::OutsidePrefixes {
            brand: "tea".into(),
            gtin: theirs.clone(),
            prefixes: "4012345".into()
        }
    );
    let said = refused.to_string();
    assert!(said.contains("--add-prefix") && !said.contains("key new"), "{said}");
    // Naming a key does not change which fix applies.
    let named = a.issue("tea", Gs1Data::new(Gtin::parse(&theirs).unwrap()), Some(1), None, NOW, false);
    assert!(matches!(named, Err(AuthorityError::OutsidePrefixes { .. })), "{named:?}");
}

/// A root whose keys are held by their holders cannot sign a brand record
/// here; one whose keys are in the state (or its token) can.
#[test]
fn a_root_is_held_when_too_few_of_its_keys_sign_here() {
    let mut rng = rng();
    let here = Authority::new(3, 2, NOW + 3650 * DAY, NOW, &mut rng).unwrap();
    assert!(!here.root_is_held());
    let holders = (1..=3u8).map(|i| SecretKey::from_seed(&[i; 32]).public()).collect();
    let (held, _proposal) =
        Authority::propose_new(None, holders, 2, NOW + 3650 * DAY, NOW, &mut rng).unwrap();
    assert!(held.root_is_held());
}
