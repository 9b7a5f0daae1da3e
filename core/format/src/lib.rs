//! Genuine's format and trust chain, with no I/O: what a code says, who may
//! sign it, and what a verification found.
//!
//! A code is a GS1 Digital Link URL ([`link`]) carrying product data
//! ([`gs1`], with GS1's AI table in [`ai`]) and a 67-byte signature
//! ([`code`]). Keys ([`keys`]) form a chain ([`trust`]) delivered in signed
//! envelopes ([`envelope`]): a document is decoded only from the
//! [`envelope::Verified`] proof that its signatures checked. [`bundle`] and
//! [`feed`] are the files that carry them, [`revocation`] the lists that
//! withdraw codes, [`admit`] decides which documents a store may take, and
//! [`verdict`] is what a verification reports.
//!
//! Nothing here reads a file, a socket or a clock (time comes in as
//! [`UnixTime`]), so this crate builds for `wasm32-unknown-unknown`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admit;
pub mod ai;
pub mod bundle;
pub mod code;
pub mod envelope;
pub mod feed;
pub mod filter;
pub mod gs1;
pub mod keys;
pub mod link;
pub mod revocation;
mod time;
pub mod trust;
pub mod verdict;

pub use time::UnixTime;
pub use verdict::Verdict;
