//! A finder-pattern census: a cheap, linear count of the places that look
//! like a QR finder pattern (the 1:1:3:1:1 runs of the three corner squares),
//! done before any decoder sees a frame.
//!
//! It exists to bound the work of one scan whatever the frame shows. rxing's
//! multi-code reader tries every triple of finder candidates (O(n³) time and
//! memory), and its single reader and rqrr's grid grouping are cubic too: a
//! 1.9 KB sticker printed with a 20×20 grid of finder patterns took 36 s and
//! 289 MB (security review finding 6). So the multi reader and rqrr only ever
//! see an image whose census is at most [`DENSE_LIMIT`]; a crowded frame is
//! searched here instead, with every step capped: at most [`MAX_CANDIDATES`]
//! candidates, each paired with its [`NEIGHBOURS`] nearest, at most
//! [`MAX_REGIONS`] regions handed on, each to ZXing's own QR reader, which
//! picks one best triple and makes one decode attempt.
//!
//! The census is deliberately more eager than the decoders' own finders: it
//! thresholds by the local mean (as rxing's hybrid binarizer does), counts both
//! polarities (rxing and rqrr also read light-on-dark print) and accepts the
//! same ±50% module tolerance as ZXing.

use super::binarize::Integral;

/// Images whose short side is below this get the census's coarse copy at
/// half size, not a quarter.
const COARSE_HALF_BELOW: usize = 360;
/// Most candidates a decoder may be given an image with. A frame holds a
/// few codes at most (three finders each); a real photo measured here stays
/// under a dozen.
pub const DENSE_LIMIT: usize = 18;
/// Up to this many candidates a crowded image may still go whole to ZXing's
/// QR reader (after its regions, if they held no code), when it shows
/// at most [`SINGLE_PLAUSIBLE`] symbol-shaped triples: choosing among n
/// candidates costs that reader at most n³/6 distance comparisons (about
/// 150,000 here) before its one decode attempt. A dense legitimate code
/// (version 25 and up) shows 20 to 50 candidates in its data and up to 17
/// plausible triples in the photos measured.
#[cfg_attr(not(feature = "rxing"), allow(dead_code))]
pub const SINGLE_LIMIT: usize = 96;
/// See [`SINGLE_LIMIT`].
#[cfg_attr(not(feature = "rxing"), allow(dead_code))]
pub const SINGLE_PLAUSIBLE: usize = 24;
/// The census stops counting here: its own work is bounded too.
pub const MAX_CANDIDATES: usize = 256;
/// Each candidate is paired only with this many nearest candidates.
pub const NEIGHBOURS: usize = 6;
/// Most regions of a crowded frame handed to the decoders.
pub const MAX_REGIONS: usize = 8;

/// A finder-pattern candidate: its centre and module size, in work pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Centre column.
    pub x: f32,
    /// Centre row.
    pub y: f32,
    /// Estimated module size.
    pub module: f32,
    /// Rows that saw it.
    pub(crate) hits: u16,
    /// Its centre square is lighter than its ring: light-on-dark print.
    pub(crate) light: bool,
}

/// What one scan did, counted so that tests can hold it to a bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanWork {
    /// Finder candidates the census confirmed (capped at [`MAX_CANDIDATES`]).
    pub candidates: usize,
    /// Triples of candidates the crowded-frame search considered.
    pub triples: usize,
    /// Of those, the ones shaped like a symbol's three finders.
    pub plausible: usize,
    /// Decoder calls (rxing or rqrr, each try counts).
    pub decoder_calls: usize,
    /// Pixels handed to decoders, summed over the calls.
    pub decoder_pixels: usize,
    /// rxing reader passes (a multi or single read of one image).
    pub rxing_passes: usize,
    /// The most finder centres, counted on the very bits it reads, in an
    /// image rxing's multi reader was given (its work is cubic in them).
    pub multi_finders: usize,
    /// Module grids the finder-outline reader sampled and decoded (at most
    /// 9 per image it is given, each at most 177 x 177 modules).
    pub grids: usize,
    /// The frame was crowded: decoders saw only regions of it.
    pub crowded: bool,
    /// A live frame read in the region where the last frame's small code
    /// was (the scanner's hint).
    pub hinted: bool,
    /// rqrr's grid fitting, in cell samples (at most the pipeline's `FIT_BUDGET`).
    pub fit_samples: u64,
}

/// A rectangle of the work image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Left column.
    pub x: usize,
    /// Top row.
    pub y: usize,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

impl Region {
    /// Whether `other` lies wholly inside this region.
    pub fn contains(&self, other: &Region) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.x + other.width <= self.x + self.width
            && other.y + other.height <= self.y + self.height
    }
}

/// The census of one image.
#[derive(Debug, Clone, Default)]
pub struct Census {
    /// Confirmed candidates.
    pub candidates: Vec<Candidate>,
    /// The count stopped at [`MAX_CANDIDATES`]: there are more.
    pub overflow: bool,
    /// Rows counted (all of them unless the count stopped early).
    pub rows: usize,
}

impl Census {
    /// Too many candidates for a decoder to be given the whole image.
    pub fn crowded(&self) -> bool {
        self.overflow || self.candidates.len() > DENSE_LIMIT
    }
}

/// Buffers the census reuses from frame to frame (a camera loop allocates
/// nothing per frame for it but the few candidates it returns).
#[derive(Debug, Default)]
pub struct CensusScratch {
    coarse: Vec<u8>,
    coarse_ii: Integral,
    thresholds: Vec<u8>,
    threshold_row: Vec<u8>,
    line: Vec<u8>,
    runs: Vec<(bool, usize)>,
}

