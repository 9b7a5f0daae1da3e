//! The trust chain on a real SQLite file: every refusal leaves the store
//! exactly as it was.

use genuine::StoreError;
use genuine::{AdmitError, DocumentError, ImportError};
use genuine::{Store, Verdict};
use genuine_format::bundle::{BundleError, TrustBundle};
use genuine_format::envelope::{Envelope, EnvelopeError, seal};
use genuine_format::keys::signing::SecretKey;
use genuine_format::trust::{BRAND_TYPE, KEYSET_TYPE, ROOT_TYPE, TrustError};
use genuine_issuer::authority::Authority;
use genuine_tests::demo::{self, NOW, T0};
use genuine_tests::{dump, empty_store};
use std::path::PathBuf;

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("genuine.db")
}

/// Imports `bundle` and asserts it is refused with the store unchanged.
fn refused(store: &mut Store, dir: &tempfile::TempDir, bundle: &TrustBundle, now: u64) -> AdmitError {
    let before = dump(&db_path(dir));
    let err = store.import(bundle, genuine_tests::at(now)).expect_err("import must be refused");
    assert_eq!(before, dump(&db_path(dir)), "a refused import changed the store: {err}");
    match err {
        ImportError::Refused(e) => e,
        ImportError::Store(e) => panic!("refused by the store, not the checks: {e}"),
    }
}

/// Imports `bundle`, whose one brand document must be skipped and reported
/// (one brand's refused document never blocks the rest), with the store unchanged.
fn skipped(store: &mut Store, dir: &tempfile::TempDir, bundle: &TrustBundle, now: u64) -> DocumentError {
    let before = dump(&db_path(dir));
    let report = store
        .import(bundle, genuine_tests::at(now))
        .expect("a brand document is skipped, the import goes on");
    assert_eq!(before, dump(&db_path(dir)), "a skipped document changed the store");
    report.refused.into_iter().next().expect("the document is reported as refused").error
}

/// The document error of an import refused over a root.
fn root_error(err: AdmitError) -> DocumentError {
    match err {
        AdmitError::Root(e) => e,
        e => panic!("not a root refusal: {e}"),
    }
}

fn below_threshold(err: &DocumentError) -> bool {
    matches!(
        err,
        DocumentError::Untrusted { source: TrustError::Envelope(EnvelopeError::BelowThreshold { .. }), .. }
            | DocumentError::Untrusted { source: TrustError::NotSignedByPrevious { .. }, .. }
            | DocumentError::Untrusted { source: TrustError::NotSignedBySelf { .. }, .. }
    )
}

fn secrets(keys: &[genuine_issuer::keys::KeyRef]) -> Vec<SecretKey> {
    keys.iter().map(|k| k.secret().expect("the demo keeps seeds")).collect()
}

/// The demo world before and after a root rotation to `keys` fresh keys (threshold 2).
fn rotated(keys: usize) -> (Authority, Authority) {
    let old = demo::authority();
    let mut new = old.clone();
    new.rotate_root(keys, 2, demo::VERIFY_UNTIL, NOW, &mut demo::seeded("rotation")).unwrap();
    (old, new)
}

fn genuine_code(a: &Authority) -> String {
    demo::fixtures(a).into_iter().next().unwrap().text
}

#[test]
fn the_demo_bundle_imports_and_a_second_import_changes_nothing() {
    let a = demo::authority();
    let (dir, mut store) = empty_store(&a.anchor);
    let report = store.import(&a.bundle().expect("bundle"), genuine_tests::at(T0)).unwrap();
    assert_eq!(report.roots_added, vec![1]);
    assert_eq!(report.brands_updated.len(), 2);
    assert_eq!(report.keysets_updated.len(), 2);
    let before = dump(&db_path(&dir));
    let again = store.import_bundle(&a.bundle().expect("bundle").encode(), genuine_tests::at(T0)).unwrap();
    assert_eq!(again.unchanged, 5);
    assert_eq!(before, dump(&db_path(&dir)));
    let summary = store.summary(genuine_tests::at(T0)).unwrap();
    assert_eq!(summary.root_version, Some(1));
    assert_eq!(summary.brands.iter().map(|b| b.claim_keys).sum::<u32>(), 3);
}

#[test]
fn a_root_below_its_threshold_is_refused() {
    let a = demo::authority();
    let (dir, mut store) = empty_store(&a.anchor);
    let mut bundle = a.bundle().expect("bundle");
    bundle.roots[0].signatures.truncate(1); // 1 of 3, threshold 2
    let err = root_error(refused(&mut store, &dir, &bundle, T0));
    assert!(below_threshold(&err), "{err}");
}

