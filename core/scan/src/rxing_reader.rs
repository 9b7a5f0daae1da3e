//! rxing's QR reader (a Rust port of ZXing) as the first decoder, with the
//! rqrr pipeline behind it: on the shared photos it reads what zxing-cpp
//! reads at a fraction of rqrr's cost (docs/BENCHMARKS.md); rqrr still
//! reads some perspective and blurred frames that rxing misses. Every call is behind `catch_unwind`.

use super::finders;
use super::geometry::Homography;
use super::hybrid::Hybrid;
use super::{Point, ScannedCode, contained};
use rxing::multi::MultipleBarcodeReader;
use rxing::multi::qrcode::QRCodeMultiReader;
use rxing::qrcode::common::{ErrorCorrectionLevel, Version};
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, MultiFormatReader, RXingResult, RXingResultMetadataType,
    RXingResultMetadataValue, Reader,
};
use std::collections::HashSet;

/// What the census saw of a frame's finders, deciding the order of
/// [`read`]'s passes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    /// Most finders are light-on-dark: the inverted image goes first.
    pub light: bool,
    /// No finder is light-on-dark: the inverted image is not tried.
    pub dark: bool,
    /// The finders are faint (low contrast): the local-mean image goes first.
    pub faint: bool,
    /// One symbol's finders at a slant the multi reader skips: the single
    /// reader goes first.
    pub skewed: bool,
}

/// One of [`read`]'s tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The multi reader (every code in the image).
    Multi,
    /// The multi reader on the inverted image (light-on-dark print).
    MultiInverted,
    /// The multi reader on the image thresholded at its local mean.
    MultiLocalMean,
    /// The single reader, trying harder (any triple's shape).
    Single,
    /// The single reader on the inverted image.
    SingleInverted,
}

impl Pass {
    /// The passes in the order the census's view of the frame calls for:
    /// the multi reader, the single reader, the local-mean image, the
    /// inverted image, with whatever the census saw moved to the front.
    fn order(seen: Seen) -> Vec<Pass> {
        let mut order = Vec::with_capacity(5);
        if seen.faint {
            order.push(Pass::MultiLocalMean);
        }
        if seen.light {
            order.push(Pass::MultiInverted);
        } else if seen.skewed {
            order.push(Pass::Single);
        }
        for pass in [Pass::Multi, Pass::Single, Pass::MultiLocalMean, Pass::SingleInverted] {
            let pointless = seen.dark && pass == Pass::SingleInverted;
            if !pointless && !order.contains(&pass) {
                order.push(pass);
            }
        }
        order
    }
}

