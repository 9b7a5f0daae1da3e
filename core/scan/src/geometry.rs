//! Plane projective geometry: enough to map a code's module grid onto the
//! frame (corner points from finder centres) and, in tests, to draw a code
//! in perspective.

/// A 3x3 homography, row-major, mapping (x, y) to (x', y').
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The map from the unit square (0,0),(1,0),(1,1),(0,1) onto a quad
    /// given in the same order (Heckbert's closed form).
    pub fn square_to_quad(q: [(f64, f64); 4]) -> Homography {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
        let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
        let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
        let den = dx1 * dy2 - dx2 * dy1;
        let g = (dx3 * dy2 - dx2 * dy3) / den;
        let h = (dx1 * dy3 - dx3 * dy1) / den;
        Homography([
            x1 - x0 + g * x1,
            x3 - x0 + h * x3,
            x0,
            y1 - y0 + g * y1,
            y3 - y0 + h * y3,
            y0,
            g,
            h,
            1.0,
        ])
    }

    /// The map sending quad `from` onto quad `to`, corner for corner.
    pub fn quad_to_quad(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> Homography {
        Homography::square_to_quad(to).then_after(&Homography::square_to_quad(from).inverse())
    }

    /// `self ∘ first`: apply `first`, then `self`.
    pub(crate) fn then_after(&self, first: &Homography) -> Homography {
        let (a, b) = (&self.0, &first.0);
        Homography(std::array::from_fn(|i| {
            let (r, c) = (i / 3, i % 3);
            (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum()
        }))
    }

    /// The inverse map.
    pub fn inverse(&self) -> Homography {
        let [a, b, c, d, e, f, g, h, i] = self.0;
        let (ai, bi, ci) = (e * i - f * h, c * h - b * i, b * f - c * e);
        let det = a * ai + b * (f * g - d * i) + c * (d * h - e * g);
        Homography(
            [
                ai,
                bi,
                ci,
                f * g - d * i,
                a * i - c * g,
                c * d - a * f,
                d * h - e * g,
                b * g - a * h,
                a * e - b * d,
            ]
            .map(|v| v / det),
        )
    }

    /// Maps a point.
    pub fn map(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let m = &self.0;
        let w = m[6] * x + m[7] * y + m[8];
        ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quad_to_quad_sends_corners_to_corners() {
        let from = [(0.0, 0.0), (10.0, 1.0), (12.0, 9.0), (-1.0, 11.0)];
        let to = [(100.0, 50.0), (300.0, 70.0), (280.0, 260.0), (90.0, 240.0)];
        let h = Homography::quad_to_quad(from, to);
        for (p, q) in from.iter().zip(&to) {
            let m = h.map(*p);
            assert!((m.0 - q.0).abs() < 1e-6 && (m.1 - q.1).abs() < 1e-6, "{m:?} vs {q:?}");
        }
        let back = h.inverse().map(to[2]);
        assert!((back.0 - from[2].0).abs() < 1e-6 && (back.1 - from[2].1).abs() < 1e-6);
    }
}
