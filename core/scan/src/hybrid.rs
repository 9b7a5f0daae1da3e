//! rxing's hybrid binarizer (ZXing's `HybridBinarizer`), bit for bit, in
//! bulk. rxing's own sets the matrix one pixel at a time, a large part of
//! a tilted frame's scan (docs/BENCHMARKS.md); and each of its readers'
//! passes made it again for the same image. Here the block
//! statistics are column sums over eight rows and the matrix is packed
//! eight pixels a byte, and one matrix serves every pass over an image.
//! Same thresholds, so the readers see the same matrix (tested against
//! rxing's on frames, noise, flat areas and every size class).

use rxing::common::{BitArray, BitMatrix, HybridBinarizer, LineOrientation, Result};
use rxing::{Binarizer, Exceptions, Luma8Source, LuminanceSource};
use std::borrow::Cow;

/// Pixels of a block's side (ZXing's `BLOCK_SIZE`).
const BLOCK: usize = 8;
/// Images smaller than five blocks either way get ZXing's global histogram
/// instead (rxing's own path, used as it is).
const MINIMUM: usize = BLOCK * 5;
/// A block whose grey levels span at most this is taken as all light or
/// all dark (ZXing's `MIN_DYNAMIC_RANGE`).
const MIN_DYNAMIC_RANGE: u8 = 24;

/// A binarizer whose matrix is [`black_matrix`]'s, made once.
pub struct Hybrid<'a> {
    source: Luma8Source<'a>,
    matrix: BitMatrix,
}

impl<'a> Hybrid<'a> {
    /// The matrix of a luma image, `None` if its size does not match.
    pub fn new(pixels: &'a [u8], width: usize, height: usize) -> Option<Hybrid<'a>> {
        let source =
            Luma8Source::new_with_slice(pixels, u32::try_from(width).ok()?, u32::try_from(height).ok()?)
                .ok()?;
        let matrix = black_matrix(pixels, width, height)?;
        Some(Hybrid { source, matrix })
    }

    /// The finder candidates rxing's readers would see in this matrix
    /// ([`finders::census_of_bits`](crate::finders::census_of_bits)).
    pub fn census(&self) -> crate::finders::Census {
        let m = &self.matrix;
        let (width, height) = (m.getWidth() as usize, m.getHeight() as usize);
        let (mut line, mut runs) = (Vec::with_capacity(width), Vec::new());
        const BITS: usize = usize::BITS as usize;
        crate::finders::census_of_bits(
            (width, height),
            (&mut line, &mut runs),
            |y, out: &mut Vec<u8>| {
                out.clear();
                // A word's pixels, lowest bit first.
                for (i, &word) in m.getRow(y as u32).getBitArray().iter().enumerate() {
                    let n = width.saturating_sub(i * BITS).min(BITS);
                    out.extend((0..n).map(|b| ((word >> b) & 1) as u8));
                }
            },
            |x, y| m.get(x as u32, y as u32),
        )
    }
}

impl<'a> Binarizer for Hybrid<'a> {
    type Source = Luma8Source<'a>;

    fn get_luminance_source(&self) -> &Self::Source {
        &self.source
    }

    // The QR readers read only the matrix; a row is the matrix's row.
    fn get_black_row(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        let y = u32::try_from(y).map_err(|_| Exceptions::INDEX_OUT_OF_BOUNDS)?;
        Ok(Cow::Owned(self.matrix.getRow(y)))
    }

    fn get_black_row_from_matrix(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        self.get_black_row(y)
    }

    fn get_black_matrix(&self) -> Result<&BitMatrix> {
        Ok(&self.matrix)
    }

    fn get_black_line(&self, l: usize, lt: LineOrientation) -> Result<Cow<'_, BitArray>> {
        match lt {
            LineOrientation::Row => self.get_black_row(l),
            LineOrientation::Column => {
                let x = u32::try_from(l).map_err(|_| Exceptions::INDEX_OUT_OF_BOUNDS)?;
                Ok(Cow::Owned(self.matrix.getCol(x)))
            }
        }
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        // Only rxing's cropping readers call this, and this crate uses none:
        // the matrix is remade from the source's pixels all the same.
        let (width, height) = (source.get_width(), source.get_height());
        let matrix = match source.get_matrix() {
            Cow::Borrowed(px) => black_matrix(px, width, height),
            Cow::Owned(px) => black_matrix(&px, width, height),
        };
        let matrix = matrix.unwrap_or_else(|| self.matrix.clone());
        Hybrid { source, matrix }
    }