/// Counts finder-pattern candidates as the decoders would see them: under
/// the local mean at full resolution (as rxing's hybrid binarizer and rqrr's
/// local tries threshold), then, for large modules that a small window
/// misses (a finder's centre fills it), under the local mean and Otsu's
/// global threshold on a 4x smaller copy. Both polarities each; the largest
/// count wins. Costs about two reads of the image.
pub fn census(
    pixels: &[u8],
    width: usize,
    height: usize,
    ii: &Integral,
    radius: usize,
    step: usize,
    scratch: &mut CensusScratch,
) -> Census {
    let CensusScratch { coarse, coarse_ii: cii, line, runs, .. } = scratch;
    let local = census_with(
        (width, height),
        Sampling::rows(step),
        (line, runs),
        |y, out: &mut Vec<u8>| ii.dark_row(&pixels[y * width..(y + 1) * width], y, radius, out),
        |x, y| u32::from(pixels[y * width + x]) + 3 < ii.mean(x, y, radius),
    );
    // Large modules: box-downscaled copies, where they are small again: 4x
    // smaller, and 2x too for an image under 360 pixels (a photo of a code
    // that fills it: in a 4x copy of 240x240 its modules are under two
    // pixels, and the live path missed 11 of `qrcode-5`'s 19 codes).
    let mut best = local;
    let factors: &[usize] = if width.min(height) < COARSE_HALF_BELOW { &[2, 4] } else { &[4] };
    for &factor in factors {
        if best.crowded() || width < factor * 14 || height < factor * 14 {
            break;
        }
        for found in coarse_census(ii, factor, height, (coarse, cii), (line, runs)) {
            if found.crowded() || found.candidates.len() >= best.candidates.len() {
                best = found;
            }
            if best.crowded() {
                break;
            }
        }
    }
    best
}

/// The census of a `factor` times smaller copy of the image of `ii`, under
/// its local mean and under Otsu's threshold (the second only if the first
/// is not crowded), in the image's coordinates.
fn coarse_census(
    ii: &Integral,
    factor: usize,
    height: usize,
    (coarse, cii): (&mut Vec<u8>, &mut Integral),
    (line, runs): (&mut Vec<u8>, &mut Vec<(bool, usize)>),
) -> Vec<Census> {
    let (cw, ch) = ii.downscale(factor, coarse);
    cii.build(coarse, cw, ch);
    let (cii, coarse) = (&*cii, &*coarse);
    let cr = super::binarize::local_radius(cw, ch);
    let t = super::binarize::otsu(coarse);
    let scaled = |c: Census| Census {
        candidates: c
            .candidates
            .into_iter()
            .map(|k| Candidate {
                x: k.x * factor as f32 + (factor as f32 - 1.0) / 2.0,
                y: k.y * factor as f32 + (factor as f32 - 1.0) / 2.0,
                module: k.module * factor as f32,
                hits: k.hits,
                light: k.light,
            })
            .collect(),
        overflow: c.overflow,
        rows: (c.rows * factor).min(height),
    };
    let coarse_local = scaled(census_with(
        (cw, ch),
        Sampling::rows(1),
        (&mut *line, &mut *runs),
        |y, out: &mut Vec<u8>| cii.dark_row(&coarse[y * cw..(y + 1) * cw], y, cr, out),
        |x, y| u32::from(coarse[y * cw + x]) + 3 < cii.mean(x, y, cr),
    ));
    if coarse_local.crowded() {
        return vec![coarse_local];
    }
    let coarse_global = scaled(census_with(
        (cw, ch),
        Sampling::rows(1),
        (line, runs),
        |y, out: &mut Vec<u8>| {
            out.clear();
            out.extend(coarse[y * cw..(y + 1) * cw].iter().map(|&p| u8::from(p <= t)));
        },
        |x, y| coarse[y * cw + x] <= t,
    ));
    vec![coarse_local, coarse_global]
}

/// How much darker than its local mean a frame pixel must be for the
/// full-size census: sensor noise at full size crosses a margin of 3 all
/// the time, and the 1:1:3:1:1 runs it makes cost more than the rest of the
/// frame; the ink of a code in view is far darker than its paper.
const FINE_MARGIN: u8 = 20;
/// The side of the full-size census's threshold blocks, in frame pixels.
const FINE_BLOCK: usize = 8;

/// A census of a frame at its full size, for the small finders of a code
/// still far from the camera, which a live frame's census at the work scale
/// (modules under two work pixels) does not see. No table of the full frame
/// is built: each block of [`FINE_BLOCK`]² frame pixels takes its threshold
/// from the work image's (`ii`, the frame `scale` times smaller) local
/// mean around the block's centre, as ZXing's hybrid binarizer thresholds by
/// blocks; a row is then one comparison per pixel. See [`FINE`] for the
/// rows read and the runs accepted, and [`ringed`] for the candidates kept.
pub fn fine_census(
    frame: &super::LumaFrame<'_>,
    ii: &Integral,
    scale: usize,
    radius: usize,
    scratch: &mut CensusScratch,
) -> Census {
    let CensusScratch { thresholds, threshold_row, line, runs, .. } = scratch;
    let (width, height) = (frame.width(), frame.height());
    let (ww, wh) = ii.size();
    if ww == 0 || wh == 0 || scale == 0 {
        return Census::default();
    }
    let work = |v: usize, max: usize| (v / scale).min(max - 1);
    let (bw, bh) = (width.div_ceil(FINE_BLOCK), height.div_ceil(FINE_BLOCK));
    thresholds.clear();
    for by in 0..bh {
        let y = work(by * FINE_BLOCK + FINE_BLOCK / 2, wh);
        thresholds.extend((0..bw).map(|bx| {
            let mean = ii.mean(work(bx * FINE_BLOCK + FINE_BLOCK / 2, ww), y, radius);
            (mean as u8).saturating_sub(FINE_MARGIN)
        }));
    }
    let thresholds = &*thresholds;
    let mut current = usize::MAX;
    let mut census = census_with(
        (width, height),
        FINE,
        (line, runs),
        |y, out: &mut Vec<u8>| {
            let by = y / FINE_BLOCK;
            if current != by {
                // Each block's threshold spread over its pixels, once per block row.
                current = by;
                threshold_row.clear();
                for &t in &thresholds[by * bw..(by + 1) * bw] {
                    threshold_row.extend([t; FINE_BLOCK]);
                }
            }
            out.clear();
            out.extend(frame.row(y).iter().zip(threshold_row.iter()).map(|(&p, &t)| u8::from(p < t)));
        },
        |x, y| frame.get(x, y) < thresholds[(y / FINE_BLOCK) * bw + x / FINE_BLOCK],
    );
    census.candidates.retain(|c| ringed(frame, c));
    census
}

/// The full-size census reads one row in three: a finder's centre of
/// two-pixel modules shows on two of them. Its runs may each be half a
/// pixel off, as zxing-cpp's `IsPattern` allows ("less sensitive to
/// quantization errors for small module sizes"): a small module's edge
/// falls mid-pixel, and a blurred two-pixel light ring may cover one. Without
/// it, four of the six 720p approach sequences read later than zxing-cpp.
const FINE: Sampling = Sampling { step: 3, slack: Tolerance::Slack(7), quorum: QUORUM - 1 };

