//! Arbitrary bytes imported as a bundle into a populated store: refused or
//! accepted, never a panic, and a refused import changes nothing.
#![no_main]
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut store = common::demo_store();
    let before = store.summary(genuine::UnixTime::from_secs(common::NOW)).expect("summary");
    if store.import_bundle(data, genuine::UnixTime::from_secs(common::NOW)).is_err() {
        assert_eq!(before, store.summary(genuine::UnixTime::from_secs(common::NOW)).expect("summary"));
    }
});
