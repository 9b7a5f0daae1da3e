//! Verification and its words: [`verify()`] judges a scanned text against
//! any [`genuine_state::TrustState`] (a phone's SQLite store, a browser's
//! memory), and [`wording`] turns the verdict into the card a shopper reads.
//!
//! Neither reads a file, a socket or a clock, and nothing here needs SQLite
//! or the scanner: the landing page's WebAssembly build runs this crate as
//! the apps do, so a verdict and its card cannot differ between them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod verify;
pub mod wording;

pub use verify::{CLOCK_SLACK_SECS, verify};