/// Whether a full-size census candidate's light ring (two modules out from
/// its centre, four ways) is on average lighter than its centre by the
/// census's margin, or darker for a light-on-dark one. A finder's is, by
/// far; the block thresholds' steps on a flat grey area (each block has its
/// own) make 1:1:3:1:1 runs in pixels of one grey, which are not, and cost
/// a decode of the region their pair marks (4× zxing-cpp's time on a 720p
/// frame without a code, measured).
fn ringed(frame: &super::LumaFrame<'_>, c: &Candidate) -> bool {
    let (w, h) = (frame.width(), frame.height());
    let at = |x: f32, y: f32| {
        // In the frame: candidates are, and their rings are clamped to it.
        let (x, y) = (x.round().clamp(0.0, (w - 1) as f32), y.round().clamp(0.0, (h - 1) as f32));
        i32::from(frame.get(x as usize, y as usize))
    };
    let d = 2.0 * c.module;
    let ring = at(c.x - d, c.y) + at(c.x + d, c.y) + at(c.x, c.y - d) + at(c.x, c.y + d);
    let lighter = ring - 4 * at(c.x, c.y);
    let lighter = if c.light { -lighter } else { lighter };
    lighter >= 4 * i32::from(FINE_MARGIN)
}

/// How a census reads its image: every `step`th row, and how far each of
/// the five runs of a 1:1:3:1:1 may stray (see [`finder_ratio`]).
#[derive(Debug, Clone, Copy)]
struct Sampling {
    step: usize,
    slack: Tolerance,
    /// Rows a candidate must be seen on to count.
    quorum: u16,
}

impl Sampling {
    /// Every `step`th row: a finder's centre square (three rows or more)
    /// shows on [`QUORUM`] of them, or one fewer when rows are skipped.
    const fn rows(step: usize) -> Sampling {
        Sampling { step, slack: Tolerance::Slack(0), quorum: if step > 1 { QUORUM - 1 } else { QUORUM } }
    }
}

/// How far each run of a 1:1:3:1:1 may stray from its expected width.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tolerance {
    /// ZXing's half a module per module, plus this many fourteenths of a
    /// pixel for modules under [`SLACK_BELOW`] pixels.
    Slack(usize),
    /// rxing 0.9's: half a module per module plus min(0.5 / module, 0.5)
    /// pixels of quantisation per module (its `foundPatternCross`), so that
    /// a census of the bits rxing reads counts every run its finder takes.
    Rxing,
}

/// The census under one threshold (`dark_row` marks a row's dark pixels),
/// reading every `step`th row. Stops at [`MAX_CANDIDATES`].
fn census_with(
    (width, height): (usize, usize),
    Sampling { step, slack, quorum }: Sampling,
    (line, runs): (&mut Vec<u8>, &mut Vec<(bool, usize)>),
    mut dark_row: impl FnMut(usize, &mut Vec<u8>),
    dark: impl Fn(usize, usize) -> bool,
) -> Census {
    // Each row is classified once into a reused buffer; the rare vertical
    // cross-checks classify the pixels they read on the spot.
    let mut found: Vec<Candidate> = Vec::new();
    for y in (0..height).step_by(step.max(1)) {
        dark_row(y, line);
        debug_assert_eq!(line.len(), width);
        runs_of(line, runs);
        // A row with fewer than five runs holds no 1:1:3:1:1.
        if runs.len() < 5 {
            continue;
        }
        let mut start = 0;
        for i in 0..runs.len().saturating_sub(4) {
            let five = [runs[i].1, runs[i + 1].1, runs[i + 2].1, runs[i + 3].1, runs[i + 4].1];
            if let Some(module) = finder_ratio(five, slack) {
                let centre_x = start + five[0] + five[1] + five[2] / 2;
                let centre_dark = runs[i + 2].0;
                let column = (centre_x, y, height);
                if let Some((cy, vmodule)) = cross_check(&dark, column, centre_dark, module, slack) {
                    let module = (module + vmodule) / 2.0;
                    if !merge(&mut found, (centre_x as f32, cy), module, !centre_dark, quorum) {
                        return Census { candidates: confirmed(found, quorum), overflow: true, rows: y };
                    }
                }
            }
            start += runs[i].1;
        }
    }
    Census { candidates: confirmed(found, quorum), overflow: false, rows: height }
}

/// A census of an image as a decoder binarized it (`dark_row` writes row
/// `y`'s 1s and 0s, `dark` reads one pixel), counting what that decoder's
/// own finder search would: every row, and a candidate seen on two rows
/// (ZXing's quorum), so that it counts at least as many as the decoder
/// finds. The pixel census thresholds otherwise (the local mean), and a
/// crafted image can show it a dozen candidates where the decoder's
/// binarization shows a hundred (security review 2, finding 11): a
/// decoder whose search is cubic in them is given only an image this
/// census finds uncrowded.
pub fn census_of_bits(
    (width, height): (usize, usize),
    (line, runs): (&mut Vec<u8>, &mut Vec<(bool, usize)>),
    dark_row: impl FnMut(usize, &mut Vec<u8>),
    dark: impl Fn(usize, usize) -> bool,
) -> Census {
    let every_row = Sampling { step: 1, slack: Tolerance::Rxing, quorum: QUORUM - 1 };
    census_with((width, height), every_row, (line, runs), dark_row, dark)
}

/// Only candidates seen on three rows or more count: a finder's centre
/// square is at least three rows tall, and random data (a dense code, noise)
/// seldom repeats a 1:1:3:1:1 run three rows running.
fn confirmed(mut found: Vec<Candidate>, quorum: u16) -> Vec<Candidate> {
    found.retain(|c| c.hits >= quorum);
    found
}

/// The runs of one classified row (1 dark, 0 light), as (dark, length), in
/// order. Finds the colour changes eight pixels at a time (the row XORed
/// with itself one pixel on): most of a frame is long runs, and a
/// byte-by-byte scan spent half of the census mispredicting its branch.
fn runs_of(line: &[u8], runs: &mut Vec<(bool, usize)>) {
    runs.clear();
    let n = line.len();
    if n == 0 {
        return;
    }
    let word = |at: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&line[at..at + 8]);
        u64::from_le_bytes(bytes)
    };
    let mut start = 0;
    let mut i = 0;
    while i + 9 <= n {
        // Each byte of the XOR is 0 or 1: one bit per colour change.
        let mut changes = word(i) ^ word(i + 1);
        while changes != 0 {
            let end = i + (changes.trailing_zeros() / 8) as usize + 1;
            runs.push((line[start] == 1, end - start));
            start = end;
            changes &= changes - 1;
        }
        i += 8;
    }
    for j in i..n - 1 {
        if line[j] != line[j + 1] {
            runs.push((line[start] == 1, j + 1 - start));
            start = j + 1;
        }
    }
    runs.push((line[start] == 1, n - start));
}

