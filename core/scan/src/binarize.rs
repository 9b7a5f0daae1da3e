//! Turning luma into black and white, the step that decides most of what
//! rqrr can read. rqrr's own threshold is a running row average (the old
//! quirc one); these are the ones quirc and zxing moved to.

/// Otsu's threshold: the grey level that best splits the histogram in two.
/// Good on evenly lit codes whatever their contrast.
pub fn otsu(pixels: &[u8]) -> u8 {
    let mut hist = [0u32; 256];
    for &p in pixels {
        hist[usize::from(p)] += 1;
    }
    let total = pixels.len() as f64;
    let sum: f64 = hist.iter().enumerate().map(|(i, &n)| i as f64 * f64::from(n)).sum();
    let (mut sum_b, mut w_b, mut best, mut best_var) = (0.0, 0.0, 0u8, -1.0);
    for (t, &n) in hist.iter().enumerate() {
        w_b += f64::from(n);
        if w_b == 0.0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0.0 {
            break;
        }
        sum_b += t as f64 * f64::from(n);
        let (m_b, m_f) = (sum_b / w_b, (sum - sum_b) / w_f);
        let var = w_b * w_f * (m_b - m_f) * (m_b - m_f);
        if var > best_var {
            best_var = var;
            best = t as u8;
        }
    }
    best
}

/// A summed-area table, so the mean of any window costs four reads.
#[derive(Debug, Default)]
pub struct Integral {
    sums: Vec<u32>,
    width: usize,
    height: usize,
}

impl Integral {
    /// Rebuilds the table for an image, reusing its buffer.
    pub fn build(&mut self, pixels: &[u8], width: usize, height: usize) {
        self.width = width;
        self.height = height;
        let w1 = width + 1;
        if width == 0 {
            // An empty image's table: no rows to chunk by its width.
            self.sums.clear();
            self.sums.resize(height + 1, 0);
            return;
        }
        // Every entry is written below (row 0 and column 0 as zeros), so a
        // reused buffer is not cleared first: this runs on every frame.
        self.sums.resize(w1 * (height + 1), 0);
        self.sums[..w1].fill(0);
        for (y, px) in pixels.chunks_exact(width).take(height).enumerate() {
            let (done, rest) = self.sums.split_at_mut((y + 1) * w1);
            let (prev, cur) = (&done[y * w1..], &mut rest[..w1]);
            cur[0] = 0;
            let mut row = 0u32;
            for ((out, &above), &p) in cur[1..].iter_mut().zip(&prev[1..]).zip(px) {
                row += u32::from(p);
                *out = above.wrapping_add(row);
            }
        }
    }

    /// The image's width and height.
    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// Mean of the window of radius `r` around (x, y), clipped to the image.
    pub fn mean(&self, x: usize, y: usize, r: usize) -> u32 {
        let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
        let (x1, y1) = ((x + r + 1).min(self.width), (y + r + 1).min(self.height));
        let w1 = self.width + 1;
        // Wrapping: two corner sums of a 16 Mpx image can pass u32::MAX,
        // while the window's sum itself always fits.
        let s = self.sums[y1 * w1 + x1]
            .wrapping_add(self.sums[y0 * w1 + x0])
            .wrapping_sub(self.sums[y0 * w1 + x1])
            .wrapping_sub(self.sums[y1 * w1 + x0]);
        s / ((x1 - x0) * (y1 - y0)) as u32
    }
}

impl Integral {
    /// The image box-downscaled by `factor` (whole blocks only), read from
    /// the table: four reads per output pixel instead of `factor²`, so the
    /// census's coarse copy costs a sixteenth of a pass, not one.
    pub fn downscale(&self, factor: usize, out: &mut Vec<u8>) -> (usize, usize) {
        let (w, h, w1) = (self.width / factor, self.height / factor, self.width + 1);
        let area = (factor * factor) as u32;
        out.clear();
        out.reserve(w * h);
        for y in 0..h {
            let (top, bottom) = (&self.sums[y * factor * w1..], &self.sums[(y + 1) * factor * w1..]);
            out.extend((0..w).map(|x| {
                let (x0, x1) = (x * factor, (x + 1) * factor);
                let sum = bottom[x1].wrapping_add(top[x0]).wrapping_sub(top[x1]).wrapping_sub(bottom[x0]);
                (sum / area) as u8
            }));
        }
        (w, h)
    }

