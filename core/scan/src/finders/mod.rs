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

mod census;
mod regions;
mod runs;
mod signs;

#[cfg(feature = "rxing")]
pub use census::census_of_bits;
pub use census::{census, fine_census};
pub(crate) use regions::{Mark, tilted_corner};
pub use regions::{inside, pair_region, regions, symbol};
pub use signs::{could_be_a_symbol, large_modules};
#[cfg(feature = "rxing")]
pub use signs::{faint, mostly_light, skewed};

use crate::binarize::Integral;

/// Most candidates a decoder may be given an image with. A frame holds a
/// few codes at most (three finders each); a real photo measured here stays
/// under a dozen.
pub const DENSE_LIMIT: usize = 18;
/// Up to this many candidates a crowded image may still go whole to ZXing's
/// QR reader (after its regions, if they held no code), when it shows
/// at most [`SINGLE_PLAUSIBLE`] symbol-shaped triples: choosing among n
/// candidates costs that reader at most n³/6 distance comparisons (about
/// 150,000 here) before its one decode attempt. A dense legitimate code
/// (version 25 and up) shows 20 to 50 candidates in its data and up to 17
/// plausible triples in the photos measured.
#[cfg_attr(not(feature = "rxing"), allow(dead_code))]
pub const SINGLE_LIMIT: usize = 96;
/// See [`SINGLE_LIMIT`].
#[cfg_attr(not(feature = "rxing"), allow(dead_code))]
pub const SINGLE_PLAUSIBLE: usize = 24;
/// The census stops counting here: its own work is bounded too.
pub const MAX_CANDIDATES: usize = 256;
/// Each candidate is paired only with this many nearest candidates.
pub const NEIGHBOURS: usize = 6;
/// Most regions of a crowded frame handed to the decoders.
pub const MAX_REGIONS: usize = 8;

/// A finder-pattern candidate: its centre and module size, in work pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Centre column.
    pub x: f32,
    /// Centre row.
    pub y: f32,
    /// Estimated module size.
    pub module: f32,
    /// Rows that saw it.
    pub(crate) hits: u16,
    /// Its centre square is lighter than its ring: light-on-dark print.
    pub(crate) light: bool,
}

/// A rectangle of the work image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Left column.
    pub x: usize,
    /// Top row.
    pub y: usize,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

impl Region {
    /// Whether `other` lies wholly inside this region.
    pub fn contains(&self, other: &Region) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.x + other.width <= self.x + self.width
            && other.y + other.height <= self.y + self.height
    }
}

/// The census of one image.
#[derive(Debug, Clone, Default)]
pub struct Census {
    /// Confirmed candidates.
    pub candidates: Vec<Candidate>,
    /// The count stopped at [`MAX_CANDIDATES`]: there are more.
    pub overflow: bool,
    /// Rows counted (all of them unless the count stopped early).
    pub rows: usize,
}

impl Census {
    /// Too many candidates for a decoder to be given the whole image.
    pub fn crowded(&self) -> bool {
        self.overflow || self.candidates.len() > DENSE_LIMIT
    }
}

/// Buffers the census reuses from frame to frame (a camera loop allocates
/// nothing per frame for it but the few candidates it returns).
#[derive(Debug, Default)]
pub struct CensusScratch {
    coarse: Vec<u8>,
    coarse_ii: Integral,
    thresholds: Vec<u8>,
    threshold_row: Vec<u8>,
    line: Vec<u8>,
    runs: Vec<(bool, usize)>,
}