#[test]
fn a_root_not_signed_by_the_pinned_keys_is_refused() {
    let a = demo::authority();
    let mut rng = demo::seeded("impostor");
    let mut impostor = Authority::new(3, 2, demo::VERIFY_UNTIL, T0, &mut rng).unwrap();
    let prefixes = vec!["4012345".to_string()];
    impostor.add_brand("tea", "Tea Co", prefixes, vec!["t.example".into()], 1, 1, T0, &mut rng).unwrap();
    let (dir, mut store) = empty_store(&a.anchor);
    // Said plainly (a newcomer's mistake: issue 15): the bundle is another world's.
    let err = refused(&mut store, &dir, &impostor.bundle().expect("bundle"), T0);
    assert!(matches!(err, AdmitError::OtherAnchor { roots: 1 }), "{err}");
    assert!(err.to_string().contains("made for another trust anchor"), "{err}");
    // One valid signature of the two needed is this world's root, short of
    // signatures: not "another anchor".
    let mut short = a.bundle().expect("bundle");
    short.roots[0].signatures.truncate(1);
    let err = root_error(refused(&mut store, &dir, &short, T0));
    assert!(below_threshold(&err), "{err}");
    // The same mistake with a store that already trusts this world's root.
    let (dir, mut held) = genuine_tests::demo_store();
    let err = refused(&mut held, &dir, &impostor.bundle().expect("bundle"), T0);
    assert!(matches!(err, AdmitError::OtherAnchor { roots: 1 }), "{err}");
}

