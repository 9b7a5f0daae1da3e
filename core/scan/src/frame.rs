//! The frame a scan reads: a borrowed luma plane with a row stride, its
//! shape checked once, and the box-average downscale of it that makes a
//! work image.

/// Frames above this many pixels are refused (64 megapixels).
pub const MAX_PIXELS: usize = 64 << 20;

/// The shortest side, in pixels, that can hold a QR code: the smallest
/// symbol is 21 modules a side. A frame or image narrower than that holds
/// none, and is not scanned.
pub const MIN_SIDE: usize = 21;

/// Why a frame cannot be scanned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Width or height is zero.
    #[error("frame is empty ({width}x{height})")]
    Empty {
        /// Width.
        width: usize,
        /// Height.
        height: usize,
    },
    /// The row stride is smaller than the width.
    #[error("row stride {stride} is smaller than width {width}")]
    StrideTooSmall {
        /// Stride.
        stride: usize,
        /// Width.
        width: usize,
    },
    /// The buffer is shorter than `stride * (height - 1) + width`.
    #[error("buffer has {len} bytes, the frame needs {needed}")]
    BufferTooShort {
        /// Bytes given.
        len: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// More than [`MAX_PIXELS`].
    #[error("frame of {width}x{height} is over the 64-megapixel limit")]
    TooLarge {
        /// Width.
        width: usize,
        /// Height.
        height: usize,
    },
}

/// A borrowed luma plane.
#[derive(Debug, Clone, Copy)]
pub struct LumaFrame<'a> {
    data: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

/// The means of the 2×2 blocks of two rows (`out` half as wide). Eight
/// pixels of each row are read as one word, and four blocks are summed in
/// its 16-bit lanes (at most 1020 each, so lanes never carry into each
/// other): half the instructions of pairs of bytes, which did not
/// vectorise (docs/BENCHMARKS.md).
fn halve_rows(upper: &[u8], lower: &[u8], out: &mut [u8]) {
    const LOW: u64 = 0x00ff_00ff_00ff_00ff;
    let word = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    // Four means, each in the low byte of a 16-bit lane...
    let quad = |u: u64, l: u64| (((u & LOW) + ((u >> 8) & LOW) + (l & LOW) + ((l >> 8) & LOW)) >> 2) & LOW;
    // ...packed side by side into four bytes.
    let pack = |m: u64| {
        let p = m | (m >> 8);
        (p & 0xffff) | ((p >> 16) & 0xffff_0000)
    };
    let (upper16, lower16) = (upper.chunks_exact(16), lower.chunks_exact(16));
    let (upper_rest, lower_rest) = (upper16.remainder(), lower16.remainder());
    let mut eights = out.chunks_exact_mut(8);
    for ((o, u), l) in eights.by_ref().zip(upper16).zip(lower16) {
        let low = pack(quad(word(&u[..8]), word(&l[..8])));
        let high = pack(quad(word(&u[8..]), word(&l[8..])));
        o.copy_from_slice(&(low | high << 32).to_le_bytes());
    }
    let rest =
        eights.into_remainder().iter_mut().zip(upper_rest.chunks_exact(2)).zip(lower_rest.chunks_exact(2));
    for ((o, u), l) in rest {
        *o = ((u16::from(u[0]) + u16::from(u[1]) + u16::from(l[0]) + u16::from(l[1])) / 4) as u8;
    }
}

impl<'a> LumaFrame<'a> {
    /// Box-average downscale by an integer factor into `out`.
    pub(crate) fn downscale(
        &self,
        scale: usize,
        width: usize,
        height: usize,
        sums: &mut Vec<u32>,
        out: &mut Vec<u8>,
    ) {
        if scale == 2 {
            // A live 1080p or 720p frame's one pass over all its pixels.
            for y in 0..height {
                let start = out.len();
                out.resize(start + width, 0);
                halve_rows(
                    &self.row(2 * y)[..2 * width],
                    &self.row(2 * y + 1)[..2 * width],
                    &mut out[start..],
                );
            }
            return;
        }
        let area = (scale * scale) as u32;
        sums.resize(width, 0);
        for y in 0..height {
            sums.fill(0);
            for row in y * scale..(y + 1) * scale {
                let row = self.row(row);
                for (x, sum) in sums.iter_mut().enumerate() {
                    *sum += row[x * scale..(x + 1) * scale].iter().map(|&p| u32::from(p)).sum::<u32>();
                }
            }
            out.extend(sums.iter().map(|&s| (s / area) as u8));
        }
    }

