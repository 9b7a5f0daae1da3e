//! Genuine's core: signed product codes, their trust chain and offline verification.
//!
//! A code is a GS1 Digital Link URL ([`link`]) carrying product data
//! ([`gs1`]) and a 67-byte signature ([`code`]). Keys form a chain
//! ([`trust`]) delivered in signed envelopes ([`envelope`]), shipped as a
//! bundle ([`bundle`]) and kept in a SQLite store ([`store`], [`import`]).
//! [`verify`] turns a scanned text into a [`verdict::Verdict`]; [`scan`]
//! finds codes in camera frames.
//!
//! This crate has no FFI code; `genuine-ffi` wraps it for Kotlin and Swift.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ai;
#[cfg(feature = "issuer")]
pub mod authority;
pub mod bundle;
pub mod code;
pub mod envelope;
pub mod feed;
pub mod gs1;
pub mod import;
pub mod key_index;
pub mod keys;
pub mod link;
#[cfg(feature = "issuer")]
pub mod publish;
#[cfg(feature = "issuer")]
pub mod render;
pub mod revocation;
pub mod revocation_store;
pub mod scan;
pub mod store;
pub mod sync;
pub mod trust;
pub mod verdict;
pub mod verify;

pub use store::Store;
pub use verdict::Verdict;

impl Store {
    /// Verifies a scanned text offline; see [`verify::verify`].
    pub fn verify(&self, text: &str, device_now: u64) -> Result<Verdict, store::StoreError> {
        verify::verify(self, text, device_now)
    }
}

/// The device clock as unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
