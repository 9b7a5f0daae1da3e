//! What a frame's scan works with: the [`FrameState`] made for each frame,
//! and the [`Scan`], the scanner's settings and reusable buffers lent to it.

use super::settings::{Effort, Engine};
use crate::ScanWork;
use crate::binarize::Integral;
use crate::finders::{self, Candidate, Region};
use std::cell::Cell;

/// rqrr's grid fitting per frame, in cell samples, shared by all its passes
/// (vendor/rqrr/PATCHED.md). rqrr fits a grid to every plausible capstone
/// triple; a crafted frame full of capstone-like patterns would otherwise
/// cost seconds. Enough for a dozen tries of a small code, or a version-40
/// code and its decoys (docs/BENCHMARKS.md).
pub const FIT_BUDGET: u64 = 250_000;

/// The buffers a scan reuses: their contents belong to the frame being
/// scanned, and nothing is read from them that this frame did not write.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    /// The last work image's pixels (`integral` is its table).
    pub work: Vec<u8>,
    pub row_sums: Vec<u32>,
    #[cfg(feature = "rxing")]
    pub inverted: Vec<u8>,
    /// The work image thresholded at its local mean, for rxing.
    #[cfg(feature = "rxing")]
    pub binary: Vec<u8>,
    /// One row of `binary` as the census marks it (1 for dark).
    #[cfg(feature = "rxing")]
    pub line: Vec<u8>,
    pub integral: Integral,
    pub crop: Vec<u8>,
    pub census: finders::CensusScratch,
}

/// What one frame's scan carries from look to look: made for each frame
/// and dropped after it.
#[derive(Debug)]
pub(super) struct FrameState {
    /// What is left of the frame's [`FIT_BUDGET`].
    pub fits: Cell<u64>,
    /// The work done so far.
    pub count: ScanWork,
    /// The last work image decoded (its pixels and table are in the
    /// scanner's buffers): frame pixels per pixel of it...
    pub work_scale: usize,
    /// ...and the finder candidates its census saw.
    pub work_candidates: Vec<Candidate>,
    /// Where this frame read a code at full size: the next frame's hint.
    pub next_hint: Option<Hint>,
}

impl FrameState {
    pub fn new() -> FrameState {
        FrameState {
            fits: Cell::new(FIT_BUDGET),
            count: ScanWork::default(),
            work_scale: 0,
            work_candidates: Vec::new(),
            next_hint: None,
        }
    }
}

/// A region of the last live frame, in its pixels, that held a code read at
/// full size: the next frame (33 ms later) most likely shows it there still.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hint {
    pub region: Region,
    /// The frame's size: a hint is never used on a frame of another size.
    pub frame: (usize, usize),
}

/// One frame's scan: the scanner's settings, and its buffers lent for the
/// frame. The looks of a frame are its methods.
pub(super) struct Scan<'s> {
    pub effort: Effort,
    pub engine: Engine,
    pub buffers: &'s mut Buffers,
}
