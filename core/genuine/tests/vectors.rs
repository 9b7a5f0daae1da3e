//! The test vectors in docs/test-vectors/ are what another team's signer and
//! verifier are checked against. Here they are checked two ways: through
//! genuine-core, and by an independent signer written only from docs/FORMAT.md.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer, SigningKey};
use genuine::Store;
use genuine_format::keys::{PublicKey, hex, unhex};
use genuine_format::trust::TrustAnchor;
use serde_json::Value;

fn vectors() -> Value {
    let path = genuine_tests::repo_root().join("docs/test-vectors/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors.json")).expect("JSON")
}

fn detail_of(verdict: &Value) -> Option<String> {
    let pick = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    pick(verdict, "reason")
        .or_else(|| verdict.get("reason").and_then(|r| pick(r, "check")))
        .or_else(|| verdict.get("warnings").and_then(|w| w.get(0)).and_then(|w| pick(w, "warning")))
}

#[test]
fn every_verify_vector_gets_its_verdict() {
    let v = vectors();
    let anchor = TrustAnchor {
        threshold: v["anchor"]["threshold"].as_u64().unwrap() as u8,
        keys: v["anchor"]["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| PublicKey::from_hex(k.as_str().unwrap()).unwrap())
            .collect(),
    };
    let bundle = STANDARD.decode(v["bundle_base64"].as_str().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("v.db"), &anchor).unwrap();
    store.import_bundle(&bundle, genuine_tests::at(genuine_tests::demo::T0)).unwrap();
    let now = v["now"].as_u64().unwrap();
    let cases = v["verify"].as_array().unwrap();
    assert!(cases.len() >= 30, "the vectors cover every check");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let verdict = serde_json::to_value(
            genuine::verify(&store, case["text"].as_str().unwrap(), genuine_tests::at(now)).unwrap(),
        )
        .unwrap();
        assert_eq!(verdict["verdict"], case["verdict"], "{name}: {verdict}");
        if let Some(detail) = case["detail"].as_str() {
            assert_eq!(detail_of(&verdict).as_deref(), Some(detail), "{name}: {verdict}");
        } else if case["verdict"] == "authentic" {
            assert_eq!(verdict["warnings"], serde_json::json!([]), "{name}");
        }
    }
}

/// An independent signer: builds the signed message from FORMAT.md's rules
/// with nothing from genuine-core, signs it with the vector's seed and must
/// print the very `sig` in the vectors.
#[test]
fn an_independent_signer_reproduces_every_sig() {
    let v = vectors();
    let seeds: Vec<(String, u64, String)> = v["claim_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["brand"].as_str().unwrap().into(),
                k["kid"].as_u64().unwrap(),
                k["seed"].as_str().unwrap().into(),
            )
        })
        .collect();
    let cases = v["signing"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let kid = case["kid"].as_u64().unwrap() as u16;
        let mut elements: Vec<(String, String)> = case["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e[0].as_str().unwrap().into(), e[1].as_str().unwrap().into()))
            .collect();
        // FORMAT.md: "sorted bytewise by AI".
        elements.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let header = 0b0010_0000u8;
        let mut msg = b"genuine/code/v1\0".to_vec();
        msg.push(header);
        msg.extend_from_slice(&kid.to_be_bytes());
        // FORMAT.md: "len(AI) | AI | len(value) | value", lengths one byte each.
        for (ai, value) in &elements {
            for field in [ai.as_bytes(), value.as_bytes()] {
                msg.push(u8::try_from(field.len()).unwrap());
                msg.extend_from_slice(field);
            }
        }
        let name = case["name"].as_str().unwrap();
        assert_eq!(hex(&msg), case["message_hex"].as_str().unwrap(), "{name}: message");
        // Which brand signed is in the URL's story, not the code: try the keys of this kid.
        let signed = seeds.iter().filter(|(_, k, _)| *k == u64::from(kid)).find_map(|(_, _, seed)| {
            let seed: [u8; 32] = unhex(seed).unwrap().try_into().unwrap();
            let sig = SigningKey::from_bytes(&seed).sign(&msg).to_bytes();
            let mut raw = vec![header];
            raw.extend_from_slice(&kid.to_be_bytes());
            raw.extend_from_slice(&sig);
            let text = URL_SAFE_NO_PAD.encode(&raw);
            (text == case["sig"].as_str().unwrap()).then_some(text)
        });
        assert!(signed.is_some(), "{name}: independent sig differs");
    }
}
