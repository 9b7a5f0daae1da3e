//! What the census finds and hands on: candidates, the census of an image,
//! regions of it, and the limits that bound the work on them.

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
    pub(super) coarse: Vec<u8>,
    pub(super) coarse_ii: Integral,
    pub(super) thresholds: Vec<u8>,
    pub(super) threshold_row: Vec<u8>,
    pub(super) line: Vec<u8>,
    pub(super) runs: Vec<(bool, usize)>,
}
