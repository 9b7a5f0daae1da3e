//! One look at a frame: its work image made at a scale, the census of it,
//! then the decoders the census allows (or a crowded frame's regions).

use super::crowded;
use super::passes::{self, Needs, Stage};
use super::state::{FrameState, Scan};
use super::work::{Work, work_shape};
use crate::binarize::local_radius;
use crate::finders::{self, Candidate};
use crate::{LumaFrame, ScanWork, ScannedCode};

impl Scan<'_> {
    /// Scans the frame at `scale` (or smaller, for a frame whose work image
    /// would pass [`MAX_WORK_PIXELS`](super::MAX_WORK_PIXELS)) as `stage` calls for. `known`: the
    /// finders a census of the frame already found in it, in its pixels.
    pub(super) fn scan_at(
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
