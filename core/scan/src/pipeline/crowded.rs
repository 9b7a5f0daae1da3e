//! A crowded frame (more finder candidates than a decoder may be given):
//! only the regions where three candidates form a symbol's corners are
//! decoded, by the decoders [`in_crowded_regions`] chooses.

use super::passes::in_crowded_regions;
use super::rqrr::detect;
use super::settings::Engine;
use super::state::Buffers;
use super::work::Work;
use crate::binarize::{Integral, otsu};
use crate::finders::{self, Region};
use crate::{Point, ScanWork, ScannedCode};

/// Regions of a crowded frame that rqrr tries (both polarities), where it
/// is the decoder (a build without rxing): its grid fitting costs
/// milliseconds per decoy triple, so a crafted frame costs such a build
/// at most this many regions' worth.
const RQRR_REGIONS: usize = finders::MAX_REGIONS;

/// What a crowded-frame decode borrows from its scanner.
pub(super) struct Scratch<'a> {
    crop: &'a mut Vec<u8>,
    /// The work image's summed-area table and local radius: a region's
    /// local mean is read from it at the region's offset.
    integral: &'a Integral,
    radius: usize,
    #[cfg(feature = "rxing")]
    inverted: &'a mut Vec<u8>,
    engine: Engine,
}

impl Buffers {
    /// What a crowded-frame decode of the work image (local radius
    /// `radius`) borrows.
    pub(super) fn scratch(&mut self, radius: usize, engine: Engine) -> Scratch<'_> {
        Scratch {
            crop: &mut self.crop,
            integral: &self.integral,
            radius,
            #[cfg(feature = "rxing")]
            inverted: &mut self.inverted,
            engine,
        }
    }
}

/// The regions of a crowded work image, each holding few candidates, their
/// total area at most twice the work image's. Every code found in them is
/// returned.
pub(super) fn crowded(
    work: &Work<'_>,
    census: &finders::Census,
    regions: &[Region],
    scratch: Scratch<'_>,
    count: &mut ScanWork,
) -> Vec<ScannedCode> {
    let decoders = in_crowded_regions(scratch.engine);
    let cands = &census.candidates;
    let mut found: Vec<ScannedCode> = Vec::new();
    let mut budget = 2 * work.width * work.height;
    let mut rqrr_tries = 0;
    for r in regions {
        let area = r.width * r.height;
        if area == 0 || area > budget || finders::inside(cands, r) > finders::DENSE_LIMIT {
            continue;
        }
        budget -= area;
        scratch.crop.clear();
        for y in r.y..r.y + r.height {
            scratch
                .crop
                .extend_from_slice(&work.pixels[y * work.width + r.x..y * work.width + r.x + r.width]);
        }
        let crop = Work { pixels: scratch.crop, width: r.width, height: r.height, scale: 1, ..*work };
        count.decoder_calls += 1;
        count.decoder_pixels += area;
        let mut codes = Vec::new();
        #[cfg(feature = "rxing")]
        if decoders.rxing {
            codes = crate::rxing_reader::read_single(crop.pixels, crop.width, crop.height, scratch.inverted);
        }
        if codes.is_empty() && decoders.rqrr && rqrr_tries < RQRR_REGIONS {
            rqrr_tries += 1;
            count.decoder_calls += 1;
            count.decoder_pixels += area;
            let t = otsu(crop.pixels);
            codes = detect(&crop, 1, |x, y| crop.pixels[y * crop.width + x] <= t);
            if codes.is_empty() {
                // Light-on-dark print, which rqrr never reads as it is: the
                // local mean (the pipeline's own light-on-dark try) inverted.
                count.decoder_calls += 1;
                count.decoder_pixels += area;
                let (ii, rad) = (scratch.integral, scratch.radius);
                codes = detect(&crop, 1, |x, y| {
                    u32::from(crop.pixels[y * crop.width + x]) > ii.mean(x + r.x, y + r.y, rad) + 3
                });
            }
        }
        for mut code in codes {
            let s = work.scale as i32;
            code.corners =
                code.corners.map(|p| Point { x: (p.x + r.x as i32) * s, y: (p.y + r.y as i32) * s });
            if !found.iter().any(|f| f.bytes == code.bytes) {
                found.push(code);
            }
        }
    }
    // A dense legitimate code (many candidates in its data area) has no
    // region of few candidates: the single reader, whose work stays small
    // for this many, reads it whole.
    #[cfg(feature = "rxing")]
    if found.is_empty()
        && decoders.rxing
        && !census.overflow
        && cands.len() <= finders::SINGLE_LIMIT
        && count.plausible <= finders::SINGLE_PLAUSIBLE
    {
        count.decoder_calls += 1;
        count.decoder_pixels += work.width * work.height;
        let codes = crate::rxing_reader::read_single(work.pixels, work.width, work.height, scratch.inverted);
        found.extend(codes.into_iter().map(|c| work.code_to_frame(c)));
    }
    found
}
