//! What the outline reader works on: the image, sampled between pixels,
//! a traced finder's outline, and the plane geometry they share.

use crate::binarize::Integral;

pub(super) type P = (f64, f64);

/// A finder traced: its centre and the corners of its outer square, in no
/// particular order yet.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outline {
    pub(super) centre: P,
    pub(super) corners: [P; 4],
    pub(super) module: f64,
    /// Ring luma less centre luma.
    pub(super) contrast: f64,
    /// Halfway between them (as dark-print luma: negated for light print).
    pub(super) threshold: f64,
    pub(super) light: bool,
    /// How far the traced edge lies from the fitted square, on average, in
    /// modules.
    pub(super) off_square: f64,
}

/// The image a reader samples: pixels and the summed-area table of the same
/// image, for the local mean.
pub struct Image<'a> {
    /// Row-major luma.
    pub pixels: &'a [u8],
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
    /// The image's summed-area table.
    pub integral: &'a Integral,
    /// The local-mean radius.
    pub radius: usize,
}

impl Image<'_> {
    /// Bilinear luma at a point, `None` outside the image.
    pub(super) fn at(&self, (x, y): P) -> Option<f64> {
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        if x0 + 1 >= self.width || y0 + 1 >= self.height {
            return None;
        }
        let (fx, fy) = (x - x0 as f64, y - y0 as f64);
        let px = |x: usize, y: usize| f64::from(self.pixels[y * self.width + x]);
        let top = px(x0, y0) * (1.0 - fx) + px(x0 + 1, y0) * fx;
        let bottom = px(x0, y0 + 1) * (1.0 - fx) + px(x0 + 1, y0 + 1) * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }
}

pub(super) fn dist(a: P, b: P) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Signed distance of `p` from the line through `a` and `b`, times its length.
pub(super) fn side(a: P, b: P, p: P) -> f64 {
    (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0)
}

/// Luma as dark-print luma: light-on-dark print negated.
pub(super) fn ink(image: &Image<'_>, p: P, light: bool) -> Option<f64> {
    image.at(p).map(|v| if light { -v } else { v })
}