/// Modules (in pixels) from which half a pixel is at most an eighth of one:
/// a finder that large needs no slack for rounding, and slack there let a
/// blurred large code's finders through to a full-size decode that cannot
/// read it (a 1080p approach frame: 4 ms -> 49 ms).
const SLACK_BELOW: usize = 3;

/// Rows a candidate must be seen on to count.
const QUORUM: u16 = 3;

/// The module size if five runs are 1:1:3:1:1 within ZXing's tolerance
/// (each run within half a module per module of its expected width), plus
/// `slack` fourteenths of a pixel for modules under [`SLACK_BELOW`]
/// pixels (or within rxing's, see [`Tolerance`]). In integers: with m =
/// total / 7, |run - k·m| < k·m / 2 + slack / 14 is |14·run - 2k·total| <
/// k·total + slack. It runs for every five runs of every row.
fn finder_ratio(runs: [usize; 5], slack: Tolerance) -> Option<f32> {
    let total: usize = runs.iter().sum();
    if total < 7 {
        return None;
    }
    let slack = match slack {
        Tolerance::Slack(slack) => slack,
        Tolerance::Rxing => return rxing_ratio(runs, total),
    };
    let slack = if total < 7 * SLACK_BELOW { slack } else { 0 };
    let near = |run: usize, k: usize| (14 * run).abs_diff(2 * k * total) < k * total + slack;
    (near(runs[0], 1) && near(runs[1], 1) && near(runs[2], 3) && near(runs[3], 1) && near(runs[4], 1))
        .then_some(total as f32 / 7.0)
}

/// [`finder_ratio`] with rxing's tolerance, in its own floating point.
fn rxing_ratio(runs: [usize; 5], total: usize) -> Option<f32> {
    let module = total as f64 / 7.0;
    let variance = module / 2.0 + (0.5 / module).min(0.5);
    let near = |run: usize, k: f64| (k * module - run as f64).abs() < k * variance;
    (runs.iter().all(|&r| r > 0)
        && near(runs[0], 1.0)
        && near(runs[1], 1.0)
        && near(runs[2], 3.0)
        && near(runs[3], 1.0)
        && near(runs[4], 1.0))
    .then_some(module as f32)
}

/// Checks the column through a row hit: the same 1:1:3:1:1 pattern
/// vertically, centred near the row. Reads at most 7 modules' worth of
/// pixels either way (the work per hit is bounded by the module size).
fn cross_check(
    dark: &impl Fn(usize, usize) -> bool,
    (x, y, height): (usize, usize, usize),
    centre_dark: bool,
    module: f32,
    slack: Tolerance,
) -> Option<(f32, f32)> {
    let reach = (module * 7.0).ceil() as usize + 2;
    // Runs upwards then downwards from the centre pixel.
    let mut up = [0usize; 3];
    let mut yy = y as isize;
    for (k, colour) in [centre_dark, !centre_dark, centre_dark].into_iter().enumerate() {
        while yy >= 0 && dark(x, yy as usize) == colour && up[k] <= reach {
            up[k] += 1;
            yy -= 1;
        }
    }
    let mut down = [0usize; 3];
    let mut yy = y + 1;
    for (k, colour) in [centre_dark, !centre_dark, centre_dark].into_iter().enumerate() {
        while yy < height && dark(x, yy) == colour && down[k] <= reach {
            down[k] += 1;
            yy += 1;
        }
    }
    let runs = [up[2], up[1], up[0] + down[0], down[1], down[2]];
    let vmodule = finder_ratio(runs, slack)?;
    let centre = (y as f32 - up[0] as f32 + 1.0) + (up[0] + down[0]) as f32 / 2.0 - 0.5;
    Some((centre, vmodule))
}

/// Adds a row hit to the candidate it belongs to, or as a new one; false
/// when there is no room. Only recent candidates are searched: hits come row
/// by row, so a pattern's hits arrive close together.
fn merge(found: &mut Vec<Candidate>, (x, y): (f32, f32), module: f32, light: bool, quorum: u16) -> bool {
    let recent = found.len().saturating_sub(128);
    for c in found[recent..].iter_mut().rev() {
        if (c.x - x).abs() <= c.module * 2.0 && (c.y - y).abs() <= c.module * 2.0 {
            let n = f32::from(c.hits);
            c.x = (c.x * n + x) / (n + 1.0);
            c.y = (c.y * n + y) / (n + 1.0);
            c.module = (c.module * n + module) / (n + 1.0);
            c.hits = c.hits.saturating_add(1);
            return true;
        }
    }
    if found.len() == MAX_CANDIDATES {
        // Rows have moved on past the older unconfirmed ones (noise, text):
        // they can get no more hits, so they make room.
        let keep_from = found.len() - 128;
        let mut i = 0;
        found.retain(|c| {
            i += 1;
            i > keep_from || c.hits >= quorum
        });
    }
    if found.len() == MAX_CANDIDATES {
        return false;
    }
    found.push(Candidate { x, y, module, hits: 1, light });
    true
}

/// Whether the candidates could hold a symbol's finders: three, or two of
/// one size at a distance a symbol's finders can be apart (14 to 170
/// modules), the third missed.
pub fn could_be_a_symbol(cands: &[Candidate]) -> bool {
    match cands {
        [] | [_] => false,
        [a, b] => finder_pair(a, b).is_some(),
        _ => true,
    }
}

/// Modules from which a live work image's code is large enough for rqrr
/// there (in work pixels): see [`large_modules`].
const LARGE_MODULE: f32 = 2.5;

/// Whether the candidates' median module is [`LARGE_MODULE`] or more: a
/// code that rqrr reads in the work image as well as at full size, where
/// the symbol's region may cut a tilted code's far corner.
pub fn large_modules(cands: &[Candidate]) -> bool {
    let mut modules: Vec<f32> = cands.iter().map(|c| c.module).collect();
    let mid = modules.len() / 2;
    !modules.is_empty() && *modules.select_nth_unstable_by(mid, f32::total_cmp).1 >= LARGE_MODULE
}

