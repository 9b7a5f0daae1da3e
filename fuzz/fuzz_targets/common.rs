#![allow(dead_code)]
// Shared by the fuzz targets: the demo trust, from the committed files.
use genuine::Store;
use genuine_format::trust::TrustAnchor;

pub const ANCHOR: &str = include_str!("../../cli/demo/anchor.txt");
pub const BUNDLE: &[u8] = include_bytes!("../../cli/demo/trust.bundle");
/// 2026-08-01: every demo document is valid then.
pub const NOW: u64 = 1_785_542_400;

pub fn anchor() -> TrustAnchor {
    TrustAnchor::from_text(ANCHOR).expect("demo anchor")
}

/// An in-memory store holding the demo bundle.
pub fn demo_store() -> Store {
    let mut store = Store::open_in_memory(&anchor()).expect("store");
    store.import_bundle(BUNDLE, genuine::UnixTime::from_secs(NOW)).expect("demo bundle");
    store
}
