//! Any text a camera can decode, verified against the demo store: a verdict,
//! never a panic, never an error (the store is healthy).
#![no_main]
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

thread_local! {
    static STORE: RefCell<genuine::Store> = RefCell::new(common::demo_store());
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    STORE.with(|s| {
        genuine::verify(&*s.borrow(), &text, genuine::UnixTime::from_secs(common::NOW)).expect("verify returns a verdict");
    });
});