/// Reads every QR code rxing finds in a contiguous luma image, trying up
/// to `most` passes (see [`Pass::order`]) until one reads: the multi reader
/// (all codes), the single reader trying harder, the multi reader on the
/// image thresholded at its local mean (`local_mean` writes it into
/// `binary`) and the single reader on the inverted image (light-on-dark
/// print; not when the census saw no light-on-dark finder). When the
/// census saw mostly light-on-dark finders the multi reader tries the
/// inverted image first; faint finders send the local-mean image first,
/// and one symbol's finders at a slant the single reader. Each image is
/// made at most once.
///
/// Returns the codes, how many passes ran and the most finder centres an
/// image given to the multi reader showed (see [`Readers`]).
///
/// The local-mean pass is for low contrast: rxing's hybrid binarizer takes
/// an 8x8 block whose grey levels span 24 or less for paper, so ink 40
/// levels under its paper reads as white in most blocks; given the
/// local-mean image, rxing reads the generated low-contrast frames, at a
/// fraction of the rqrr passes' cost (docs/BENCHMARKS.md).
pub fn read(
    pixels: &[u8],
    (width, height): (usize, usize),
    (inverted, binary): (&mut Vec<u8>, &mut Vec<u8>),
    (seen, most): (Seen, usize),
    local_mean: impl FnOnce(&mut Vec<u8>),
) -> (Vec<ScannedCode>, usize, usize) {
    let mut local_mean = Some(local_mean);
    let (mut passes, mut multi_finders) = (0, 0);
    let (mut inverted, mut binary) = (Some(inverted), Some(binary));
    // One matrix per image, shared by the passes over it (the multi and
    // the single reader over the same pixels binarize them alike).
    let mut bitmaps: [Option<(Bitmap<'_>, Readers)>; 3] = [None, None, None];
    for pass in Pass::order(seen).into_iter().take(most) {
        let image = match pass {
            Pass::Multi | Pass::Single => 0,
            Pass::MultiInverted | Pass::SingleInverted => 1,
            Pass::MultiLocalMean => 2,
        };
        if bitmaps[image].is_none() {
            let made: Option<&[u8]> = match image {
                0 => Some(pixels),
                1 => inverted.take().map(|out| {
                    invert(pixels, out);
                    &out[..]
                }),
                _ => binary.take().zip(local_mean.take()).map(|(out, fill)| {
                    fill(out);
                    &out[..]
                }),
            };
            bitmaps[image] = made.and_then(|px| Hybrid::new(px, width, height)).map(|hybrid| {
                let readers = Readers::allowed(&hybrid);
                (BinaryBitmap::new(hybrid), readers)
            });
        }
        let Some((bitmap, readers)) = bitmaps[image].as_mut() else { continue };
        let allowed = match pass {
            Pass::Multi | Pass::MultiInverted | Pass::MultiLocalMean => readers.multi,
            Pass::Single | Pass::SingleInverted => readers.single,
        };
        if !allowed {
            continue;
        }
        if matches!(pass, Pass::Multi | Pass::MultiInverted | Pass::MultiLocalMean) {
            multi_finders = multi_finders.max(readers.finders);
        }
        passes += 1;
        let found = contained(|| match pass {
            Pass::Multi | Pass::MultiInverted | Pass::MultiLocalMean => multi(bitmap),
            Pass::Single | Pass::SingleInverted => single(bitmap),
        });
        if !found.is_empty() {
            return (found, passes, multi_finders);
        }
    }
    (Vec::new(), passes, multi_finders)
}

/// An image as rxing's readers take it, binarized once.
type Bitmap<'a> = BinaryBitmap<Hybrid<'a>>;

/// Which of rxing's readers a binarized image may be given. Both choose
/// among the finder centres their own search finds, in time cubic in them,
/// and the multi reader then samples and decodes every plausible triple
/// (a crafted 12 Mpx photo of fake symbols: 3,133 triples, 1.1 s). The
/// census of the very matrix they read counts at least the centres they
/// find: the multi reader gets an image where it counts at most
/// [`DENSE_LIMIT`](finders::DENSE_LIMIT), as whole images are held to, and
/// the single reader (one triple chosen, one decode) one where it did not
/// stop at [`MAX_CANDIDATES`](finders::MAX_CANDIDATES) (at most 2.8 M
/// distance comparisons). A dense code's data counts 90-100 here, its
/// finders' only 10 in rxing's own search: it goes to the single reader.
#[derive(Debug, Clone, Copy)]
struct Readers {
    multi: bool,
    single: bool,
    /// The census's count.
    finders: usize,
}

impl Readers {
    fn allowed(hybrid: &Hybrid<'_>) -> Readers {
        let census = hybrid.census();
        let finders = census.candidates.len();
        Readers {
            multi: !census.overflow && finders <= finders::DENSE_LIMIT,
            single: !census.overflow,
            finders: if census.overflow { finders::MAX_CANDIDATES + 1 } else { finders },
        }
    }
}

/// `pixels` light for dark into `out`, for light-on-dark print.
fn invert(pixels: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(pixels.iter().map(|p| 255 - p));
}

/// Reads one code in a crowded frame or a region of it with ZXing's own QR
/// reader alone: it picks the single best triple of finder candidates (at
/// most n³/6 distance comparisons, no allocation) and tries one decode.
/// Never the multi reader (a decode attempt per plausible triple, cubic in
/// the candidates) nor the C++-port reader that the helper tries first (it
/// tries a decode for every finder set it finds plausible: the fuzzer's
/// `fuzz-found-95-candidates`, in bench-crafted). Then the same inverted.
pub fn read_single(pixels: &[u8], width: usize, height: usize, inverted: &mut Vec<u8>) -> Vec<ScannedCode> {
    let once = |px: &[u8]| {
        contained(|| {
            let Some(binarized) = Hybrid::new(px, width, height) else {
                return Vec::new();
            };
            if !Readers::allowed(&binarized).single {
                return Vec::new();
            }
            let mut bitmap = BinaryBitmap::new(binarized);
            let result = rxing::qrcode::QRCodeReader.decode_with_hints(&mut bitmap, &hints());
            result.map(|r| vec![to_code(&r)]).unwrap_or_default()
        })
    };
    let found = once(pixels);
    if !found.is_empty() {
        return found;
    }
    // Light-on-dark print: the same, inverted (one more decode attempt).
    invert(pixels, inverted);
    once(inverted)
}

fn hints() -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        TryHarder: Some(true),
        ..Default::default()
    }
}

