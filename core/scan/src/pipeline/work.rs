//! The work image: the frame (or a region of it) as one contiguous grey
//! image at an integer scale, and the shapes a frame is scanned at.

use crate::{MIN_SIDE, Point, ScannedCode};
use std::cell::Cell;

/// Frames whose short side is above this are downscaled by an integer
/// factor first: rqrr's cost grows with the pixels, and a code that fills
/// a useful part of a camera frame keeps enough pixels per module.
pub(super) const WORK_SHORT_SIDE: usize = 720;
/// A live frame's work image is at most about this tall, and at least
/// halved from 720p up: a 1080p frame is scanned at 960×540, a 720p one at
/// 640×360, a quarter of their pixels, which also averages away the sensor
/// noise that makes the census chase runs. Codes too small for that are the
/// closer look's (see `Stage::Closer`).
const LIVE_SHORT_SIDE: usize = 540;
/// Frames from this short side up are scanned smaller when live.
const LIVE_HALVED_FROM: usize = 720;
/// Most pixels in a work image (a photo's 1080p frame, 2.07 Mpx, is
/// scanned whole): a frame whose work image would be larger (a long, thin
/// one, whose short side sets the scale) is scanned smaller, so that every
/// pass's work is bounded whatever the frame's shape. (The summed-area
/// table's u32 sums would allow 16 Mpx: 255 * 2^24 < 2^32.)
pub const MAX_WORK_PIXELS: usize = 1 << 21;

/// A contiguous grey image, with the scale back to frame coordinates.
pub(super) struct Work<'a> {
    pub pixels: &'a [u8],
    pub width: usize,
    pub height: usize,
    /// Frame pixels per work pixel.
    pub scale: usize,
    /// What is left of the frame's [`FIT_BUDGET`](super::state::FIT_BUDGET).
    pub fits: &'a Cell<u64>,
}

impl Work<'_> {
    /// A code found in the work image, in frame pixels.
    #[cfg_attr(not(feature = "rxing"), allow(dead_code))]
    pub fn code_to_frame(&self, mut code: ScannedCode) -> ScannedCode {
        let s = self.scale as i32;
        code.corners = code.corners.map(|p| Point { x: p.x * s, y: p.y * s });
        code
    }

    /// A point of an image `up` times the work image's size, in frame pixels.
    pub fn to_frame(&self, p: rqrr::Point, up: usize) -> Point {
        let f = |v: i32| (i64::from(v) * self.scale as i64 / up as i64) as i32;
        Point { x: f(p.x), y: f(p.y) }
    }
}

/// The scale and size of the work image of a `width` × `height` frame
/// scanned at `scale`, or at the smallest larger scale that keeps it within
/// [`MAX_WORK_PIXELS`]; `None` if a side of it would be under [`MIN_SIDE`]
/// (nothing readable: a region cropped too thin, a frame too long).
pub(super) fn work_shape(width: usize, height: usize, scale: usize) -> Option<(usize, usize, usize)> {
    let mut scale = scale.max(1);
    let area = |s: usize| (width / s) * (height / s);
    if area(scale) > MAX_WORK_PIXELS {
        // sqrt(area / MAX_WORK_PIXELS) from below, then up to the first that fits.
        let ratio = (width as f64 * height as f64 / MAX_WORK_PIXELS as f64).sqrt();
        scale = scale.max(ratio as usize);
        while area(scale) > MAX_WORK_PIXELS {
            scale += 1;
        }
    }
    let (w, h) = (width / scale, height / scale);
    (w.min(h) >= MIN_SIDE).then_some((scale, w, h))
}

/// Frame pixels per work pixel of a live frame with this short side.
pub(super) fn live_scale(short: usize) -> usize {
    if short >= LIVE_HALVED_FROM { (short / LIVE_SHORT_SIDE).max(2) } else { 1 }
}
