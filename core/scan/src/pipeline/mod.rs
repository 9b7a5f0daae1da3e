//! The scanning pipeline: a frame's looks ([`passes::stages`]), each a work
//! image whose finder census is taken first, then the decoders
//! ([`passes::passes`]) until one reads. Every decoder call is behind
//! `catch_unwind` because rqrr 0.11 panics inside `detect_grids` on some
//! images (WanzenBug/rqrr#54).
//!
//! A frame's scan carries its state from look to look in a [`FrameState`]
//! made for it; the [`Scanner`] keeps only buffers reused from frame to
//! frame, and the one thing that crosses frames by design, the [`Hint`].

mod crowded;
mod decoders;
mod live;
mod passes;
mod rqrr;
mod work;

#[cfg(feature = "compare")]
pub use rqrr::raw_rqrr;
pub use work::MAX_WORK_PIXELS;

use crate::binarize::{Integral, local_radius};
use crate::finders::{self, Candidate, Region};
use crate::{LumaFrame, MIN_SIDE, ScanWork, ScannedCode};
use passes::{Looked, Needs, Stage};
use std::cell::Cell;
use work::{WORK_SHORT_SIDE, Work, live_scale, work_shape};

/// rqrr's grid fitting per frame, in cell samples, shared by all its passes
/// (vendor/rqrr/PATCHED.md). rqrr fits a grid to every plausible capstone
/// triple; a crafted frame full of capstone-like patterns would otherwise
/// cost seconds. Enough for a dozen tries of a small code, or a version-40
/// code and its decoys (docs/BENCHMARKS.md).
pub const FIT_BUDGET: u64 = 250_000;

/// A reusable scanner: holds the scratch buffers so a camera loop does not
/// allocate its own per frame (rqrr still allocates its image inside).
#[derive(Debug, Default)]
pub struct Scanner {
    engine: Engine,
    effort: Effort,
    /// Scratch reused from frame to frame; what it holds is the frame's.
    buffers: Buffers,
    /// Across frames, by design: where the last live frame's code was read
    /// at full size (a code still small in view), for the next frame to
    /// try first. The only state one frame leaves the next.
    hint: Option<Hint>,
}

/// The buffers a scan reuses: their contents belong to the frame being
/// scanned, and nothing is read from them that this frame did not write.
#[derive(Debug, Default)]
struct Buffers {
    /// The last work image's pixels (`integral` is its table).
    work: Vec<u8>,
    row_sums: Vec<u32>,
    #[cfg(feature = "rxing")]
    inverted: Vec<u8>,
    /// The work image thresholded at its local mean, for rxing.
    #[cfg(feature = "rxing")]
    binary: Vec<u8>,
    /// One row of `binary` as the census marks it (1 for dark).
    #[cfg(feature = "rxing")]
    line: Vec<u8>,
    integral: Integral,
    crop: Vec<u8>,
    census: finders::CensusScratch,
}

/// What one frame's scan carries from look to look: made for each frame
/// and dropped after it.
#[derive(Debug)]
struct FrameState {
    /// What is left of the frame's [`FIT_BUDGET`].
    fits: Cell<u64>,
    /// The work done so far.
    count: ScanWork,
    /// The last work image decoded (its pixels and table are in the
    /// scanner's buffers): frame pixels per pixel of it...
    work_scale: usize,
    /// ...and the finder candidates its census saw.
    work_candidates: Vec<Candidate>,
    /// Where this frame read a code at full size: the next frame's hint.
    next_hint: Option<Hint>,
}

impl FrameState {
    fn new() -> FrameState {
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
struct Hint {
    region: Region,
    /// The frame's size: a hint is never used on a frame of another size.
    frame: (usize, usize),
}

/// How hard a [`Scanner`] tries on a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Effort {
    /// Camera frames, 30 a second, most with no readable code: scanned
    /// smaller first (720p and 1080p halved), where a frame in
    /// which the finder census (of every other row) sees no symbol's finder
    /// patterns gets no decoder call there (the next frame comes in 33 ms).
    /// A frame that did not read gets a census at full size (one row in
    /// three, thresholded by blocks) for a code still small in view, and
    /// the region two finders mark, if any, is decoded at full size.
    Live,
    /// Photos and files: every decoder and threshold is tried, whatever the
    /// census saw.
    #[default]
    Photo,
}

/// Which decoders a [`Scanner`] runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// The finders' outlines, rxing (when built with the `rxing` feature),
    /// then the rqrr pipeline.
    #[default]
    Full,
    /// The finders' outlines and the rqrr pipeline, without rxing's reader.
    RqrrPipeline,
    /// Only rxing (nothing without the `rxing` feature).
    Rxing,
}

impl Engine {
    /// Whether rxing's reader runs (it is built in and the engine uses it).
    fn uses_rxing(self) -> bool {
        cfg!(feature = "rxing") && self != Engine::RqrrPipeline
    }
}

impl Scanner {
    /// A scanner with empty buffers, running every decoder.
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// A scanner running only the decoders of `engine` (for measuring them).
    #[cfg(feature = "compare")]
    pub fn with_engine(engine: Engine) -> Scanner {
        Scanner { engine, ..Scanner::default() }
    }

    /// A scanner that tries this hard on every frame.
    pub fn with_effort(effort: Effort) -> Scanner {
        Scanner { effort, ..Scanner::default() }
    }

    /// Tries this hard from the next frame on.
    pub fn set_effort(&mut self, effort: Effort) {
        self.effort = effort;
    }