    /// Checks the geometry of a plane without copying it.
    pub fn new(data: &'a [u8], width: usize, height: usize, stride: usize) -> Result<Self, ScanError> {
        if width == 0 || height == 0 {
            return Err(ScanError::Empty { width, height });
        }
        if width.checked_mul(height).is_none_or(|px| px > MAX_PIXELS) {
            return Err(ScanError::TooLarge { width, height });
        }
        if stride < width {
            return Err(ScanError::StrideTooSmall { stride, width });
        }
        let needed = stride
            .checked_mul(height - 1)
            .and_then(|n| n.checked_add(width))
            .ok_or(ScanError::TooLarge { width, height })?;
        if data.len() < needed {
            return Err(ScanError::BufferTooShort { len: data.len(), needed });
        }
        Ok(LumaFrame { data, width, height, stride })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Pixel (x, y).
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.stride + x]
    }

    /// The part of the frame from (`x`, `y`), `width` by `height`, without
    /// copying it; `None` unless it lies within the frame.
    pub(crate) fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Option<LumaFrame<'a>> {
        if x.checked_add(width)? > self.width || y.checked_add(height)? > self.height {
            return None;
        }
        LumaFrame::new(self.data.get(y * self.stride + x..)?, width, height, self.stride).ok()
    }

    /// Row `y` without its padding.
    pub fn row(&self, y: usize) -> &'a [u8] {
        &self.data[y * self.stride..y * self.stride + self.width]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every factor's box average, the halving's fast path included, is the
    /// plain mean of its block (rounded down), padding bytes never read.
    #[test]
    fn downscale_is_the_block_mean() {
        let (width, height, stride) = (37, 23, 41);
        let mut next = crate::xorshift(0x2545_F491_4F6C_DD1D);
        let data: Vec<u8> = (0..stride * height)
            .map(|i| {
                let r = next();
                if i % stride >= width { 0xEE } else { r as u8 }
            })
            .collect();
        let frame = LumaFrame::new(&data, width, height, stride).unwrap();
        for scale in 1..=5 {
            let (w, h) = (width / scale, height / scale);
            let mut out = Vec::new();
            frame.downscale(scale, w, h, &mut Vec::new(), &mut out);
            let expected: Vec<u8> = (0..h)
                .flat_map(|y| (0..w).map(move |x| (y, x)))
                .map(|(y, x)| {
                    let block = (0..scale * scale)
                        .map(|i| u32::from(data[(y * scale + i / scale) * stride + x * scale + i % scale]));
                    (block.sum::<u32>() / (scale * scale) as u32) as u8
                })
                .collect();
            assert_eq!(out, expected, "scale {scale}");
        }
        // White: the halving's 16-bit lanes hold 1020 without carrying.
        let white = vec![255u8; 40 * 4];
        let mut out = Vec::new();
        LumaFrame::new(&white, 40, 4, 40).unwrap().downscale(2, 20, 2, &mut Vec::new(), &mut out);
        assert_eq!(out, vec![255u8; 40]);
    }

    #[test]
    fn bad_geometry_is_a_typed_error() {
        let buf = [0u8; 100];
        assert!(matches!(LumaFrame::new(&buf, 0, 10, 10), Err(ScanError::Empty { .. })));
        assert!(matches!(LumaFrame::new(&buf, 10, 10, 9), Err(ScanError::StrideTooSmall { .. })));
        assert!(matches!(LumaFrame::new(&buf, 10, 11, 10), Err(ScanError::BufferTooShort { .. })));
        assert!(matches!(LumaFrame::new(&buf, 1 << 14, 1 << 14, 1 << 14), Err(ScanError::TooLarge { .. })));
        assert!(matches!(LumaFrame::new(&buf, usize::MAX, 2, usize::MAX), Err(ScanError::TooLarge { .. })));
        // The last row need not be padded.
        assert!(LumaFrame::new(&buf, 10, 10, 10).is_ok());
        assert!(LumaFrame::new(&buf[..46], 10, 4, 12).is_ok());
    }
}
