//! Property tests: what must hold for any valid product data, any single
//! changed byte, any host and any way of splitting a revocation history.

use genuine::Verdict;
use genuine_format::code::{message_for, parse_message};
use genuine_format::gs1::{Gs1Data, Gtin, check_digit};
use genuine_format::revocation::ListKind;
use genuine_format::verdict::Warning;
use genuine_issuer::authority::{Authority, SERIAL_ALPHABET};
use genuine_tests::demo::{self, NOW};
use genuine_tests::{DirFeed, demo_store, dump};
use proptest::prelude::*;
use std::sync::OnceLock;

fn world() -> &'static Authority {
    static A: OnceLock<Authority> = OnceLock::new();
    A.get_or_init(demo::authority)
}

/// Any GTIN under Acme's prefix, any serial, optional batch and expiry.
fn product() -> impl Strategy<Value = Gs1Data> {
    let item = "[0-9]{5}";
    let serial = proptest::collection::vec(0..32usize, 8..=20)
        .prop_map(|ix| ix.into_iter().map(|i| SERIAL_ALPHABET[i] as char).collect::<String>());
    let batch = proptest::option::of("[A-Za-z0-9./_-]{1,20}");
    let expiry = proptest::option::of((20u8..99, 1u8..=12, 0u8..=28));
    (0u8..=9, item, serial, batch, expiry).prop_map(|(indicator, item, serial, batch, expiry)| {
        let body = format!("{indicator}9506000{item}");
        let gtin = Gtin::parse(&format!("{body}{}", check_digit(&body))).expect("valid GTIN");
        let mut data = Gs1Data::new(gtin).with("21", &serial).expect("serial");
        if let Some(b) = batch {
            data.insert("10", &b).expect("batch");
        }
        if let Some((y, m, d)) = expiry {
            data.insert("17", &format!("{y:02}{m:02}{d:02}")).expect("expiry");
        }
        data
    })
}

fn issue(data: Gs1Data) -> String {
    world().issue("acme", data, Some(1), None, NOW, true).expect("issue")
}