fn multi(bitmap: &mut Bitmap<'_>) -> Vec<ScannedCode> {
    let results = QRCodeMultiReader::default().decode_multiple_with_hints(bitmap, &hints());
    results.map(|rs| rs.iter().map(to_code).collect()).unwrap_or_default()
}

/// rxing's single reader as its `detect_in_luma_slice_with_hints` runs it
/// (QR only, trying harder), on an image already binarized.
fn single(bitmap: &mut Bitmap<'_>) -> Vec<ScannedCode> {
    let result = MultiFormatReader::default().decode_with_hints(bitmap, &hints());
    result.map(|r| vec![to_code(&r)]).unwrap_or_default()
}

/// Decodes a sampled module grid (`true` dark, row-major, `n` a side)
/// with rxing's decoder: its error correction costs a fraction of rqrr's
/// (docs/BENCHMARKS.md). The text, as
/// [`to_code`] gives it.
pub fn decode_grid(bits: &[bool], n: usize) -> Option<String> {
    let side = u32::try_from(n).ok()?;
    let mut matrix = rxing::common::BitMatrix::with_single_dimension(side).ok()?;
    for (i, _) in bits.iter().enumerate().filter(|(_, dark)| **dark) {
        matrix.set((i % n) as u32, (i / n) as u32);
    }
    let r = rxing::qrcode::decoder::qrcode_decoder::decode_bitmatrix(&matrix).ok()?;
    Some(r.getText().to_string())
}

fn to_code(r: &RXingResult) -> ScannedCode {
    let meta = r.getRXingResultMetadata();
    let ec = match meta.get(&RXingResultMetadataType::ERROR_CORRECTION_LEVEL) {
        Some(RXingResultMetadataValue::ErrorCorrectionLevel(s)) => s.parse::<ErrorCorrectionLevel>().ok(),
        _ => None,
    };
    let points: Vec<(f64, f64)> = r.getPoints().iter().map(|p| (f64::from(p.x), f64::from(p.y))).collect();
    let dimension = ec.and_then(|ec| dimension(r.getRawBytes().len(), ec));
    // rxing decodes the payload itself (honouring ECI, guessing Shift_JIS like
    // our `decode_text`) and exposes only byte-mode segments raw, so `bytes`
    // is the text's UTF-8 here.
    let text = r.getText().to_string();
    ScannedCode { bytes: text.as_bytes().to_vec(), text, corners: corners(&points, dimension) }
}

/// The symbol's size in modules, from its data codeword count and EC level:
/// rxing reports finder centres, not corners, and the size turns one into the other.
fn dimension(data_codewords: usize, ec: ErrorCorrectionLevel) -> Option<f64> {
    (1..=40).find_map(|v| {
        let version = Version::getVersionForNumber(v).ok()?;
        let data = version.getTotalCodewords() - version.getECBlocksForLevel(ec).getTotalECCodewords();
        (data as usize == data_codewords).then(|| f64::from(version.getDimensionForVersion()))
    })
}

/// Corners from rxing's points. Its QR detector reports finder centres
/// (bottom-left, top-left, top-right, then the alignment pattern when there is
/// one), which sit 3.5 modules in from the corners; when it tries the image
/// inverted it reports the four corners instead, and then the symbol size is
/// unknown. The top-left finder is found by geometry (the right angle), not by
/// position in the list, so a mirrored read cannot swap the corners.
fn corners(points: &[(f64, f64)], dimension: Option<f64>) -> [Point; 4] {
    let quad = match (dimension, points) {
        (Some(d), [a, b, c, rest @ ..]) => from_finders([*a, *b, *c], rest.first().copied(), d),
        (None, [a, b, c, d]) => clockwise([*a, *b, *c, *d]),
        _ => return [Point { x: 0, y: 0 }; 4],
    };
    quad.map(|(x, y)| Point { x: x.round() as i32, y: y.round() as i32 })
}

