//! A finder-pattern census: a cheap, linear count of the places that look
//! like a QR finder pattern (the 1:1:3:1:1 runs of the three corner squares),
//! done before any decoder sees a frame.
//!
//! It exists to bound the work of one scan whatever the frame shows. rxing's
//! multi-code reader tries every triple of finder candidates (O(n³) time and
//! memory), and its single reader and rqrr's grid grouping are cubic too: a
//! small sticker printed with a grid of finder patterns took tens of seconds
//! and hundreds of megabytes (security review finding 6; docs/BENCHMARKS.md,
//! "Crafted frames"). So the multi reader and rqrr only ever
//! see an image whose census is at most [`DENSE_LIMIT`]; a crowded frame is
//! searched here instead, with every step capped: at most [`MAX_CANDIDATES`]
//! candidates, each paired with its [`NEIGHBOURS`] nearest, at most
//! [`MAX_REGIONS`] regions handed on, each to ZXing's own QR reader, which
//! picks one best triple and makes one decode attempt.
//!
//! The census is deliberately more eager than the decoders' own finders: it
//! thresholds by the local mean (as rxing's hybrid binarizer does), counts both
//! polarities (rxing and rqrr also read light-on-dark print) and accepts the
//! same ±50% module tolerance as ZXing.

mod candidate;
mod census;
mod regions;
mod runs;
mod signs;

pub use candidate::{
    Candidate, Census, CensusScratch, DENSE_LIMIT, MAX_CANDIDATES, MAX_REGIONS, NEIGHBOURS, Region,
};
#[cfg(feature = "rxing")]
pub use candidate::{SINGLE_LIMIT, SINGLE_PLAUSIBLE};
#[cfg(feature = "rxing")]
pub use census::census_of_bits;
pub use census::{census, fine_census};
pub(crate) use regions::{Mark, tilted_corner};
pub use regions::{inside, pair_region, regions, symbol};
pub use signs::{could_be_a_symbol, large_modules};
#[cfg(feature = "rxing")]
pub use signs::{faint, mostly_light, skewed};