    fn get_width(&self) -> usize {
        self.source.get_width()
    }

    fn get_height(&self) -> usize {
        self.source.get_height()
    }
}

/// The matrix rxing's `HybridBinarizer` makes of a luma image (dark set),
/// `None` if `pixels` does not hold `width * height` of them.
pub fn black_matrix(pixels: &[u8], width: usize, height: usize) -> Option<BitMatrix> {
    if width.checked_mul(height)? != pixels.len() || width == 0 || height == 0 {
        return None;
    }
    let (w32, h32) = (u32::try_from(width).ok()?, u32::try_from(height).ok()?);
    if width < MINIMUM || height < MINIMUM {
        let source = Luma8Source::new_with_slice(pixels, w32, h32).ok()?;
        return HybridBinarizer::new(source).get_black_matrix().ok().cloned();
    }
    let (sub_w, sub_h) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let points = black_points(pixels, width, height, (sub_w, sub_h));
    let thresholds = thresholds(&points, sub_w, sub_h);
    let row_words = width.div_ceil(usize::BITS as usize);
    let mut words = vec![0usize; row_words * height];
    // Per pixel: its block's threshold, then whether it is dark (0 or 1),
    // padded to whole words: plain loops over bytes that vectorise.
    let padded = row_words * usize::BITS as usize;
    let (mut limit, mut dark) = (vec![0u8; padded], vec![0u8; padded]);
    for by in 0..sub_h {
        // The last block row and column sit flush with the edge, over the
        // one before: a pixel there is dark if either block says so, so
        // it takes the higher threshold of the two.
        let top = (by * BLOCK).min(height - BLOCK);
        for (bx, &t) in thresholds[by * sub_w..(by + 1) * sub_w].iter().enumerate() {
            let left = (bx * BLOCK).min(width - BLOCK);
            for (i, l) in limit.iter_mut().enumerate().take(left + BLOCK).skip(left) {
                *l = if i < bx * BLOCK { (*l).max(t) } else { t };
            }
        }
        for y in top..top + BLOCK {
            let row = &pixels[y * width..(y + 1) * width];
            for ((d, &p), &l) in dark.iter_mut().zip(row).zip(&limit) {
                *d = u8::from(p <= l);
            }
            let out = &mut words[y * row_words..(y + 1) * row_words];
            for (word, bytes) in out.iter_mut().zip(dark.chunks_exact(usize::BITS as usize)) {
                *word |= pack(bytes);
            }
        }
    }
    let mut matrix = BitMatrix::new(w32, h32).ok()?;
    let mut row = BitArray::with_size(width);
    for y in 0..height {
        for (i, &word) in words[y * row_words..(y + 1) * row_words].iter().enumerate() {
            row.setBulk(i * usize::BITS as usize, word);
        }
        matrix.setRow(y as u32, &row);
    }
    Some(matrix)
}

/// Bytes of 0 or 1 as the bits of a word, the first the lowest.
fn pack(bytes: &[u8]) -> usize {
    let mut word = 0usize;
    for (i, eight) in bytes.chunks_exact(8).enumerate() {
        let mut le = [0u8; 8];
        le.copy_from_slice(eight);
        // Byte i's 1 lands on bit 56 + i, without carries (a known trick).
        let bits = u64::from_le_bytes(le).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        word |= (bits as usize) << (8 * i);
    }
    word
}

/// Each block's black point, as ZXing estimates it: its mean, or for a
/// block of little contrast half its minimum, raised to its upper and
/// left neighbours' level where that is above its minimum.
fn black_points(pixels: &[u8], width: usize, height: usize, (sub_w, sub_h): (usize, usize)) -> Vec<u32> {
    let mut points = vec![0u32; sub_w * sub_h];
    let (mut sums, mut mins, mut maxs) = (vec![0u16; width], vec![0u8; width], vec![0u8; width]);
    for by in 0..sub_h {
        let top = (by * BLOCK).min(height - BLOCK);
        // Column sums, minima and maxima over the block row's eight rows.
        sums.fill(0);
        mins.fill(u8::MAX);
        maxs.fill(0);
        for y in top..top + BLOCK {
            let row = &pixels[y * width..(y + 1) * width];
            for (s, &p) in sums.iter_mut().zip(row) {
                *s += u16::from(p);
            }
            for (lo, &p) in mins.iter_mut().zip(row) {
                *lo = (*lo).min(p);
            }
            for (hi, &p) in maxs.iter_mut().zip(row) {
                *hi = (*hi).max(p);
            }
        }
        for bx in 0..sub_w {
            let left = (bx * BLOCK).min(width - BLOCK);
            let cols = left..left + BLOCK;
            let sum: u32 = sums[cols.clone()].iter().map(|&s| u32::from(s)).sum();
            let min = mins[cols.clone()].iter().copied().min().unwrap_or(0);
            let max = maxs[cols].iter().copied().max().unwrap_or(0);
            let mut point = sum >> 6;
            if max - min <= MIN_DYNAMIC_RANGE {
                point = u32::from(min) / 2;
                if by > 0 && bx > 0 {
                    let at = by * sub_w + bx;
                    let neighbours = (points[at - sub_w] + 2 * points[at - 1] + points[at - sub_w - 1]) / 4;
                    if u32::from(min) < neighbours {
                        point = neighbours;
                    }
                }
            }
            points[by * sub_w + bx] = point;
        }
    }
    points
}

