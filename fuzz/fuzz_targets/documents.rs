//! Every signed-document parser on arbitrary bytes: the envelope, each trust
//! document opened under the demo keys, each feed payload and the bundle.
#![no_main]
#[path = "common.rs"]
mod common;
use genuine_core::envelope::Envelope;
use genuine_core::feed::{RevocationBase, RevocationDelta, Snapshot, Timestamp};
use genuine_core::trust::{BrandRecord, Keyset, RootDocument};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = genuine_core::bundle::TrustBundle::decode(data);
    let _ = ciborium::from_reader::<Timestamp, _>(data);
    let _ = ciborium::from_reader::<Snapshot, _>(data);
    let _ = ciborium::from_reader::<RevocationDelta, _>(data);
    let _ = ciborium::from_reader::<RevocationBase, _>(data);
    if let Ok(env) = Envelope::decode(data, 1 << 20) {
        let anchor = common::anchor();
        if let Ok(root) = RootDocument::open_first(&env, &anchor) {
            let _ = RootDocument::open_next(&env, &root);
            if let Ok(brand) = BrandRecord::open(&env, &root) {
                let _ = Keyset::open(&env, &brand);
            }
        }
        // Payload decoders run only after signatures in real use; here they
        // face the bytes directly too.
        let _ = env.decode_payload::<RootDocument>();
        let _ = env.decode_payload::<BrandRecord>();
        let _ = env.decode_payload::<Keyset>();
    }
});
