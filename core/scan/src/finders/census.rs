//! The census itself: rows read under a threshold, their 1:1:3:1:1 runs
//! checked down their column and merged into candidates, at the work
//! scale (with coarse copies for large modules) or at the frame's full size.

use super::candidate::{Candidate, Census, CensusScratch, MAX_CANDIDATES};
use super::runs::{QUORUM, Tolerance, finder_ratio, runs_of};
use crate::binarize::Integral;

/// Images whose short side is below this get the census's coarse copy at
/// half size, not a quarter.
const COARSE_HALF_BELOW: usize = 360;

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
    let cr = crate::binarize::local_radius(cw, ch);
    let t = crate::binarize::otsu(coarse);
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
    frame: &crate::LumaFrame<'_>,
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
/// a decode of the region their pair marks (docs/BENCHMARKS.md).
fn ringed(frame: &crate::LumaFrame<'_>, c: &Candidate) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finders::{could_be_a_symbol, faint, mostly_light, pair_region};
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
        fn frame(f: &Frame) -> crate::LumaFrame<'_> {
            crate::LumaFrame::new(&f.pixels, f.width, f.height, f.width).unwrap()
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
}
