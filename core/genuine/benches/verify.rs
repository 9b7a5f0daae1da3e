//! `verify` of a code against the bare `verify_strict` of the same message,
//! in one run, so the ratio is what parsing, lookup and checks add.
//! Run: `cargo bench -p genuine --bench verify`

use criterion::{Criterion, criterion_group, criterion_main};
use genuine::{Store, UnixTime, Verdict, verify};
use genuine_format::code::{CodeSignature, signed_message};
use genuine_format::gs1::{Gs1Data, Gtin};
use genuine_format::link::DigitalLink;
use genuine_issuer::Authority;
use std::hint::black_box;

const NOW: u64 = 1_785_542_400;
const AT: UnixTime = UnixTime::from_secs(NOW);

fn setup() -> (Store, String) {
    let mut counter = 0u8;
    let mut rng = || {
        counter += 1;
        [counter; 32]
    };
    let mut a = Authority::new(3, 2, NOW + 86_400 * 3650, NOW, &mut rng).unwrap();
    let prefixes = vec!["9506000".to_string()];
    a.add_brand("acme", "Acme", prefixes, vec!["id.acme.example".into()], 1, 1, NOW, &mut rng).unwrap();
    a.new_claim_key("acme", None, (NOW, NOW + 86_400, NOW + 86_400 * 365), NOW, &mut rng).unwrap();
    let data = Gs1Data::new(Gtin::parse("09506000134352").unwrap()).with("21", "7QK4M2XR9P").unwrap();
    let url = a.issue("acme", data, None, None, NOW, false).unwrap();
    let mut store = Store::open_in_memory(&a.anchor).unwrap();
    store.import(&a.bundle().expect("bundle"), AT).unwrap();
    (store, url)
}

fn bench(c: &mut Criterion) {
    let (store, url) = setup();
    assert!(matches!(verify(&store, &url, AT).unwrap(), Verdict::Authentic(_)));
    let link = DigitalLink::parse(&url).unwrap();
    let sig = CodeSignature::parse(link.sig.as_deref().unwrap()).unwrap();
    let message = signed_message(sig.header, sig.kid, &link.data);
    let key =
        store.key_index().unwrap().keys_for(link.data.gtin(), sig.kid).next().unwrap().record.public_key;
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key.0).unwrap();
    let signature = ed25519_dalek::Signature::from_bytes(&sig.signature);

    let mut group = c.benchmark_group("verify");
    group.bench_function("ed25519_verify_strict (baseline)", |b| {
        b.iter(|| dalek.verify_strict(black_box(&message), black_box(&signature)).is_ok())
    });
    group.bench_function("genuine_verify", |b| b.iter(|| verify(&store, black_box(&url), AT).unwrap()));
    group.bench_function("parse_only", |b| b.iter(|| DigitalLink::parse(black_box(&url)).unwrap()));
    group.bench_function("key_index_only", |b| {
        b.iter(|| store.key_index().unwrap().keys_for(black_box(link.data.gtin()), sig.kid).count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