    /// Finds and decodes every QR code in a frame.
    pub fn scan(&mut self, frame: &LumaFrame<'_>) -> Vec<ScannedCode> {
        self.scan_counted(frame).0
    }

    /// [`Scanner::scan`], with the work it did: the bound on that work is
    /// what keeps a crafted frame from hanging the app (see [`limits`](crate::limits)).
    pub fn scan_counted(&mut self, frame: &LumaFrame<'_>) -> (Vec<ScannedCode>, ScanWork) {
        let mut state = FrameState::new();
        let found = self.scan_frame(frame, &mut state);
        state.count.fit_samples = FIT_BUDGET - state.fits.get();
        (found, state.count)
    }

    /// The frame's looks in turn, until one ends it.
    fn scan_frame(&mut self, frame: &LumaFrame<'_>, state: &mut FrameState) -> Vec<ScannedCode> {
        let short = frame.width().min(frame.height());
        let photo = (short / WORK_SHORT_SIDE).max(1);
        let live = live_scale(short);
        let scale = if self.effort == Effort::Live { live } else { photo };
        // A frame too narrow, or too long and thin, to leave a work image
        // that could hold a symbol: nothing to read, nothing to do.
        if short < MIN_SIDE || work_shape(frame.width(), frame.height(), scale).is_none() {
            return Vec::new();
        }
        // The hint is used once: it is set again only by a read at full size.
        let mut hint = if self.effort == Effort::Live { self.hint.take() } else { None };
        let mut found = Vec::new();
        for &stage in passes::stages(self.effort, live != photo) {
            let mut looked = Looked::NotCloser;
            found = match stage {
                Stage::Hinted => {
                    let found = self.scan_hint(frame, hint.take(), live, state);
                    state.count.hinted = !found.is_empty();
                    found
                }
                Stage::Whole | Stage::Smaller => self.scan_at(frame, scale, stage, None, state),
                Stage::Closer => {
                    let large_modules = finders::large_modules(&state.work_candidates);
                    match self.scan_closer(frame, state) {
                        Some(found) => {
                            looked = Looked::Region { large_modules };
                            found
                        }
                        None => {
                            looked = Looked::NoRegion;
                            Vec::new()
                        }
                    }
                }
                Stage::Again => self.rqrr_again(state),
            };
            if passes::ends_after(stage, !found.is_empty(), state.count.crowded, looked) {
                break;
            }
        }
        if self.effort == Effort::Live {
            self.hint = state.next_hint.take();
        }
        found
    }

    /// Scans the frame at `scale` (or smaller, for a frame whose work image
    /// would pass [`MAX_WORK_PIXELS`]) as `stage` calls for. `known`: the
    /// finders a census of the frame already found in it, in its pixels.
    fn scan_at(
        &mut self,
        frame: &LumaFrame<'_>,
        scale: usize,
        stage: Stage,
        known: Option<Vec<Candidate>>,
        state: &mut FrameState,
    ) -> Vec<ScannedCode> {
        let Some((scale, width, height)) = work_shape(frame.width(), frame.height(), scale) else {
            // Nothing of this image is left for a later look to read.
            self.buffers.work.clear();
            state.work_candidates.clear();
            return Vec::new();
        };
        state.work_scale = scale;
        let mut pixels = std::mem::take(&mut self.buffers.work);
        pixels.clear();
        pixels.reserve(width * height);
        if scale == 1 {
            for y in 0..height {
                pixels.extend_from_slice(frame.row(y));
            }
        } else {
            frame.downscale(scale, width, height, &mut self.buffers.row_sums, &mut pixels);
        }
        let work = Work { pixels: &pixels, width, height, scale, fits: &state.fits };
        let found = self.decode_work(&work, stage, known, &mut state.count, &mut state.work_candidates);
        self.buffers.work = pixels;
        found
    }

    /// The census of a work image, then its decoders if the census allows:
    /// decoders are only given images they can finish.
    fn decode_work(
        &mut self,
        work: &Work<'_>,
        stage: Stage,
        known: Option<Vec<Candidate>>,
        count: &mut ScanWork,
        candidates: &mut Vec<Candidate>,
    ) -> Vec<ScannedCode> {
        let (width, height) = (work.width, work.height);
        let b = &mut self.buffers;
        b.integral.build(work.pixels, width, height);
        let r = local_radius(width, height);
        // A region that the full-size census has just read needs no second census.
        let census = match known {
            Some(candidates) if work.scale == 1 => finders::Census { candidates, ..Default::default() },
            _ => {
                let step = passes::census_step(self.effort);
                finders::census(work.pixels, width, height, &b.integral, r, step, &mut b.census)
            }
        };
        count.candidates = census.candidates.len();
        candidates.clear();
        candidates.extend_from_slice(&census.candidates);
        if census.crowded() {
            count.crowded = true;
            let regions = finders::regions(&census, width, height, count);
            return crowded::crowded(work, &census, &regions, b.scratch(r, self.engine), count);
        }
        let allowed = match passes::needs(self.effort, stage) {
            Needs::Nothing => true,
            Needs::FindersOfASymbol => finders::could_be_a_symbol(&census.candidates),
            Needs::ASymbolWhole => {
                census.candidates.len() >= 3 && finders::symbol(&census, width, height, count).is_some()
            }
        };
        if !allowed {
            return Vec::new();
        }
        self.decoders(work, stage, candidates, count)
    }
}