/// Each block's threshold: the mean black point of the 5×5 blocks around
/// it, the window held inside the image (a mean of grey levels: a `u8`).
fn thresholds(points: &[u32], sub_w: usize, sub_h: usize) -> Vec<u8> {
    let mut out = vec![0u8; sub_w * sub_h];
    for by in 0..sub_h {
        let top = by.clamp(2, sub_h - 3);
        for bx in 0..sub_w {
            let left = bx.clamp(2, sub_w - 3);
            let sum: u32 = (top - 2..=top + 2)
                .map(|y| points[y * sub_w + left - 2..=y * sub_w + left + 2].iter().sum::<u32>())
                .sum();
            out[by * sub_w + bx] = u8::try_from(sum / 25).unwrap_or(u8::MAX);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::black_matrix;
    use rxing::common::HybridBinarizer;
    use rxing::{Binarizer, Luma8Source};

    fn rxings(pixels: &[u8], width: usize, height: usize) -> rxing::common::BitMatrix {
        let source = Luma8Source::new_with_slice(pixels, width as u32, height as u32).expect("sized");
        HybridBinarizer::new(source).get_black_matrix().expect("a matrix").clone()
    }

    fn same(pixels: &[u8], width: usize, height: usize, what: &str) {
        let ours = black_matrix(pixels, width, height).expect("a matrix");
        assert!(ours == rxings(pixels, width, height), "{what} {width}x{height}");
    }

    /// Noise, sizes on and off the block grid, and below rxing's minimum
    /// (where its global histogram answers for both).
    #[test]
    fn the_matrix_is_rxings_on_noise_of_every_size() {
        let mut next = crate::xorshift(7);
        for (width, height) in
            [(40, 40), (41, 47), (64, 40), (95, 73), (200, 57), (39, 80), (12, 12), (129, 130)]
        {
            let pixels: Vec<u8> = (0..width * height).map(|_| next() as u8).collect();
            same(&pixels, width, height, "noise");
        }
    }

    /// Flat areas (the blocks of little contrast, whose black point comes
    /// from their neighbours), steps between them and a slow gradient.
    #[test]
    fn the_matrix_is_rxings_on_flat_areas_and_gradients() {
        let (width, height) = (123, 91);
        let mut next = crate::xorshift(11);
        let shapes: [&dyn Fn(usize, usize) -> u8; 4] = [
            &|_, _| 200,
            &|x, y| if (x / 13 + y / 17) % 2 == 0 { 30 } else { 220 },
            &|x, y| (x + y) as u8,
            &|x, _| if x < 60 { 10 } else { 25 },
        ];
        for shape in shapes {
            let pixels: Vec<u8> = (0..width * height)
                .map(|i| shape(i % width, i / width).saturating_add((next() % 6) as u8))
                .collect();
            same(&pixels, width, height, "shape");
        }
    }

    /// Generated camera frames with a code, at a live work image's size.
    #[test]
    fn the_matrix_is_rxings_on_camera_frames() {
        use genuine_tests::frames::{Distortion, benchmark_frame};
        for (i, d) in [Distortion::Blur, Distortion::LowContrast, Distortion::Glare, Distortion::Perspective]
            .into_iter()
            .enumerate()
        {
            let (f, _) = benchmark_frame(d, i as u64, 10, 644, 362);
            same(&f.pixels, 644, 362, "frame");
        }
    }

    #[test]
    fn a_buffer_of_the_wrong_size_has_no_matrix() {
        assert!(black_matrix(&[0; 100], 50, 3).is_none());
        assert!(black_matrix(&[], 0, 0).is_none());
    }
}
