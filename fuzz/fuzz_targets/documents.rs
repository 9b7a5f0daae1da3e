//! Every signed-document parser on arbitrary bytes: the envelope, each trust
//! document opened under the demo keys, each feed payload, revocation filters
//! (and a query of each block) and the bundle;
//! then the same bytes *signed* as each document type with a world's keys
//! (public seeds), so the checks behind the signatures — ranges, roles,
//! scopes, windows — face arbitrary payloads too.
#![no_main]
#[path = "common.rs"]
mod common;
#[path = "world.rs"]
mod world;
use genuine_format::envelope::{Envelope, seal_bytes};
use genuine_format::feed::{
    BASE_TYPE, DELTA_TYPE, RevocationBase, RevocationDelta, SNAPSHOT_TYPE, Snapshot, TIMESTAMP_TYPE, Timestamp,
};
use genuine_format::keys::signing::SecretKey;
use genuine_format::trust::{BRAND_TYPE, BrandRecord, KEYSET_TYPE, Keyset, ROOT_TYPE, RootDocument};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Keys {
    world: genuine_issuer::authority::Authority,
    root: Vec<SecretKey>,
    masters: Vec<SecretKey>,
    timestamp: Vec<SecretKey>,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| {
        let world = world::world();
        let key = |k: &genuine_issuer::keys::KeyRef| k.secret().expect("the fuzz world keeps seeds");
        Keys {
            root: world.root_keys.iter().map(key).collect(),
            masters: world.brands["acme"].master_keys.iter().map(key).collect(),
            timestamp: world.timestamp_keys.iter().map(key).collect(),
            world,
        }
    })
}

fn signed(ty: &str, data: &[u8], keys: &[SecretKey]) -> Envelope {
    seal_bytes(ty, data.to_vec(), &keys.iter().collect::<Vec<_>>())
}

fuzz_target!(|data: &[u8]| {
    let _ = genuine_format::bundle::TrustBundle::decode(data);
    let _ = ciborium::from_reader::<Timestamp, _>(data);
    let _ = ciborium::from_reader::<Snapshot, _>(data);
    let _ = ciborium::from_reader::<RevocationDelta, _>(data);
    let _ = ciborium::from_reader::<RevocationBase, _>(data);
    let _ = ciborium::from_reader::<genuine_format::feed::RevocationFilterDoc, _>(data);
    // A filter that decodes answers any query without panicking.
    if let Ok(filter) = genuine_format::filter::RevocationFilter::decode(data) {
        for (kid, kind) in filter.blocks() {
            let _ = filter.contains(kid, kind, u64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8])));
            let _ = filter.contains(kid, kind, u64::MAX);
        }
    }
    if let Ok(env) = Envelope::decode(data, 1 << 20) {
        let anchor = common::anchor();
        if let Ok(root) = RootDocument::open_first(&env, &anchor) {
            let _ = RootDocument::open_next(&env, &root);
            if let Ok(brand) = BrandRecord::open(&env, &root) {
                let _ = Keyset::open(&env, &brand);
            }
        }
        // The payload parsers themselves, on any bytes (in the library they
        // only ever see bytes a trusted key signed).
        let _ = ciborium::from_reader::<RootDocument, _>(env.payload.as_slice());
        let _ = ciborium::from_reader::<BrandRecord, _>(env.payload.as_slice());
        let _ = ciborium::from_reader::<Keyset, _>(env.payload.as_slice());
    }

    // Signed: past the signatures, into each document's own checks.
    let k = keys();
    let root = &k.world.root;
    let _ = RootDocument::open_first(&signed(ROOT_TYPE, data, &k.root), &k.world.anchor);
    let _ = RootDocument::open_next(&signed(ROOT_TYPE, data, &k.root), root);
    let _ = BrandRecord::open(&signed(BRAND_TYPE, data, &k.root), root);
    let _ = Keyset::open(&signed(KEYSET_TYPE, data, &k.masters), &k.world.brands["acme"].record);
    let ts = (&root.timestamp_keys, usize::from(root.timestamp_threshold));
    let _ = signed(TIMESTAMP_TYPE, data, &k.timestamp).open::<Timestamp>(TIMESTAMP_TYPE, ts.0, ts.1);
    let _ = signed(SNAPSHOT_TYPE, data, &k.timestamp).open::<Snapshot>(SNAPSHOT_TYPE, ts.0, ts.1);
    let revokers = &k.world.brands["acme"].record.revoker_keys;
    let revoker: Vec<SecretKey> =
        k.world.brands["acme"].revoker_keys.iter().filter_map(|k| k.secret()).collect();
    let _ = signed(DELTA_TYPE, data, &revoker).open::<RevocationDelta>(DELTA_TYPE, revokers, 1);
    let _ = signed(BASE_TYPE, data, &revoker).open::<RevocationBase>(BASE_TYPE, revokers, 1);
});