#[test]
fn a_rotated_root_is_trusted_from_old_and_new_stores() {
    let (old, new) = rotated(2);
    let code = genuine_code(&old);

    // A store that already trusts v1 follows the rotation.
    let (_d1, mut upgraded) = genuine_tests::demo_store();
    let report = upgraded.import(&new.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
    assert_eq!(report.roots_added, vec![2]);
    assert!(report.brands_dropped.is_empty());
    assert!(matches!(
        genuine::verify(&upgraded, &code, genuine_tests::at(NOW)).unwrap(),
        Verdict::Authentic(_)
    ));

    // A fresh install pinned to v1's keys walks v1 -> v2.
    let (_d2, mut fresh) = empty_store(&old.anchor);
    assert_eq!(
        fresh.import(&new.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap().roots_added,
        vec![1, 2]
    );
    assert!(matches!(genuine::verify(&fresh, &code, genuine_tests::at(NOW)).unwrap(), Verdict::Authentic(_)));

    // The old root's keys no longer vouch for brands.
    let mut record = old.brands["acme"].record.clone();
    record.version = 99;
    let old_root = secrets(&old.root_keys);
    let stale = seal(BRAND_TYPE, &record, &old_root.iter().collect::<Vec<_>>());
    let bundle = TrustBundle { brands: vec![stale], ..Default::default() };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db_path(&dir), &old.anchor).unwrap();
    store.import(&new.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
    let err = skipped(&mut store, &dir, &bundle, NOW);
    assert!(below_threshold(&err), "{err}");
}

#[test]
fn a_rotation_needs_both_the_old_and_the_new_keys() {
    let (old, new) = rotated(2);
    let v2 = Envelope::decode(&new.root_envelopes[1], usize::MAX).unwrap();
    let old_ids: Vec<_> = old.root.keys.iter().map(|k| k.key_id()).collect();

    for keep_old in [true, false] {
        let mut env = v2.clone();
        env.signatures.retain(|s| old_ids.contains(&s.keyid) == keep_old);
        let bundle = TrustBundle { roots: vec![env], ..Default::default() };
        let (dir, mut store) = genuine_tests::demo_store();
        let err = root_error(refused(&mut store, &dir, &bundle, NOW));
        let expected = if keep_old { "own keys" } else { "root it replaces" };
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[test]
fn a_root_version_gap_is_refused() {
    let a = demo::authority();
    let mut b = a.clone();
    let mut rng = demo::seeded("gap");
    b.rotate_root(3, 2, demo::VERIFY_UNTIL, NOW, &mut rng).unwrap();
    b.rotate_root(3, 2, demo::VERIFY_UNTIL, NOW, &mut rng).unwrap();
    let v3 = Envelope::decode(&b.root_envelopes[2], usize::MAX).unwrap();
    let (dir, mut store) = genuine_tests::demo_store();
    let bundle = TrustBundle { roots: vec![v3], ..Default::default() };
    // v3 is signed by v2's keys, which this store has never trusted.
    let err = root_error(refused(&mut store, &dir, &bundle, NOW));
    assert!(matches!(err, DocumentError::Untrusted { source: TrustError::NotSignedByPrevious { .. }, .. }));
}

#[test]
fn a_rotation_that_drops_a_brand_drops_its_keys() {
    let (old, new) = rotated(3);
    let (_dir, mut store) = genuine_tests::demo_store();
    // Only the new root: the stored brand records were signed by v1's keys.
    let v2 = Envelope::decode(&new.root_envelopes[1], usize::MAX).unwrap();
    let report =
        store.import(&TrustBundle { roots: vec![v2], ..Default::default() }, genuine_tests::at(NOW)).unwrap();
    assert_eq!(report.brands_dropped, vec!["acme".to_string(), "globex".to_string()]);
    assert!(matches!(
        genuine::verify(&store, &genuine_code(&old), genuine_tests::at(NOW)).unwrap(),
        Verdict::UnknownIssuer { .. }
    ));
}

#[test]
fn an_expired_root_is_refused() {
    let a = demo::authority();
    let (dir, mut store) = empty_store(&a.anchor);
    let err = refused(&mut store, &dir, &a.bundle().expect("bundle"), demo::VERIFY_UNTIL);
    assert!(matches!(err, AdmitError::RootExpired { version: 1, .. }), "{err}");
}

#[test]
fn a_document_of_the_wrong_type_is_refused() {
    let a = demo::authority();
    // A root envelope offered as a brand record.
    let mut bundle = a.bundle().expect("bundle");
    bundle.brands = vec![bundle.roots[0].clone()];
    let (dir, mut store) = genuine_tests::demo_store();
    let err = skipped(&mut store, &dir, &bundle, NOW);
    assert!(
        matches!(
            err,
            DocumentError::Untrusted {
                source: TrustError::Envelope(EnvelopeError::WrongPayloadType { .. }),
                ..
            }
        ),
        "{err}"
    );
    // Relabelling the type breaks the signature: the type is signed (PAE).
    let mut relabelled = a.bundle().expect("bundle");
    relabelled.brands[0].payload_type = KEYSET_TYPE.into();
    relabelled.keysets = vec![relabelled.brands[0].clone()];
    relabelled.brands.clear();
    let err = skipped(&mut store, &dir, &relabelled, NOW);
    assert!(matches!(err, DocumentError::Untrusted { .. } | DocumentError::UnknownBrand(_)), "{err}");
    let mut retyped = a.bundle().expect("bundle");
    retyped.roots[0].payload_type = BRAND_TYPE.into();
    retyped.brands = vec![retyped.roots[0].clone()];
    retyped.roots.clear();
    let err = skipped(&mut store, &dir, &retyped, NOW);
    assert!(below_threshold(&err), "{err}");
    assert_ne!(ROOT_TYPE, BRAND_TYPE);
}

#[test]
fn a_keyset_must_stay_inside_its_brand() {
    let a = demo::authority();
    let acme = &a.brands["acme"];
    let masters = secrets(&acme.master_keys);
    let signers: Vec<&SecretKey> = masters.iter().collect();

    // Acme's masters grant a key over Globex's prefix.
    let mut keyset = acme.keyset.clone();
    keyset.version += 1;
    keyset.keys[0].company_prefixes = vec!["0614141".into()];
    let bundle = TrustBundle { keysets: vec![seal(KEYSET_TYPE, &keyset, &signers)], ..Default::default() };
    let (dir, mut store) = genuine_tests::demo_store();
    let err = skipped(&mut store, &dir, &bundle, NOW);
    assert!(matches!(err, DocumentError::Untrusted { source: TrustError::Invalid { .. }, .. }), "{err}");

    // Acme's masters sign a keyset that names Globex: Globex's masters are required.
    let mut keyset = a.brands["globex"].keyset.clone();
    keyset.version += 1;
    let bundle = TrustBundle { keysets: vec![seal(KEYSET_TYPE, &keyset, &signers)], ..Default::default() };
    let err = skipped(&mut store, &dir, &bundle, NOW);
    let wrong_brand = matches!(err, DocumentError::Untrusted { source: TrustError::WrongBrand { .. }, .. });
    assert!(wrong_brand || below_threshold(&err), "{err}");

    // A keyset for a brand nobody vouched for.
    keyset.brand_id = "nobody".into();
    let bundle = TrustBundle { keysets: vec![seal(KEYSET_TYPE, &keyset, &signers)], ..Default::default() };
    let err = skipped(&mut store, &dir, &bundle, NOW);
    let wrong_brand = matches!(err, DocumentError::Untrusted { source: TrustError::WrongBrand { .. }, .. });
    assert!(wrong_brand || matches!(err, DocumentError::UnknownBrand(_)), "{err}");
}

#[test]
fn a_brand_cannot_claim_another_brands_prefix() {
    let a = demo::authority();
    let mut record = a.brands["globex"].record.clone();
    record.brand_id = "evil".into();
    record.company_prefixes = vec!["95060001".into()]; // inside Acme's 9506000
    let root = secrets(&a.root_keys);
    let env = seal(BRAND_TYPE, &record, &root.iter().collect::<Vec<_>>());
    let (dir, mut store) = genuine_tests::demo_store();
    let bundle = TrustBundle { brands: vec![env], ..Default::default() };
    assert!(matches!(skipped(&mut store, &dir, &bundle, NOW), DocumentError::PrefixConflict { .. }));
}

/// The operator's side of the same rule: a brand whose prefix nests with
/// another's is refused when added, and a state that holds one (made before
/// that check) is refused at publish with nothing written, since every phone
/// would refuse the pair.
#[test]
fn the_operator_refuses_nesting_prefixes_before_phones_have_to() {
    let mut a = demo::authority();
    let mut rng = demo::seeded("nesting");
    for nested in ["9506", "95060001"] {
        let added = a.add_brand("evil", "Evil", vec![nested.into()], vec![], 1, 1, NOW, &mut rng);
        assert!(added.unwrap_err().to_string().contains("overlaps brand 'acme'"), "{nested}");
    }
    a.brands.get_mut("globex").unwrap().record.company_prefixes = vec!["95060001".into()];
    let feed = tempfile::tempdir().unwrap();
    let err = a.publish(feed.path(), NOW, 86_400, false).unwrap_err();
    assert!(err.to_string().contains("overlaps"), "{err}");
    assert_eq!(std::fs::read_dir(feed.path()).unwrap().count(), 0, "nothing published");
}

#[test]
fn older_documents_never_roll_back_newer_ones() {
    let before = demo::authority();
    let mut after = before.clone();
    after.revoke_claim_key("acme", 1, NOW).unwrap();
    let (_dir, mut store) = empty_store(&before.anchor);
    store.import(&after.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
    let code = genuine_code(&before);
    assert!(matches!(
        genuine::verify(&store, &code, genuine_tests::at(NOW)).unwrap(),
        Verdict::Revoked { .. }
    ));
    // The older keyset, where key 1 is not revoked, is skipped.
    let report = store.import(&before.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
    assert!(report.keysets_updated.is_empty());
    assert!(matches!(
        genuine::verify(&store, &code, genuine_tests::at(NOW)).unwrap(),
        Verdict::Revoked { .. }
    ));
}

#[test]
fn two_documents_with_one_version_are_a_conflict() {
    let a = demo::authority();
    let mut b = a.clone();
    b.revoke_claim_key("acme", 1, NOW).unwrap();
    let mut fork = b.bundle().expect("bundle");
    // Same version number as the stored keyset, different content.
    let acme = &b.brands["acme"];
    let mut keyset = acme.keyset.clone();
    keyset.version = a.brands["acme"].keyset.version;
    let masters = secrets(&acme.master_keys);
    fork.keysets = vec![seal(KEYSET_TYPE, &keyset, &masters.iter().collect::<Vec<_>>())];
    fork.brands.clear();
    let (dir, mut store) = genuine_tests::demo_store();
    assert!(matches!(skipped(&mut store, &dir, &fork, NOW), DocumentError::Conflict(_)));
}

#[test]
fn garbage_and_oversized_bundles_are_refused() {
    let a = demo::authority();
    let (dir, mut store) = genuine_tests::demo_store();
    let before = dump(&db_path(&dir));
    for bytes in [vec![], vec![0xff; 10_000], b"not cbor at all".to_vec(), vec![0; 9 << 20]] {
        let err = store.import_bundle(&bytes, genuine_tests::at(NOW)).unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::Refused(AdmitError::Bundle(BundleError::NotABundle | BundleError::TooLarge(_)))
            ),
            "{err}"
        );
    }
    // A bundle whose envelopes are garbage.
    let mut wire = a.bundle().expect("bundle").encode();
    let n = wire.len();
    wire[n - 20..].fill(0xAA);
    // More roots than any real chain of rotations: refused before any is checked.
    let mut many = a.bundle().expect("bundle");
    many.roots = vec![many.roots[0].clone(); genuine_format::bundle::MAX_ROOTS + 1];
    assert!(matches!(
        store.import_bundle(&many.encode(), genuine_tests::at(NOW)),
        Err(ImportError::Refused(AdmitError::Bundle(BundleError::TooManyDocuments)))
    ));
    // Refused whole, or the broken document refused and reported: never trusted.
    if let Ok(report) = store.import_bundle(&wire, genuine_tests::at(NOW)) {
        assert!(!report.refused.is_empty(), "{report:?}");
    }
    assert_eq!(before, dump(&db_path(&dir)));
}

#[test]
fn a_store_is_bound_to_its_anchor() {
    let a = demo::authority();
    let other = Authority::new(1, 1, demo::VERIFY_UNTIL, T0, &mut demo::seeded("other")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(&db_path(&dir), &a.anchor).unwrap());
    assert!(matches!(Store::open(&db_path(&dir), &other.anchor), Err(StoreError::AnchorMismatch)));
    assert!(Store::open(&db_path(&dir), &a.anchor).is_ok());
}
