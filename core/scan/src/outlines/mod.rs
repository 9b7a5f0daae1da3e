//! Reading a tilted code from the outlines of its three finder patterns.
//!
//! rxing's detector sizes a symbol from its finders' centres and module
//! widths and finds the fourth corner by assuming a parallelogram: a code
//! seen at a slant (one edge nearer the camera) reads there only when its
//! alignment pattern is found near that guess, and rqrr reads it only after
//! thresholding and searching the whole image, several times. Each finder's
//! outer square, traced from its census centre, is seven modules a side, so
//! the twelve corners of three of them fix the plane's projective map: the
//! grid is sampled through it and decoded (rxing's decoder; rqrr's in a
//! build without rxing), for the cost of a few hundred pixel reads per
//! finder and one read per module. The version is the one whose timing
//! patterns show under the map; where the grid does not decode, the map is
//! refitted on the alignment patterns found near where it puts them.
//!
//! Threats it bounds: a crafted frame's finder-like marks. At most
//! [`DENSE_LIMIT`](crate::finders::DENSE_LIMIT) candidates reach it, each
//! traced once along rays at most 9 of its modules long; a triple without
//! timing patterns costs no grid; at most [`MAX_TRIPLES`] triples may fail
//! and at most [`MAX_GRIDS`] grids are sampled an image.

mod sample;
mod shape;
mod trace;

pub use sample::MAX_GRIDS;
pub use shape::Image;

use crate::finders::{Candidate, Mark, tilted_corner};
use crate::{ScannedCode, contained};
use sample::{MAX_TRIPLES, Triple, read_triple};
use shape::Outline;
use trace::{drop_overlapping, outline, third_finders};

/// What the outline reader read in one image.
pub struct Read {
    /// Every code read, in image pixels.
    pub codes: Vec<ScannedCode>,
    /// Module grids sampled and decoded (at most [`MAX_GRIDS`]).
    pub grids: usize,
    /// Some symbol-shaped triple of finders not in a code read was left
    /// unread: another reader may find a code there.
    pub unread: bool,
}

/// The codes that census candidates outline, three finders each: every
/// candidate is traced once (with two, the places the third could be are
/// searched: see [`third_finders`]); triples are tried best shaped first,
/// skipping those with a finder already read, until [`MAX_TRIPLES`] have
/// failed.
pub fn read(image: &Image<'_>, candidates: &[Candidate]) -> Read {
    let mut grids = 0;
    let mut unread = false;
    let codes = contained(|| {
        let mut outlines: Vec<Outline> = candidates.iter().filter_map(|c| outline(image, c)).collect();
        drop_overlapping(&mut outlines);
        if let [a, b] = outlines[..] {
            outlines.extend(third_finders(image, &a, &b));
        }
        let mut used = vec![false; outlines.len()];
        let mut codes = Vec::new();
        let mut failed = 0;
        for (tl, tr, bl) in triples(&outlines) {
            if used[tl] || used[tr] || used[bl] {
                continue;
            }
            if failed == MAX_TRIPLES {
                unread = true;
                break;
            }
            match read_triple(image, [&outlines[tl], &outlines[tr], &outlines[bl]], &mut grids) {
                Triple::Read(code) => {
                    (used[tl], used[tr], used[bl]) = (true, true, true);
                    codes.push(code);
                }
                Triple::Unread => {
                    failed += 1;
                    unread = true;
                }
                Triple::NoSymbol => failed += 1,
            }
        }
        codes
    });
    Read { codes, grids, unread }
}

