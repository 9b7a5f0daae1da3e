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
mod look;
mod passes;
mod rqrr;
mod settings;
mod state;
mod work;

#[cfg(feature = "compare")]
pub use rqrr::raw_rqrr;
pub use settings::{Effort, Engine};
pub use state::FIT_BUDGET;
pub use work::MAX_WORK_PIXELS;

use crate::{LumaFrame, MIN_SIDE, ScanWork, ScannedCode, finders};
use passes::{Looked, Stage};
use state::{Buffers, FrameState, Hint, Scan};
use work::{WORK_SHORT_SIDE, live_scale, work_shape};

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
        let mut scan = Scan { effort: self.effort, engine: self.engine, buffers: &mut self.buffers };
        let mut found = Vec::new();
        for &stage in passes::stages(self.effort, live != photo) {
            let mut looked = Looked::NotCloser;
            found = match stage {
                Stage::Hinted => {
                    let found = scan.scan_hint(frame, hint.take(), live, state);
                    state.count.hinted = !found.is_empty();
                    found
                }
                Stage::Whole | Stage::Smaller => scan.scan_at(frame, scale, stage, None, state),
                Stage::Closer => {
                    let large_modules = finders::large_modules(&state.work_candidates);
                    match scan.scan_closer(frame, state) {
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
                Stage::Again => scan.rqrr_again(state),
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
}
