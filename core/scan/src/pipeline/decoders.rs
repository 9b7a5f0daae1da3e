//! The decoders on one work image, in the order [`passes`](super::passes::passes)
//! chose: the finders' outlines, rxing's reader, then rqrr's passes.

use super::passes::{self, Pass, Stage};
use super::rqrr::rqrr;
use super::state::Scan;
use super::work::Work;
use crate::binarize::local_radius;
use crate::finders::Candidate;
use crate::{ScanWork, ScannedCode, outlines};

impl Scan<'_> {
    /// The decoders on a work image whose census (`candidates`) and
    /// summed-area table (the buffers' `integral`) are built, until one
    /// reads.
    pub(super) fn decoders(
        &mut self,
        work: &Work<'_>,
        stage: Stage,
        candidates: &[Candidate],
        count: &mut ScanWork,
    ) -> Vec<ScannedCode> {
        let (width, height) = (work.width, work.height);
        let r = local_radius(width, height);
        count.decoder_calls += 1;
        count.decoder_pixels += width * height;
        let image = passes::Image { width, height, scale: work.scale, candidates: candidates.len() };
        let mut outlined = Vec::new();
        for pass in passes::passes(self.effort, self.engine, stage, image) {
            match pass {
                Pass::Outlines => {
                    let integral = &self.buffers.integral;
                    let image = outlines::Image { pixels: work.pixels, width, height, integral, radius: r };
                    let read = outlines::read(&image, candidates);
                    count.grids += read.grids;
                    outlined = read.codes.into_iter().map(|c| work.code_to_frame(c)).collect();
                    // The other decoders still run if a symbol-shaped
                    // triple was left unread.
                    if !outlined.is_empty() && !read.unread {
                        return outlined;
                    }
                }
                Pass::Rxing { .. } | Pass::RxingPair => {
                    #[cfg(feature = "rxing")]
                    {
                        let found = self.rxing(work, pass, candidates, count);
                        if !found.is_empty() {
                            // A code the outlines read too is kept once.
                            let mut found: Vec<ScannedCode> =
                                found.into_iter().map(|c| work.code_to_frame(c)).collect();
                            found.retain(|c| !outlined.iter().any(|o| o.bytes == c.bytes));
                            outlined.append(&mut found);
                            return outlined;
                        }
                    }
                }
                Pass::RqrrGlobal | Pass::RqrrLocal | Pass::RqrrUpsampled => {
                    // rqrr's passes cost milliseconds: not for more codes beside those read.
                    if !outlined.is_empty() {
                        return outlined;
                    }
                    let found = rqrr(pass, work, &self.buffers.integral, r, count);
                    if !found.is_empty() {
                        return found;
                    }
                }
            }
        }
        outlined
    }

    /// rxing's reader on a work image, its passes in the order the census's
    /// view of the finders calls for.
    #[cfg(feature = "rxing")]
    fn rxing(
        &mut self,
        work: &Work<'_>,
        pass: Pass,
        cands: &[Candidate],
        count: &mut ScanWork,
    ) -> Vec<ScannedCode> {
        use crate::finders;
        let pair = pass == Pass::RxingPair;
        let b = &mut self.buffers;
        let seen = crate::rxing_reader::Seen {
            light: finders::mostly_light(cands),
            dark: cands.iter().all(|c| !c.light),
            faint: finders::faint(cands, &b.integral),
            skewed: pair || finders::skewed(cands),
        };
        let most = match pass {
            Pass::Rxing { most } => most,
            _ => 1,
        };
        let r = local_radius(work.width, work.height);
        let (ii, line) = (&b.integral, &mut b.line);
        let (found, passes, multi_finders) = crate::rxing_reader::read(
            work.pixels,
            (work.width, work.height),
            (&mut b.inverted, &mut b.binary),
            (seen, most),
            |out| ii.binarize(work.pixels, r, out, line),
        );
        count.rxing_passes += passes;
        count.multi_finders = count.multi_finders.max(multi_finders);
        found
    }
}