/// Whether most candidates are light-on-dark finders: the frame's print is
/// then most likely light on dark, and decoders should try it inverted first.
pub fn mostly_light(cands: &[Candidate]) -> bool {
    2 * cands.iter().filter(|c| c.light).count() > cands.len()
}

/// Whether the candidates hold a triple but none that rxing's multi reader
/// would group as one symbol's finders: it only takes three whose arms
/// differ by under 10% and whose diagonal is within 10% of a right
/// angle's (rxing 0.9, `multi_finder_pattern_finder.rs`), where its single
/// reader takes the best triple whatever its shape. Tilted codes (the
/// generated perspective class) fail the first and read in the second.
/// At most [`DENSE_LIMIT`] candidates reach here: 816 triples.
pub fn skewed(cands: &[Candidate]) -> bool {
    if cands.len() < 3 || cands.len() > DENSE_LIMIT {
        return false;
    }
    let dist = |p: &Candidate, q: &Candidate| (p.x - q.x).hypot(p.y - q.y);
    let square = |a: &Candidate, b: &Candidate, c: &Candidate| {
        let mut d = [dist(a, b), dist(b, c), dist(a, c)];
        d.sort_by(f32::total_cmp);
        let [arm_a, arm_b, diagonal] = d;
        let right = arm_a.hypot(arm_b);
        arm_a > 0.0 && (arm_b - arm_a) / arm_a < 0.1 && (diagonal - right).abs() / diagonal.min(right) < 0.1
    };
    for (i, a) in cands.iter().enumerate() {
        for (j, b) in cands.iter().enumerate().skip(i + 1) {
            if cands[j + 1..].iter().any(|c| square(a, b, c)) {
                return false;
            }
        }
    }
    true
}

/// Finder contrast under which a frame counts as faint: see [`faint`].
const FAINT_CONTRAST: u32 = 56;

/// Whether the print of the candidates' finders is faint: the third
/// largest, over them, of the difference between a finder's centre square
/// and its light ring two modules out (the third: the frame's texture and
/// noise make faint finder-like marks beside a real symbol's three). About
/// 200 for ink 25 on paper 235, blurred or not; 40 for ink 110 on 150,
/// which rxing's own binarizer takes for paper.
pub fn faint(cands: &[Candidate], ii: &Integral) -> bool {
    let (width, height) = ii.size();
    let mut contrast: Vec<u32> = cands
        .iter()
        .filter_map(|c| {
            let at = |dx: f32, dy: f32| {
                let x = ((c.x + dx).round().max(0.0) as usize).min(width.checked_sub(1)?);
                let y = ((c.y + dy).round().max(0.0) as usize).min(height.checked_sub(1)?);
                Some((x, y))
            };
            let (x, y) = at(0.0, 0.0)?;
            // The centre square's mean (a module around the centre): sensor noise averages out.
            let centre = ii.mean(x, y, (c.module / 2.0) as usize);
            let m = 2.0 * c.module;
            let mut ring = 0;
            for (dx, dy) in [(m, 0.0), (-m, 0.0), (0.0, m), (0.0, -m)] {
                let (x, y) = at(dx, dy)?;
                ring += ii.mean(x, y, 0);
            }
            Some(centre.abs_diff(ring / 4))
        })
        .collect();
    if contrast.is_empty() {
        return false;
    }
    let third = contrast.len().min(3) - 1;
    *contrast.select_nth_unstable_by(third, |a, b| b.cmp(a)).1 < FAINT_CONTRAST
}

/// The distance between two candidates if they could be two finders of one
/// symbol: modules of one size, centres 14 to 170 modules apart.
fn finder_pair(a: &Candidate, b: &Candidate) -> Option<f32> {
    let similar = b.module <= a.module * 1.4 && a.module <= b.module * 1.4;
    let d = (a.x - b.x).hypot(a.y - b.y);
    (similar && d >= 12.0 * a.module && d <= 180.0 * a.module).then_some(d)
}

/// Where a symbol two of whose finders are the nearest pair of candidates
/// that could be (see [`could_be_a_symbol`]) must lie: the pair's box grown
/// by their distance (the third finder is at most that far from one of
/// them) and a quiet zone, clipped to the image.
pub fn pair_region(cands: &[Candidate], width: usize, height: usize) -> Option<Region> {
    let mut best: Option<(f32, &Candidate, &Candidate)> = None;
    for (i, a) in cands.iter().enumerate() {
        for b in &cands[i + 1..] {
            if let Some(d) = finder_pair(a, b)
                && best.is_none_or(|(bd, ..)| d < bd)
            {
                best = Some((d, a, b));
            }
        }
    }
    let (d, a, b) = best?;
    let grow = d * 1.5 + a.module.max(b.module) * 8.0;
    let clamp = |v: f32, max: usize| v.max(0.0).min(max as f32) as usize;
    let (x0, x1) = (clamp(a.x.min(b.x) - grow, width), clamp(a.x.max(b.x) + grow, width));
    let (y0, y1) = (clamp(a.y.min(b.y) - grow, height), clamp(a.y.max(b.y) + grow, height));
    Some(Region { x: x0, y: y0, width: x1 - x0, height: y1 - y0 })
}

