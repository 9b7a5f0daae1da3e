//! Reading QR codes from camera frames: a luma (Y) plane with a row stride,
//! exactly as CameraX `YUV_420_888` plane 0 and AVFoundation
//! `420YpCbCr8BiPlanar` plane 0 hand it over.
//!
//! rxing and rqrr do the decoding; every call into them is behind `catch_unwind`
//! because rqrr panics on some inputs (WanzenBug/rqrr#54).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod binarize;
mod code;
mod finders;
mod frame;
mod geometry;
mod grid;
#[cfg(feature = "rxing")]
mod hybrid;
#[cfg(feature = "images")]
mod image_file;
mod outlines;
mod pipeline;
mod point;
#[cfg(feature = "rxing")]
mod rxing_reader;
mod scan_work;
mod text;

pub use code::ScannedCode;
pub use frame::{LumaFrame, MAX_PIXELS, MIN_SIDE, ScanError};
pub use geometry::Homography;
#[cfg(feature = "images")]
pub use image_file::{DecodedImage, ImageError, MAX_DECODE_BYTES, MAX_WEBP_PIXELS};
pub use pipeline::{Effort, Scanner};
#[cfg(feature = "compare")]
pub use pipeline::{Engine, raw_rqrr};
pub use point::Point;
pub use scan_work::ScanWork;
pub use text::decode_text;

/// The work one frame may cost, whatever it shows (a crafted frame full of
/// finder patterns included): the fuzzer and the tests hold the scanner to these.
pub mod limits {
    pub use crate::finders::{DENSE_LIMIT, MAX_CANDIDATES, MAX_REGIONS, NEIGHBOURS};
    pub use crate::outlines::MAX_GRIDS;
    pub use crate::pipeline::{FIT_BUDGET, MAX_WORK_PIXELS};
}

/// Runs a decoder with its panics contained: a panic inside rqrr or rxing
/// means "nothing readable here", never a crash (rqrr 0.11 panics inside
/// `detect_grids` on some images, WanzenBug/rqrr#54).
fn contained(read: impl FnOnce() -> Vec<ScannedCode>) -> Vec<ScannedCode> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_default()
}

/// Finds and decodes every QR code in a frame, with a one-off [`Scanner`].
/// Camera loops should keep a `Scanner` to reuse its buffers.
pub fn scan(frame: &LumaFrame<'_>) -> Vec<ScannedCode> {
    Scanner::new().scan(frame)
}

/// A tiny deterministic generator (xorshift64) for the unit tests' data.
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// A test frame halved as a live 1080p or 720p frame's work image is,
/// with the summed-area table and local-mean radius the scanner builds.
#[cfg(test)]
pub(crate) struct Halved {
    pub pixels: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub integral: binarize::Integral,
    pub radius: usize,
}

#[cfg(test)]
pub(crate) fn halved(pixels: &[u8], width: usize, height: usize) -> Halved {
    let (ww, wh) = (width / 2, height / 2);
    let mut half = Vec::new();
    LumaFrame::new(pixels, width, height, width).unwrap().downscale(2, ww, wh, &mut Vec::new(), &mut half);
    let mut integral = binarize::Integral::default();
    integral.build(&half, ww, wh);
    Halved { pixels: half, width: ww, height: wh, integral, radius: binarize::local_radius(ww, wh) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_thin_frame_stays_within_the_work_limits() {
        // 20 Mpx with a short side under 720: only the pixel cap downscales it.
        let buf = vec![255u8; 20_000 * 1_000]; // sums past u32::MAX without the cap
        let frame = LumaFrame::new(&buf, 20_000, 1_000, 20_000).unwrap();
        assert!(scan(&frame).is_empty());
    }

    #[test]
    fn a_blank_frame_has_no_codes() {
        let buf = vec![255u8; 64 * 48];
        let frame = LumaFrame::new(&buf, 64, 48, 64).unwrap();
        assert!(scan(&frame).is_empty());
    }
}
