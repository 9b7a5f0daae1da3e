//! A sync against a feed whose every file the fuzzer chooses, applied to a
//! populated store: refused or applied, never a panic; a refused sync leaves
//! the store as it was.
#![no_main]
#[path = "common.rs"]
mod common;
use genuine::{CancelToken, Fetch, FetchError, Fetched};
use libfuzzer_sys::fuzz_target;

/// Serves the input's chunks (split on 0xFF 0xFE) to successive requests; an
/// empty chunk is a 404.
struct Hostile(Vec<Vec<u8>>, std::sync::atomic::AtomicUsize);

impl Fetch for Hostile {
    fn fetch(&self, _path: &str, cap: u64, _etag: Option<&str>, _cancel: &CancelToken) -> Result<Fetched, FetchError> {
        let i = self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.0.get(i) {
            Some(b) if b.is_empty() => Ok(Fetched::NotFound),
            Some(b) if b.len() as u64 > cap => Err(FetchError::TooLarge { path: "x".into(), cap }),
            Some(b) => Ok(Fetched::Body(b.clone(), None)),
            None => Ok(Fetched::NotFound),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut chunks = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(2).position(|w| w == [0xFF, 0xFE]) {
        chunks.push(rest[..at].to_vec());
        rest = &rest[at + 2..];
    }
    chunks.push(rest.to_vec());
    let mut store = common::demo_store();
    let before = store.summary(genuine::UnixTime::from_secs(common::NOW)).expect("summary");
    let feed = Hostile(chunks, Default::default());
    if genuine::sync(&mut store, &feed, genuine::UnixTime::from_secs(common::NOW), &Default::default()).is_err() {
        assert_eq!(before, store.summary(genuine::UnixTime::from_secs(common::NOW)).expect("summary"));
    }
});