fn same_signed_data(v: &Verdict, data: &Gs1Data) -> bool {
    match v {
        Verdict::Authentic(a) => {
            a.product.gtin == data.gtin().as_str()
                && a.product.serial.as_deref() == data.serial()
                && a.product.batch.as_deref() == data.batch()
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn issue_format_parse_verify_round_trips(data in product()) {
        let (_dir, store) = demo_store();
        let url = issue(data.clone());
        let verdict = genuine::verify(&store, &url, genuine_tests::at(NOW)).unwrap();
        prop_assert!(same_signed_data(&verdict, &data), "{url}: {verdict:?}");
    }

    #[test]
    fn a_changed_byte_never_verifies_as_other_signed_data(data in product(), at in any::<prop::sample::Index>(), to in 0x21u8..0x7f) {
        let (_dir, store) = demo_store();
        let url = issue(data.clone());
        let mut bytes = url.clone().into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != to);
        bytes[i] = to;
        let changed = String::from_utf8(bytes).unwrap();
        // Authentic only if what is signed is untouched (a change to the
        // unsigned host, say); otherwise forged, malformed or not signed.
        if let Verdict::Authentic(_) = genuine::verify(&store, &changed, genuine_tests::at(NOW)).unwrap() {
            prop_assert!(same_signed_data(&genuine::verify(&store, &changed, genuine_tests::at(NOW)).unwrap(), &data), "{changed}");
            let link = genuine_format::link::DigitalLink::parse(&changed).unwrap();
            prop_assert_eq!(link.data, genuine_format::link::DigitalLink::parse(&url).unwrap().data);
        }
    }

    #[test]
    fn the_verdict_ignores_the_host_and_non_gs1_query_keys(
        data in product(),
        host in "[a-z]{1,12}\\.[a-z]{2,6}",
        key in "[a-z_]{1,10}",
        value in "[A-Za-z0-9]{0,12}",
    ) {
        let (_dir, store) = demo_store();
        let url = issue(data.clone());
        let moved = url.replacen("id.acme.example", &host, 1).replacen("?sig=", &format!("?{key}={value}&sig="), 1);
        prop_assume!(key != "sig");
        let verdict = genuine::verify(&store, &moved, genuine_tests::at(NOW)).unwrap();
        prop_assert!(same_signed_data(&verdict, &data), "{moved}: {verdict:?}");
        if let Verdict::Authentic(a) = verdict {
            let others: Vec<_> = a.warnings.iter().filter(|w| !matches!(w, Warning::UnregisteredHost { .. })).collect();
            let original = match genuine::verify(&store, &url, genuine_tests::at(NOW)).unwrap() { Verdict::Authentic(o) => o.warnings, _ => vec![] };
            prop_assert_eq!(others.len(), original.len());
        }
    }

    #[test]
    fn a_changed_byte_in_a_bundle_changes_nothing_or_nothing_signed(at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let a = world();
        let mut bundle = a.bundle().expect("bundle").encode();
        let i = at.index(bundle.len());
        bundle[i] ^= flip;
        let (dir, mut store) = genuine_tests::empty_store(&a.anchor);
        let before = dump(&dir.path().join("genuine.db"));
        match store.import_bundle(&bundle, genuine_tests::at(demo::T0)) {
            // Refused: nothing written.
            Err(_) => prop_assert_eq!(before, dump(&dir.path().join("genuine.db"))),
            // Accepted with nothing refused: the byte was outside anything
            // signed (an extra signature beyond the threshold, say), so what
            // the store trusts decides every code exactly as the original
            // bundle does. With a brand document refused (and reported),
            // that brand is simply not trusted: none of its codes is vouched
            // for, and nothing is ever more trusted than the original.
            Ok(report) => {
                let (_r, reference) = demo_store();
                for f in demo::fixtures(a) {
                    let (got, want) = (genuine::verify(&store, &f.text, genuine_tests::at(NOW)).unwrap(), genuine::verify(&reference, &f.text, genuine_tests::at(NOW)).unwrap());
                    let vouched = matches!(got, Verdict::Authentic(_) | Verdict::Revoked { .. });
                    let skipped_brand = !report.refused.is_empty() && !vouched;
                    prop_assert!(got == want || skipped_brand, "{}: {:?} vs {:?}", f.file, got, want);
                }
                if report.refused.is_empty() {
                    prop_assert_eq!(store.summary(genuine_tests::at(NOW)).unwrap(), reference.summary(genuine_tests::at(NOW)).unwrap());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// However a revocation history is cut into deltas, and whether a client
    /// follows every delta or starts late from a base, the lists end the same.
    #[test]
    fn delta_splits_and_bases_give_the_same_lists(
        entries in proptest::collection::vec(any::<u64>(), 1..300),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut a = demo::authority();
        let feed = tempfile::tempdir().unwrap();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(entries.len())).collect();
        cuts.push(entries.len());
        cuts.sort_unstable();
        let (follower_dir, mut follower) = demo_store();
        let mut start = 0;
        for (step, end) in cuts.into_iter().enumerate() {
            a.revoke_entries("acme", ListKind::Revoked, &entries[start..end]).unwrap();
            start = end;
            a.publish(feed.path(), NOW + step as u64, 86_400, false).unwrap();
            genuine::sync(&mut follower, &DirFeed(feed.path().into()), genuine_tests::at(NOW + step as u64), &Default::default()).unwrap();
        }
        a.publish(feed.path(), NOW + 100, 86_400, true).unwrap();
        genuine::sync(&mut follower, &DirFeed(feed.path().into()), genuine_tests::at(NOW + 100), &Default::default()).unwrap();
        let (late_dir, mut late) = demo_store();
        let report = genuine::sync(&mut late, &DirFeed(feed.path().into()), genuine_tests::at(NOW + 100), &Default::default()).unwrap();
        prop_assert!(report.revocations.iter().all(|r| r.used_base));
        let lists = |d: &std::path::Path| dump(d).lines().filter(|l| l.starts_with("rev_")).map(str::to_string).collect::<Vec<_>>();
        drop(follower);
        drop(late);
        prop_assert_eq!(lists(&follower_dir.path().join("genuine.db")), lists(&late_dir.path().join("genuine.db")));
    }
}

/// (AI, value) pairs as an attacker would pick them to move a boundary:
/// AIs of 1 to 5 digits (in GS1's table or not) and values that start with
/// digits, sorted and unique by AI as a signer writes them.
fn adversarial_elements() -> impl Strategy<Value = Vec<(String, String)>> {
    let ai = "[0-9]{1,5}";
    let value = "[0-9]{0,3}[0-9A-Z]{0,12}";
    proptest::collection::btree_map(ai, value, 0..8).prop_map(|m| m.into_iter().collect())
}

/// Moves `shift` characters across the boundary of element `i`: positive
/// from the front of the value to the end of the AI (`21`+`8X6A` becomes
/// `218`+`X6A`), negative from the end of the AI to the front of the value.
fn move_boundary(elements: &[(String, String)], i: usize, shift: i32) -> Option<Vec<(String, String)>> {
    let (ai, value) = elements.get(i)?;
    let n = shift.unsigned_abs() as usize;
    let (ai2, value2) = if shift > 0 {
        (format!("{ai}{}", value.get(..n)?), value.get(n..)?.to_string())
    } else {
        let cut = ai.len().checked_sub(n)?;
        (ai[..cut].to_string(), format!("{}{value}", &ai[cut..]))
    };
    let mut moved = elements.to_vec();
    moved[i] = (ai2, value2);
    moved.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Some(moved)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The signed encoding is injective: every message reads back into the
    /// one list of elements it was made from, for any AIs and values at all
    /// (even ones GS1's table does not have), so no two element sets sign alike.
    #[test]
    fn the_signed_message_reads_back_one_way_only(
        elements in adversarial_elements(),
        header in any::<u8>(),
        kid in any::<u16>(),
    ) {
        let msg = message_for(header, kid, elements.iter().map(|(a, v)| (a.as_str(), v.as_str())));
        prop_assert_eq!(parse_message(&msg), Some((header, kid, elements)));
    }

    /// Security review finding 1, as a property: moving the boundary between
    /// any AI and its value never gives the same signed bytes, and the moved
    /// form never reads as valid GS1 data with the original's meaning.
    #[test]
    fn moving_an_ai_value_boundary_never_signs_alike(
        elements in adversarial_elements(),
        i in any::<proptest::sample::Index>(),
        shift in prop_oneof![-3i32..=-1, 1i32..=3],
    ) {
        prop_assume!(!elements.is_empty());
        let i = i.index(elements.len());
        let Some(moved) = move_boundary(&elements, i, shift) else { return Ok(()) };
        prop_assume!(moved != elements);
        let message = |e: &[(String, String)]| message_for(0x20, 1, e.iter().map(|(a, v)| (a.as_str(), v.as_str())));
        prop_assert_ne!(message(&elements), message(&moved));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The same through the real reader: a genuine code whose serial starts
    /// with digits, its `21` element re-split into any longer AI in the query
    /// (and the expiry likewise), never verifies and never reads as authentic.
    #[test]
    fn a_re_split_code_is_never_authentic(
        digits in "[0-9]{1,3}",
        rest in "[2-9A-HJ-NP-Z]{7,12}",
        shift in 1usize..=3,
    ) {
        let serial = format!("{digits}{rest}");
        let data = Gs1Data::new(Gtin::parse(demo::ACME_GTIN).expect("GTIN"))
            .with("10", "L2611").and_then(|d| d.with("21", &serial)).and_then(|d| d.with("17", "281231"))
            .expect("data");
        let code = issue(data);
        let sig = code.split("sig=").nth(1).expect("sig");
        let n = shift.min(serial.len() - 1);
        let text = format!(
            "https://id.acme.example/01/{}/10/L2611?172=81231&21{}={}&sig={sig}",
            demo::ACME_GTIN, &serial[..n], &serial[n..]
        );
        let (_dir, store) = demo_store();
        let verdict = genuine::verify(&store, &text, genuine_tests::at(NOW)).expect("verify");
        prop_assert!(matches!(verdict, Verdict::Malformed { .. } | Verdict::Forged { .. }), "{:?}", verdict);
    }
}
