//! rqrr's passes on a work image: binarised views of it (a global
//! threshold, local means, upsampled), each prepared, detected and decoded
//! with panics contained and within the frame's budget of grid fitting.

use super::passes::Pass;
use super::work::Work;
use crate::binarize::{Integral, otsu};
#[cfg(feature = "compare")]
use crate::{LumaFrame, Point};
use crate::{ScanWork, ScannedCode, contained};
use std::cell::Cell;

/// Prepares an rqrr image, detects and decodes every grid in it and maps
/// corners back to the frame, all with panics contained. A macro because
/// rqrr's image buffer type is not exported, so no function can take a
/// prepared image.
macro_rules! contained_decode {
    ($prepare:expr, $map:expr, $budget:expr) => {
        contained_decode!($prepare, $map, $budget, crate::grid::decode_fitted)
    };
    ($prepare:expr, $map:expr, $budget:expr, $decode:path) => {{
        contained(|| {
            let mut img = $prepare;
            let mut found = Vec::new();
            let budget: &Cell<u64> = $budget;
            let mut left = budget.get();
            // Counted as all spent until rqrr returns: if it panics (contained
            // below), no later try of this frame gets a fresh budget.
            budget.set(0);
            let grids = img.detect_grids_within(&mut left);
            budget.set(left);
            for grid in grids {
                if let Some((bytes, text)) = $decode(&grid) {
                    found.push(ScannedCode { text, bytes, corners: grid.bounds.map($map) });
                }
            }
            found
        })
    }};
}

/// One of rqrr's passes (see [`Pass`]) on a work image whose summed-area
/// table `ii` is built, with local mean radius `r`: the codes of its first
/// try that reads.
pub(super) fn rqrr(
    pass: Pass,
    work: &Work<'_>,
    ii: &Integral,
    r: usize,
    count: &mut ScanWork,
) -> Vec<ScannedCode> {
    let (width, height) = (work.width, work.height);
    let px = work.pixels;
    match pass {
        Pass::RqrrGlobal => {
            let t = otsu(px);
            let found = detect(work, 1, |x, y| px[y * width + x] <= t);
            count.decoder_calls += 1;
            count.decoder_pixels += width * height;
            found
        }
        Pass::RqrrLocal => {
            count.decoder_calls += 3;
            count.decoder_pixels += 3 * width * height;
            let dark = |x: usize, y: usize| u32::from(px[y * width + x]) + 3 < ii.mean(x, y, r);
            let found = detect(work, 1, dark);
            if !found.is_empty() {
                return found;
            }
            let wide = r * 5 / 2;
            let found = detect(work, 1, |x, y| u32::from(px[y * width + x]) + 3 < ii.mean(x, y, wide));
            if !found.is_empty() {
                return found;
            }
            let light = |x: usize, y: usize| u32::from(px[y * width + x]) > ii.mean(x, y, r) + 3;
            detect(work, 1, light)
        }
        Pass::RqrrUpsampled => {
            count.decoder_calls += 2;
            count.decoder_pixels += 8 * width * height;
            let up = |x: usize, y: usize| {
                let v = bilinear(px, width, height, x, y);
                v + 6 < 2 * ii.mean(x / 2, y / 2, r)
            };
            let found = detect(work, 2, up);
            if !found.is_empty() {
                return found;
            }
            detect_grey(work, |x, y| (bilinear(px, width, height, x, y) / 2) as u8)
        }
        Pass::Outlines | Pass::Rxing { .. } | Pass::RxingPair => Vec::new(),
    }
}

/// Luma at half-pixel positions of a 2x upsampled image, times 2.
fn bilinear(px: &[u8], width: usize, height: usize, x: usize, y: usize) -> u32 {
    let (x0, y0) = (x / 2, y / 2);
    let (x1, y1) = ((x0 + (x & 1)).min(width - 1), (y0 + (y & 1)).min(height - 1));
    let s = u32::from(px[y0 * width + x0])
        + u32::from(px[y0 * width + x1])
        + u32::from(px[y1 * width + x0])
        + u32::from(px[y1 * width + x1]);
    s / 2
}

/// Runs rqrr on a binarised view of `work` at `up` times its size.
pub(super) fn detect(work: &Work<'_>, up: usize, dark: impl Fn(usize, usize) -> bool) -> Vec<ScannedCode> {
    contained_decode!(
        rqrr::PreparedImage::prepare_from_bitmap(work.width * up, work.height * up, &dark),
        |p: rqrr::Point| work.to_frame(p, up),
        work.fits
    )
}

/// Runs rqrr with its own threshold on a 2x upsampled grey view of `work`.
fn detect_grey(work: &Work<'_>, grey: impl Fn(usize, usize) -> u8) -> Vec<ScannedCode> {
    contained_decode!(
        rqrr::PreparedImage::prepare_from_greyscale(work.width * 2, work.height * 2, &grey),
        |p: rqrr::Point| work.to_frame(p, 2),
        work.fits
    )
}

/// rqrr alone, with its own threshold: the baseline the pipeline is measured against.
#[cfg(feature = "compare")]
pub fn raw_rqrr(frame: &LumaFrame<'_>) -> Vec<ScannedCode> {
    contained_decode!(
        rqrr::PreparedImage::prepare_from_greyscale(frame.width(), frame.height(), |x, y| frame.get(x, y)),
        |p: rqrr::Point| Point { x: p.x, y: p.y },
        &Cell::new(u64::MAX),
        crate::grid::decode_with_rqrr
    )
}