/// Triples of outlines as (top-left, top-right, bottom-left), best shaped
/// first, under [`tilted_corner`] (at most
/// [`DENSE_LIMIT`](crate::finders::DENSE_LIMIT) outlines: 2448 ordered
/// triples to shape-test).
fn triples(outlines: &[Outline]) -> Vec<(usize, usize, usize)> {
    let mark = |o: &Outline| Mark { centre: o.centre, module: o.module, light: o.light };
    let mut found: Vec<(f64, (usize, usize, usize))> = Vec::new();
    let n = outlines.len();
    for a in 0..n {
        for b in 0..n {
            for c in b + 1..n {
                if a == b || a == c {
                    continue;
                }
                let (o, p, q) = (&outlines[a], &outlines[b], &outlines[c]);
                let Some(score) = tilted_corner(mark(o), mark(p), mark(q)) else { continue };
                let u = (p.centre.0 - o.centre.0, p.centre.1 - o.centre.1);
                let v = (q.centre.0 - o.centre.0, q.centre.1 - o.centre.1);
                // Clockwise in image coordinates: top-right, then bottom-left.
                let (tr, bl) = if u.0 * v.1 - u.1 * v.0 > 0.0 { (b, c) } else { (c, b) };
                found.push((score, (a, tr, bl)));
            }
        }
    }
    found.sort_by(|x, y| x.0.total_cmp(&y.0));
    found.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binarize::Integral;
    use crate::finders::{CensusScratch, census};
    use shape::dist;

    /// Three finders where a version-1 code has them and nothing between
    /// (a fake symbol, as a crafted frame tiles them): traced and shaped as
    /// a symbol, but no size shows timing patterns, so no grid is sampled
    /// and no other reader is sent there.
    #[test]
    fn finders_without_timing_patterns_are_not_sampled() {
        let f = genuine_tests::frames::finder_tiles(1, 290, 290);
        let mut ii = Integral::default();
        ii.build(&f.pixels, f.width, f.height);
        let r = crate::binarize::local_radius(f.width, f.height);
        let found = census(&f.pixels, f.width, f.height, &ii, r, 1, &mut CensusScratch::default());
        assert_eq!(found.candidates.len(), 3, "{:?}", found.candidates);
        let image = Image { pixels: &f.pixels, width: f.width, height: f.height, integral: &ii, radius: r };
        let outlines: Vec<Outline> = found.candidates.iter().filter_map(|c| outline(&image, c)).collect();
        assert_eq!(triples(&outlines).len(), 1, "{outlines:?}");
        let got = super::read(&image, &found.candidates);
        assert!(got.codes.is_empty());
        assert_eq!((got.grids, got.unread), (0, false));
    }

    /// The benchmark's 720p glare frame 1 at its live work scale: the glare
    /// spoils one finder's runs, so the census confirms two; the third is
    /// found where the pair puts it, and the code reads.
    #[test]
    fn a_third_finder_is_found_where_the_other_two_put_it() {
        use genuine_tests::frames::{Distortion, benchmark_frame};
        let (w, h) = (1280, 720);
        let (f, text) = benchmark_frame(Distortion::Glare, 1, 10, w, h);
        let crate::Halved { pixels: half, width: ww, height: wh, integral: ii, radius: r } =
            crate::halved(&f.pixels, w, h);
        let found = census(&half, ww, wh, &ii, r, 2, &mut CensusScratch::default());
        assert_eq!(found.candidates.len(), 2, "{:?}", found.candidates);
        let image = Image { pixels: &half, width: ww, height: wh, integral: &ii, radius: r };
        let got = super::read(&image, &found.candidates);
        assert_eq!(got.codes.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [text.as_str()]);
    }

    /// The benchmark's tilted codes (1080p and 720p, at the live work
    /// scale): 15 of the 20 read from their finders' outlines alone, with
    /// corners where the code is (the live path reads the others at full
    /// size or with rqrr). Before, rqrr read most of them, far slower
    /// (BENCHMARKS.md, "Live effort", step 18).
    #[test]
    fn tilted_codes_read_from_their_finders_outlines() {
        use genuine_tests::frames::{Distortion, benchmark_frame};
        let mut read = 0;
        for (w, h) in [(1920, 1080), (1280, 720)] {
            for i in 0..10u64 {
                let (f, text) = benchmark_frame(Distortion::Perspective, i, 10, w, h);
                let crate::Halved { pixels: half, width: ww, height: wh, integral: ii, radius: r } =
                    crate::halved(&f.pixels, w, h);
                let found = census(&half, ww, wh, &ii, r, 2, &mut CensusScratch::default());
                let image = Image { pixels: &half, width: ww, height: wh, integral: &ii, radius: r };
                let got = super::read(&image, &found.candidates);
                assert!(got.grids <= MAX_GRIDS);
                let Some(code) = got.codes.first() else { continue };
                assert_eq!(code.text, text, "{w}x{h} frame {i}");
                let size = dist(f.codes[0].corners[0], f.codes[0].corners[1]) / 2.0;
                for p in code.corners {
                    let p = (f64::from(p.x), f64::from(p.y));
                    let near = f.codes[0]
                        .corners
                        .iter()
                        .map(|&c| dist(p, (c.0 / 2.0, c.1 / 2.0)))
                        .fold(f64::MAX, f64::min);
                    assert!(near < 0.05 * size, "{w}x{h} frame {i}: corner {p:?} is {near:.1} px off");
                }
                read += 1;
            }
        }
        assert!(read >= 15, "read {read} of 20");
    }
}