fn from_finders(finders: [(f64, f64); 3], alignment: Option<(f64, f64)>, d: f64) -> [(f64, f64); 4] {
    let dist = |p: (f64, f64), q: (f64, f64)| (p.0 - q.0).hypot(p.1 - q.1);
    // The top-left finder is opposite the longest side (the diagonal).
    let tl_at = (0..3)
        .max_by(|&i, &j| {
            let opp = |k: usize| dist(finders[(k + 1) % 3], finders[(k + 2) % 3]);
            opp(i).total_cmp(&opp(j))
        })
        .unwrap_or(0);
    let tl = finders[tl_at];
    let (mut tr, mut bl) = (finders[(tl_at + 1) % 3], finders[(tl_at + 2) % 3]);
    // Image y points down: TL -> TR -> BL turns clockwise.
    if (tr.0 - tl.0) * (bl.1 - tl.1) - (tr.1 - tl.1) * (bl.0 - tl.0) < 0.0 {
        std::mem::swap(&mut tr, &mut bl);
    }
    let (near, far) = (3.5, d - 3.5);
    let br = match alignment {
        // With the alignment centre at (d-6.5, d-6.5) a homography handles
        // perspective; it gives the would-be bottom-right finder centre.
        Some(al) if d > 21.0 => Homography::quad_to_quad(
            [(near, near), (far, near), (d - 6.5, d - 6.5), (near, far)],
            [tl, tr, al, bl],
        )
        .map((far, far)),
        _ => (tr.0 + bl.0 - tl.0, tr.1 + bl.1 - tl.1),
    };
    let h = Homography::quad_to_quad([(near, near), (far, near), (far, far), (near, far)], [tl, tr, br, bl]);
    [(0.0, 0.0), (d, 0.0), (d, d), (0.0, d)].map(|c| h.map(c))
}

/// The four points in clockwise order around their centre (image
/// coordinates), starting from the one nearest the image's top-left.
fn clockwise(quad: [(f64, f64); 4]) -> [(f64, f64); 4] {
    let (cx, cy) = (quad.iter().map(|p| p.0).sum::<f64>() / 4.0, quad.iter().map(|p| p.1).sum::<f64>() / 4.0);
    let mut q = quad;
    q.sort_by(|a, b| (a.1 - cy).atan2(a.0 - cx).total_cmp(&(b.1 - cy).atan2(b.0 - cx)));
    let first = (0..4).min_by(|&i, &j| (q[i].0 + q[i].1).total_cmp(&(q[j].0 + q[j].1))).unwrap_or(0);
    q.rotate_left(first);
    q
}

#[cfg(test)]
mod tests {
    use super::{Pass, Seen, read};
    use Pass::*;

    /// A low-contrast frame (the benchmark's 720p set, frame 5, at its
    /// live work scale) that the census does not call faint: rxing's own
    /// passes miss it, and the third, on the local-mean image, reads it.
    #[test]
    fn the_local_mean_pass_reads_what_the_others_miss() {
        use genuine_tests::frames::{Distortion, benchmark_frame};
        let (w, h) = (1280, 720);
        let (f, text) = benchmark_frame(Distortion::LowContrast, 5, 10, w, h);
        let crate::Halved { pixels: half, width: ww, height: wh, integral: ii, radius: r } =
            crate::halved(&f.pixels, w, h);
        let (mut inverted, mut binary, mut line) = (Vec::new(), Vec::new(), Vec::new());
        let mut try_passes = |most: usize| {
            read(&half, (ww, wh), (&mut inverted, &mut binary), (Seen::default(), most), |out| {
                ii.binarize(&half, r, out, &mut line)
            })
            .0
        };
        assert!(try_passes(2).is_empty(), "the multi and single readers miss it");
        let found = try_passes(3);
        assert_eq!(found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [text.as_str()]);
    }

    /// Every pass runs once, in the order what the census saw calls for.
    #[test]
    fn the_census_orders_the_passes() {
        let seen = |light, faint, skewed| Seen { light, faint, skewed, dark: false };
        let cases = [
            (seen(false, false, false), [Multi, Single, MultiLocalMean, SingleInverted].as_slice()),
            (seen(true, false, false), &[MultiInverted, Multi, Single, MultiLocalMean, SingleInverted]),
            (seen(false, true, false), &[MultiLocalMean, Multi, Single, SingleInverted]),
            (seen(false, false, true), &[Single, Multi, MultiLocalMean, SingleInverted]),
            (seen(true, false, true), &[MultiInverted, Multi, Single, MultiLocalMean, SingleInverted]),
            (seen(false, true, true), &[MultiLocalMean, Single, Multi, SingleInverted]),
        ];
        for (seen, want) in cases {
            assert_eq!(Pass::order(seen), want, "{seen:?}");
        }
        // No light-on-dark finder seen: the inverted image is not made.
        let dark = Seen { dark: true, ..Seen::default() };
        assert_eq!(Pass::order(dark), [Multi, Single, MultiLocalMean]);
    }
}