/// In a crowded frame, the regions where three candidates sit as a QR code's
/// finders do (a right angle, equal arms, similar modules, a plausible
/// symbol size), best first, at most [`MAX_REGIONS`], each cropped to the
/// symbol and its quiet zone. Each candidate is paired only with its
/// [`NEIGHBOURS`] nearest, so the search is linear in the candidates.
pub fn regions(census: &Census, width: usize, height: usize, work: &mut ScanWork) -> Vec<Region> {
    let cands = &census.candidates;
    // Past the rows the census counted, a missing fourth finder proves nothing.
    let counted = census.rows as f32;
    let mut scored: Vec<(usize, f32, Region)> = Vec::new();
    let mut near: Vec<(f32, usize)> = Vec::with_capacity(cands.len());
    for (i, a) in cands.iter().enumerate() {
        near.clear();
        for (j, b) in cands.iter().enumerate() {
            if j != i
                && let Some(d) = finder_pair(a, b)
            {
                near.push((d, j));
            }
        }
        // A symbol's three finders were printed together: nearly the same
        // module size first, then the nearest. So a grid of decoys of
        // another size beside a real code does not crowd out its finders.
        let likeness = |j: usize| ((cands[j].module / a.module).ln().abs() / 0.08) as u32;
        near.sort_by(|p, q| likeness(p.1).cmp(&likeness(q.1)).then(p.0.total_cmp(&q.0)));
        near.truncate(NEIGHBOURS);
        for (n, &(dj, j)) in near.iter().enumerate() {
            for &(dk, k) in &near[n + 1..] {
                work.triples += 1;
                let (b, c) = (cands[j], cands[k]);
                let arms = dj.min(dk) / dj.max(dk);
                let (vx, vy, wx, wy) = (b.x - a.x, b.y - a.y, c.x - a.x, c.y - a.y);
                let cos = (vx * wx + vy * wy) / (dj * dk);
                // A real symbol has no finder at its fourth corner (a grid of
                // decoys does), and its region holds few other candidates.
                let fourth = (b.x + c.x - a.x, b.y + c.y - a.y);
                let at_fourth =
                    || cands.iter().any(|d| (d.x - fourth.0).hypot(d.y - fourth.1) < a.module * 3.0);
                // A symbol must lie wholly in the frame to be read; past the
                // rows counted, a missing fourth finder proves nothing.
                let edge = a.module * 3.5;
                let beyond = fourth.0 < edge
                    || fourth.1 < edge
                    || fourth.0 + edge > width as f32
                    || fourth.1 + a.module * 8.0 > counted.min(height as f32);
                // One symbol's finders are printed alike: a data pattern of
                // the other polarity beside two finders is not their third.
                let alike = a.light == b.light && a.light == c.light;
                // The scan for a fourth finder runs only for symbol-shaped triples.
                if arms > 0.8 && cos.abs() < 0.2 && alike && !beyond && !at_fourth() {
                    let region = symbol_region(a, b, c, width, height);
                    scored.push((inside(cands, &region), arms - cos.abs(), region));
                }
            }
        }
    }
    work.plausible = scored.len();
    // Fewest other candidates first, then the squarest.
    scored.sort_by(|p, q| p.0.cmp(&q.0).then(q.1.total_cmp(&p.1)));
    let mut out: Vec<Region> = Vec::new();
    for (_, _, r) in scored {
        if out.len() == MAX_REGIONS {
            break;
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The region of the symbol three of the candidates mark: [`regions`]'
/// best, else [`tilted_region`]'s.
pub fn symbol(census: &Census, width: usize, height: usize, work: &mut ScanWork) -> Option<Region> {
    regions(census, width, height, work)
        .first()
        .copied()
        .or_else(|| tilted_region(&census.candidates, width, height))
}

/// A finder as [`tilted_corner`] sees it: centre, module, polarity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pub centre: (f64, f64),
    pub module: f64,
    pub light: bool,
}

/// Whether `a`, `b` and `c` could be a tilted symbol's corner finder and
/// its two neighbours (the outline reader's test, looser than
/// [`regions`]'): one polarity, modules within a factor of three (a tilt
/// makes the near finder's larger), arms at 50-130 degrees and within a
/// factor of two of each other (a tilt shortens one), at least 12 of the
/// smallest modules long (a version-1 symbol's finders are 14 apart; a tilt
/// shortens that). How far from a square corner they are (0 for one), or
/// `None`.
pub(crate) fn tilted_corner(a: Mark, b: Mark, c: Mark) -> Option<f64> {
    if a.light != b.light || a.light != c.light {
        return None;
    }
    let lo = a.module.min(b.module).min(c.module);
    let hi = a.module.max(b.module).max(c.module);
    let (u, v) = (
        (b.centre.0 - a.centre.0, b.centre.1 - a.centre.1),
        (c.centre.0 - a.centre.0, c.centre.1 - a.centre.1),
    );
    let (lu, lv) = (u.0.hypot(u.1), v.0.hypot(v.1));
    if hi > 3.0 * lo || lu.min(lv) < 12.0 * lo || lu.max(lv) > 2.0 * lu.min(lv) {
        return None;
    }
    let cos = (u.0 * v.0 + u.1 * v.1) / (lu * lv);
    (cos.abs() <= 0.64).then(|| cos.abs() + (lu / lv).ln().abs())
}

/// The region of a tilted symbol whose finders [`regions`]' shape test
/// rejects (arms within 20%, a right angle within 12 degrees): the best
/// triple under [`tilted_corner`] whose fourth corner lies in the image,
/// with a quiet zone of 8 of its largest modules. A tilt shrinks the far
/// side, so the real fourth corner is inside the parallelogram the three
/// make. Only an uncrowded census gets here (at most [`DENSE_LIMIT`]
/// candidates), so the search is bounded.
fn tilted_region(cands: &[Candidate], width: usize, height: usize) -> Option<Region> {
    let mark = |c: &Candidate| Mark {
        centre: (f64::from(c.x), f64::from(c.y)),
        module: f64::from(c.module),
        light: c.light,
    };
    let mut best: Option<(f64, Region)> = None;
    let n = cands.len();
    for i in 0..n {
        for j in 0..n {
            for k in j + 1..n {
                if i == j || i == k {
                    continue;
                }
                let (a, b, c) = (&cands[i], cands[j], cands[k]);
                let Some(score) = tilted_corner(mark(a), mark(&b), mark(&c)) else { continue };
                // A symbol must lie wholly in the image to be read.
                let hi = a.module.max(b.module).max(c.module);
                let fourth = (b.x + c.x - a.x, b.y + c.y - a.y);
                let edge = hi * 3.5;
                if fourth.0 < edge
                    || fourth.1 < edge
                    || fourth.0 + edge > width as f32
                    || fourth.1 + edge > height as f32
                {
                    continue;
                }
                if best.is_none_or(|(s, _)| score < s) {
                    let widest = Candidate { module: hi, ..*a };
                    best = Some((score, symbol_region(&widest, b, c, width, height)));
                }
            }
        }
    }
    best.map(|(_, r)| r)
}

/// The symbol's bounding box from its top-left finder `a` and the other two,
/// with 3.5 modules to the symbol's edge and a 4-module quiet zone.
fn symbol_region(a: &Candidate, b: Candidate, c: Candidate, width: usize, height: usize) -> Region {
    let d = (b.x + c.x - a.x, b.y + c.y - a.y);
    let xs = [a.x, b.x, c.x, d.0];
    let ys = [a.y, b.y, c.y, d.1];
    let margin = a.module * 8.0;
    let clamp = |v: f32, max: usize| v.max(0.0).min(max as f32) as usize;
    let x0 = clamp(xs.iter().copied().fold(f32::MAX, f32::min) - margin, width);
    let x1 = clamp(xs.iter().copied().fold(f32::MIN, f32::max) + margin, width);
    let y0 = clamp(ys.iter().copied().fold(f32::MAX, f32::min) - margin, height);
    let y1 = clamp(ys.iter().copied().fold(f32::MIN, f32::max) + margin, height);
    Region { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
}

/// Candidates inside a region.
pub fn inside(cands: &[Candidate], r: &Region) -> usize {
    let within = |c: &&Candidate| {
        c.x >= r.x as f32
            && c.x < (r.x + r.width) as f32
            && c.y >= r.y as f32
            && c.y < (r.y + r.height) as f32
    };
    cands.iter().filter(within).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use genuine_tests::frames::{Frame, draw_finder};

    /// A blurred finder of two-pixel modules, as a row of the 720p approach
    /// sequences showed it: its light ring one pixel wide. Only the
    /// full-size census's half a pixel of slack passes it, and only for
    /// small modules.
    #[test]
    fn half_a_pixel_of_slack_passes_small_blurred_finders_only() {
        let row = [3, 1, 7, 2, 2];
        assert_eq!(finder_ratio(row, Tolerance::Slack(0)), None);
        assert_eq!(finder_ratio(row, FINE.slack), Some(15.0 / 7.0));
        // The same shape four times as large is no rounding error.
        assert_eq!(finder_ratio(row.map(|r| 4 * r), FINE.slack), None);
        // A clean finder passes either way.
        assert!(finder_ratio([2, 2, 6, 2, 2], Tolerance::Slack(0)).is_some());
    }

    /// Only candidates whose ring is lighter than their centre (darker, for
    /// light-on-dark print) leave the full-size census: a candidate on a
    /// flat grey area, which the block thresholds' steps make, does not.
    #[test]
    fn a_finder_is_ringed_and_flat_grey_is_not() {
        let (w, h) = (64, 64);
        let mut f = Frame { pixels: vec![128; w * h], width: w, height: h, codes: Vec::new() };
        fn frame(f: &Frame) -> super::super::LumaFrame<'_> {
            super::super::LumaFrame::new(&f.pixels, f.width, f.height, f.width).unwrap()
        }
        let at = |x: f32, light: bool| Candidate { x, y: 20.0, module: 2.0, hits: QUORUM, light };
        assert!(!ringed(&frame(&f), &at(20.0, false)), "flat grey");
        assert!(!ringed(&frame(&f), &at(20.0, true)), "flat grey");
        f.pixels.fill(230);
        draw_finder(&mut f, 13, 13, 2, 20);
        assert!(ringed(&frame(&f), &at(20.0, false)), "a dark finder");
        assert!(!ringed(&frame(&f), &at(20.0, true)), "read as light-on-dark, it is not");
        f.pixels.fill(30);
        draw_finder(&mut f, 13, 13, 2, 225);
        assert!(ringed(&frame(&f), &at(20.0, true)), "a light finder");
        // Near the edge, its ring is read clamped to the frame.
        assert!(!ringed(&frame(&f), &Candidate { x: 1.0, y: 62.0, ..at(0.0, true) }));
    }

    /// Two candidates pass for a symbol only as two of its finders could sit.
    #[test]
    fn two_candidates_pass_only_as_a_symbols_finders() {
        let at = |x: f32, module: f32| Candidate { x, y: 50.0, module, hits: QUORUM, light: false };
        assert!(!could_be_a_symbol(&[]));
        assert!(!could_be_a_symbol(&[at(10.0, 3.0)]));
        assert!(could_be_a_symbol(&[at(10.0, 3.0), at(70.0, 3.3)]), "20 modules apart, one size");
        assert!(!could_be_a_symbol(&[at(10.0, 3.0), at(25.0, 3.0)]), "5 modules apart: one finder's width");
        assert!(!could_be_a_symbol(&[at(10.0, 3.0), at(70.0, 6.0)]), "two sizes: two things");
        assert!(!could_be_a_symbol(&[at(10.0, 1.0), at(400.0, 1.0)]), "390 modules: no symbol is that wide");
        assert!(could_be_a_symbol(&[at(10.0, 1.0), at(400.0, 9.0), at(900.0, 2.0)]));
    }

    /// Three candidates mark a symbol only if printed alike. Replayed from
    /// a 720p light-on-dark frame: two light finders of a code and a dark
    /// data pattern at the right angle to them (the code's third finder
    /// beyond the region's edge) made a symbol, and the hinted region was
    /// decoded in vain (5.7 times zxing-cpp's time).
    #[test]
    fn a_symbol_is_three_finders_of_one_polarity() {
        let at = |x: f32, y: f32, light: bool| Candidate { x, y, module: 4.6, hits: QUORUM, light };
        let (w, h) = (512, 512);
        let mut census = Census {
            candidates: vec![at(397.0, 280.0, true), at(407.0, 459.0, true), at(490.0, 357.0, false)],
            rows: h,
            ..Census::default()
        };
        let mut work = ScanWork::default();
        assert!(regions(&census, w, h, &mut work).is_empty(), "two light and a dark");
        assert_eq!(work.plausible, 0);
        census.candidates[2].light = true;
        assert_eq!(regions(&census, w, h, &mut work).len(), 1, "three light");
        census.candidates.iter_mut().for_each(|c| c.light = false);
        assert_eq!(regions(&census, w, h, &mut work).len(), 1, "three dark");
    }

    /// A square symbol's finders pass rxing's multi-reader test and a
    /// tilted one's do not, whatever other candidates sit beside them.
    #[test]
    fn finders_at_a_slant_are_told_from_square_ones() {
        let at = |x: f32, y: f32| Candidate { x, y, module: 3.0, hits: QUORUM, light: false };
        let square = [at(100.0, 100.0), at(200.0, 100.0), at(100.0, 200.0)];
        assert!(!skewed(&square));
        // The generated perspective class: arms of 119 and 92 pixels.
        let tilted = [at(587.0, 223.0), at(498.0, 255.0), at(525.0, 372.0)];
        assert!(skewed(&tilted));
        // A square triple among marks: the multi reader groups it.
        let mut crowd = tilted.to_vec();
        crowd.extend(square);
        assert!(!skewed(&crowd));
        // Two candidates: no triple to judge.
        assert!(!skewed(&tilted[..2]));
        // Arms equal, but the angle 70 degrees: the diagonal is off.
        let (c, s) = (70f32.to_radians().cos(), 70f32.to_radians().sin());
        assert!(skewed(&[at(100.0, 100.0), at(200.0, 100.0), at(100.0 + 100.0 * c, 100.0 + 100.0 * s)]));
    }

    /// The median module decides, so one odd candidate does not.
    #[test]
    fn large_modules_go_by_the_median() {
        let at = |module: f32| Candidate { x: 0.0, y: 0.0, module, hits: QUORUM, light: false };
        assert!(!large_modules(&[]));
        assert!(!large_modules(&[at(1.8), at(2.0), at(9.0)]));
        assert!(large_modules(&[at(2.6), at(3.0), at(1.0)]));
    }

    /// The census tells light-on-dark finders from dark-on-light ones, so
    /// the decoders can try an inverted frame first.
    #[test]
    fn the_census_sees_which_way_finders_are_printed() {
        let (w, h, module) = (240, 200, 4);
        for light in [false, true] {
            // Three finders, as a symbol's corners; light-on-dark print has
            // its rings and centres light on dark.
            let (paper, ink) = if light { (30, 220) } else { (220, 30) };
            let mut frame = Frame { pixels: vec![paper; w * h], width: w, height: h, codes: Vec::new() };
            for (fx, fy) in [(40, 40), (140, 40), (40, 140)] {
                draw_finder(&mut frame, fx, fy, module, ink);
            }
            let px = frame.pixels;
            let mut ii = Integral::default();
            ii.build(&px, w, h);
            let r = crate::binarize::local_radius(w, h);
            for step in [1, 2] {
                let census = census(&px, w, h, &ii, r, step, &mut CensusScratch::default());
                assert_eq!(census.candidates.len(), 3, "light {light} step {step}: {census:?}");
                assert_eq!(mostly_light(&census.candidates), light, "step {step}");
            }
        }
    }

    /// Finders printed 40 grey levels from their paper are faint, either
    /// way round; printed at full contrast they are not, even beside two
    /// faint finder-like marks (sensor noise and texture make those).
    #[test]
    fn the_census_tells_faint_finders() {
        let (w, h, module) = (300, 240, 4);
        let cases: [(u8, u8, bool, &str); 4] = [
            (150, 110, true, "low contrast"),
            (110, 150, true, "low contrast, light on dark"),
            (220, 30, false, "full contrast"),
            (220, 30, false, "full contrast, two faint marks"),
        ];
        for (paper, ink, faint_print, what) in cases {
            let mut frame = Frame { pixels: vec![paper; w * h], width: w, height: h, codes: Vec::new() };
            for (fx, fy) in [(40, 40), (140, 40), (40, 140)] {
                draw_finder(&mut frame, fx, fy, module, ink);
            }
            if what.contains("faint marks") {
                for (fx, fy) in [(200, 150), (240, 100)] {
                    draw_finder(&mut frame, fx, fy, module, paper - 30);
                }
            }
            let px = frame.pixels;
            let mut ii = Integral::default();
            ii.build(&px, w, h);
            let r = crate::binarize::local_radius(w, h);
            let census = census(&px, w, h, &ii, r, 1, &mut CensusScratch::default());
            assert!(census.candidates.len() >= 3, "{what}: {census:?}");
            assert_eq!(faint(&census.candidates, &ii), faint_print, "{what}: {census:?}");
        }
    }

    /// Finders of two-pixel modules in a 1080p frame: the census of the
    /// halved work image misses them, the full-size one finds all three, at
    /// their places in the frame.
    #[test]
    fn the_full_size_census_sees_finders_the_work_image_loses() {
        let (w, h, module) = (1920, 1080, 2);
        let mut drawn = Frame { pixels: vec![205u8; w * h], width: w, height: h, codes: Vec::new() };
        // At odd places: each work pixel mixes two modules, as with a code that is not aligned to the sensor.
        let at = [(901, 501), (961, 501), (901, 561)];
        for (fx, fy) in at {
            draw_finder(&mut drawn, fx, fy, module, 25);
        }
        let frame = crate::LumaFrame::new(&drawn.pixels, w, h, w).unwrap();
        let crate::Halved { pixels: work, width: ww, height: wh, integral: ii, radius: r } =
            crate::halved(&drawn.pixels, w, h);
        let mut scratch = CensusScratch::default();
        let coarse = census(&work, ww, wh, &ii, r, 2, &mut scratch);
        assert!(!could_be_a_symbol(&coarse.candidates), "{coarse:?}");
        let fine = fine_census(&frame, &ii, 2, r, &mut scratch);
        assert_eq!(fine.candidates.len(), 3, "{fine:?}");
        for (fx, fy) in at {
            let centre = ((fx + 7) as f32, (fy + 7) as f32);
            assert!(
                fine.candidates.iter().any(|c| (c.x - centre.0).abs() < 2.0 && (c.y - centre.1).abs() < 2.0),
                "{centre:?}: {fine:?}"
            );
        }
        let region = pair_region(&fine.candidates, w, h).unwrap();
        assert!(
            region.x <= 900
                && region.y <= 500
                && region.x + region.width >= 974
                && region.y + region.height >= 574
        );
    }

    /// The word-at-a-time run finder agrees with the obvious one.
    #[test]
    fn runs_match_a_plain_scan() {
        let mut next = crate::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut runs = Vec::new();
        for len in [0usize, 1, 2, 7, 8, 9, 10, 15, 16, 17, 63, 64, 65, 200, 1000] {
            for density in [1u64, 3, 16] {
                let mut colour = 0u8;
                let line: Vec<u8> = (0..len)
                    .map(|_| {
                        if next() % 17 < density {
                            colour ^= 1;
                        }
                        colour
                    })
                    .collect();
                let mut plain: Vec<(bool, usize)> = Vec::new();
                for &d in &line {
                    match plain.last_mut() {
                        Some((c, n)) if *c == (d == 1) => *n += 1,
                        _ => plain.push((d == 1, 1)),
                    }
                }
                runs_of(&line, &mut runs);
                assert_eq!(runs, plain, "len {len} density {density}");
            }
        }
    }
}