    /// Marks the pixels of row `y` darker than their local mean (window of
    /// radius `r`) by more than 3, exactly as `px + 3 < mean(x, y, r)`, but
    /// without a division per pixel: the census runs this on every row.
    /// Writes 1 for a dark pixel and 0 for a light one (bytes, so that the
    /// census can read eight of them at a time).
    pub fn dark_row(&self, row: &[u8], y: usize, r: usize, out: &mut Vec<u8>) {
        let (w, w1) = (self.width, self.width + 1);
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(self.height));
        let (top, bottom) = (&self.sums[y0 * w1..(y0 + 1) * w1], &self.sums[y1 * w1..(y1 + 1) * w1]);
        let rows = (y1 - y0) as u32;
        out.clear();
        out.resize(w, 0);
        // p + 3 < floor(sum / area)  <=>  (p + 4) * area <= sum
        let edge = |x: usize| {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = bottom[x1].wrapping_add(top[x0]).wrapping_sub(top[x1]).wrapping_sub(bottom[x0]);
            u8::from((u32::from(row[x]) + 4) * ((x1 - x0) as u32 * rows) <= sum)
        };
        if w <= 2 * r + 1 {
            for (x, o) in out.iter_mut().enumerate() {
                *o = edge(x);
            }
            return;
        }
        for x in (0..r).chain(w - r - 1..w) {
            out[x] = edge(x);
        }
        // The interior: one window size, no clipping, no division; written
        // as zipped slices so it vectorises.
        let area = (2 * r + 1) as u32 * rows;
        let n = w - 2 * r - 1;
        let (t0, t1) = (&top[..n], &top[2 * r + 1..2 * r + 1 + n]);
        let (b0, b1) = (&bottom[..n], &bottom[2 * r + 1..2 * r + 1 + n]);
        let px = &row[r..r + n];
        for ((((o, &p), (&a, &b)), &c), &d) in
            out[r..r + n].iter_mut().zip(px).zip(b1.iter().zip(t0)).zip(t1).zip(b0)
        {
            *o = u8::from((u32::from(p) + 4) * area <= a.wrapping_add(b).wrapping_sub(c).wrapping_sub(d));
        }
    }
}

impl Integral {
    /// The image thresholded at its local mean as [`Integral::dark_row`]
    /// does, as luma: 0 for dark, 255 for light. A decoder given it sees
    /// codes whose ink is too close to their paper for its own binarizer.
    pub fn binarize(&self, pixels: &[u8], r: usize, out: &mut Vec<u8>, row: &mut Vec<u8>) {
        out.clear();
        out.reserve(self.width * self.height);
        if self.width == 0 {
            return;
        }
        for (y, px) in pixels.chunks_exact(self.width).take(self.height).enumerate() {
            self.dark_row(px, y, r, row);
            out.extend(row.iter().map(|&d| d.wrapping_sub(1)));
        }
    }
}

/// Window radius for a local threshold: wide enough to span several
/// modules of any code that fills a useful part of the image.
pub fn local_radius(width: usize, height: usize) -> usize {
    (width.min(height) / 40).clamp(4, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otsu_splits_two_levels() {
        let mut px = vec![40u8; 500];
        px.extend(vec![200u8; 500]);
        let t = otsu(&px);
        assert!((40..200).contains(&t), "{t}");
    }

    #[test]
    fn integral_means_match_brute_force() {
        let (w, h) = (7, 5);
        let px: Vec<u8> = (0..w * h).map(|i| (i * 37 % 251) as u8).collect();
        let mut ii = Integral::default();
        ii.build(&px, w, h);
        for (x, y, r) in [(0usize, 0usize, 1usize), (3, 2, 1), (6, 4, 2), (3, 2, 10)] {
            let (x0, y0, x1, y1) =
                (x.saturating_sub(r), y.saturating_sub(r), (x + r + 1).min(w), (y + r + 1).min(h));
            let mut s = 0u32;
            for yy in y0..y1 {
                for xx in x0..x1 {
                    s += u32::from(px[yy * w + xx]);
                }
            }
            assert_eq!(ii.mean(x, y, r), s / ((x1 - x0) * (y1 - y0)) as u32);
        }
        // The division-free row form agrees with the mean everywhere.
        let mut row = Vec::new();
        for r in [1, 2, 10] {
            for y in 0..h {
                ii.dark_row(&px[y * w..(y + 1) * w], y, r, &mut row);
                for (x, &dark) in row.iter().enumerate() {
                    assert_eq!(
                        dark == 1,
                        u32::from(px[y * w + x]) + 3 < ii.mean(x, y, r),
                        "({x}, {y}) r {r}"
                    );
                }
            }
        }
    }

    /// The table's downscale is the block mean of whole blocks.
    #[test]
    fn integral_downscale_is_the_block_mean() {
        let (w, h) = (37, 23);
        let mut next = crate::xorshift(0x2545_F491_4F6C_DD1D);
        let px: Vec<u8> = (0..w * h).map(|_| next() as u8).collect();
        let mut ii = Integral::default();
        ii.build(&px, w, h);
        for factor in 1..=5 {
            let mut out = Vec::new();
            let (cw, ch) = ii.downscale(factor, &mut out);
            assert_eq!((cw, ch, out.len()), (w / factor, h / factor, cw * ch));
            for y in 0..ch {
                for x in 0..cw {
                    let sum: u32 = (0..factor * factor)
                        .map(|i| u32::from(px[(y * factor + i / factor) * w + x * factor + i % factor]))
                        .sum();
                    assert_eq!(u32::from(out[y * cw + x]), sum / (factor * factor) as u32, "factor {factor}");
                }
            }
        }
    }
}
