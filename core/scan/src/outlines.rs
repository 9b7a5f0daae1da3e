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

use crate::binarize::Integral;
use crate::finders::{Candidate, Mark, tilted_corner};
use crate::geometry::Homography;
use crate::{Point, ScannedCode, contained};

/// Rays cast from a finder's centre to find its outer square's edge.
const RAYS: usize = 48;
/// Rays that must reach the edge for the outline to count.
const MIN_EDGE_POINTS: usize = 32;
/// Triples that may fail per image (best shaped are tried first).
const MAX_TRIPLES: usize = 3;
/// Finders farther out than this many of their modules from the centre are
/// not traced (a slanted finder is longer one way; its square's corner is
/// 5 modules out when square-on).
const MAX_REACH: f64 = 9.0;
/// Pixels per ray step.
const STEP: f64 = 0.5;

type P = (f64, f64);

/// A finder traced: its centre and the corners of its outer square, in no
/// particular order yet.
#[derive(Debug, Clone, Copy)]
struct Outline {
    centre: P,
    corners: [P; 4],
    module: f64,
    /// Ring luma less centre luma.
    contrast: f64,
    /// Halfway between them (as dark-print luma: negated for light print).
    threshold: f64,
    light: bool,
    /// How far the traced edge lies from the fitted square, on average, in
    /// modules.
    off_square: f64,
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
    fn at(&self, (x, y): P) -> Option<f64> {
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

/// Positions tried around each guess of a missing third finder, a side.
const SEARCH_SIDE: i32 = 21;
/// Places traced per guess, best scored first.
const TRACED_PER_GUESS: usize = 2;

/// The third finder of a symbol whose other two the census alone
/// confirmed (a tilt or glare spoils the third's runs along rows): where
/// the pair puts it (beside either, at the pair's spacing, or across the
/// diagonal if the pair is one), searched within a quarter of that
/// spacing for a dark centre square ringed by light, and traced. At most
/// 6 guesses x [`TRACED_PER_GUESS`] outlines.
fn third_finders(image: &Image<'_>, a: &Outline, b: &Outline) -> Vec<Outline> {
    let module = (a.module + b.module) / 2.0;
    let w = (b.centre.0 - a.centre.0, b.centre.1 - a.centre.1);
    let spacing = w.0.hypot(w.1);
    if a.light != b.light || spacing < 12.0 * module || a.module.max(b.module) > 3.0 * a.module.min(b.module)
    {
        return Vec::new();
    }
    let threshold = (a.threshold + b.threshold) / 2.0;
    let perp = (-w.1, w.0);
    let mid = ((a.centre.0 + b.centre.0) / 2.0, (a.centre.1 + b.centre.1) / 2.0);
    let mut guesses = Vec::with_capacity(6);
    for s in [1.0, -1.0] {
        guesses.push((a.centre.0 + s * perp.0, a.centre.1 + s * perp.1));
        guesses.push((b.centre.0 + s * perp.0, b.centre.1 + s * perp.1));
        guesses.push((mid.0 + s * perp.0 / 2.0, mid.1 + s * perp.1 / 2.0));
    }
    // SEARCH_SIDE places a side over half the spacing, half a module to a
    // module apart.
    let step = (spacing / 2.0 / f64::from(SEARCH_SIDE / 2)).clamp(module * 0.5, module);
    let half = SEARCH_SIDE / 2;
    let mut found = Vec::new();
    for g in guesses {
        let mut scored: Vec<(f64, P)> = Vec::new();
        for dy in -half..=half {
            for dx in -half..=half {
                let p = (g.0 + f64::from(dx) * step, g.1 + f64::from(dy) * step);
                if let Some(score) = stone_score(image, p, module, threshold, a.light) {
                    scored.push((score, p));
                }
            }
        }
        scored.sort_by(|x, y| y.0.total_cmp(&x.0));
        for &(_, p) in scored.iter().take(TRACED_PER_GUESS) {
            if found.iter().any(|o: &Outline| dist(o.centre, p) < 3.0 * module) {
                continue;
            }
            let c =
                Candidate { x: p.0 as f32, y: p.1 as f32, module: module as f32, hits: 0, light: a.light };
            if let Some(o) = outline(image, &c) {
                found.push(o);
            }
        }
    }
    found
}

/// How much a finder's centre square could be at `p`: the darkest of the
/// lightest points along eight rays one and a half to three modules out,
/// less the lightest of the square (itself and eight points 0.8 modules
/// out). `None` outside the image, or unless the square is darker than
/// `threshold` and every ray crosses lighter (most places fail on the
/// first sample or two).
fn stone_score(image: &Image<'_>, p: P, module: f64, threshold: f64, light: bool) -> Option<f64> {
    const D: f64 = std::f64::consts::FRAC_1_SQRT_2;
    const DIRS: [P; 8] =
        [(1.0, 0.0), (D, D), (0.0, 1.0), (-D, D), (-1.0, 0.0), (-D, -D), (0.0, -1.0), (D, -D)];
    let at = |d: P, t: f64| ink(image, (p.0 + t * module * d.0, p.1 + t * module * d.1), light);
    let mut stone = ink(image, p, light)?;
    for d in DIRS {
        stone = stone.max(at(d, 0.8)?);
        if stone >= threshold {
            return None;
        }
    }
    let mut ring = f64::MAX;
    for d in DIRS {
        let mut lightest = f64::MIN;
        for t in [1.5, 2.0, 2.5, 3.0] {
            lightest = lightest.max(at(d, t)?);
        }
        if lightest <= threshold {
            return None;
        }
        ring = ring.min(lightest);
    }
    Some(ring - stone)
}

/// Traces a finder's outer square: along rays from its centre, dark
/// centre, light ring, dark ring, and the point where it turns light (at a
/// threshold halfway between the centre's and the ring's luma, so faint and
/// blurred print trace too). Four corners from the extreme points, then
/// moved to where lines fitted to each side meet.
fn outline(image: &Image<'_>, c: &Candidate) -> Option<Outline> {
    let centre = (f64::from(c.x), f64::from(c.y));
    let module = f64::from(c.module);
    if !(module.is_finite() && module >= 0.5) {
        return None;
    }
    // Light-on-dark print traces as its negative.
    let luma = |p: P| ink(image, p, c.light);
    let reach = (MAX_REACH * module).min(image.width.max(image.height) as f64);
    let steps = (reach / STEP) as usize;
    let dirs: Vec<P> = (0..RAYS)
        .map(|k| {
            let a = k as f64 * std::f64::consts::TAU / RAYS as f64;
            (a.cos(), a.sin())
        })
        .collect();
    let along = |d: P, t: f64| (centre.0 + d.0 * t, centre.1 + d.1 * t);

    // The threshold: the centre's luma and the ring's (the lightest point
    // from one to three modules out, median over the rays).
    let dark = luma(centre)?;
    let mut rings: Vec<f64> = dirs
        .iter()
        .filter_map(|&d| {
            let (from, to) = ((module / STEP) as usize, (3.0 * module / STEP) as usize + 1);
            (from..=to).filter_map(|i| luma(along(d, i as f64 * STEP))).reduce(f64::max)
        })
        .collect();
    if rings.len() < MIN_EDGE_POINTS {
        return None;
    }
    let mid = rings.len() / 2;
    let light = *rings.select_nth_unstable_by(mid, f64::total_cmp).1;
    if light - dark < 8.0 {
        return None;
    }
    let threshold = (dark + light) / 2.0;

    let mut edge: Vec<P> = Vec::with_capacity(RAYS);
    for &d in &dirs {
        // 0: centre square, 1: light ring, 2: dark ring.
        let mut state = 0;
        let mut last = dark;
        for i in 1..=steps {
            let t = i as f64 * STEP;
            let Some(v) = luma(along(d, t)) else { break };
            let is_dark = v < threshold;
            match (state, is_dark) {
                (0, false) => state = 1,
                (1, true) => state = 2,
                (2, false) => {
                    // Where the luma crosses the threshold, between samples.
                    let f = ((last - threshold) / (last - v)).clamp(0.0, 1.0);
                    edge.push(along(d, t - STEP + f * STEP));
                    break;
                }
                _ => {}
            }
            last = v;
        }
    }
    if edge.len() < MIN_EDGE_POINTS {
        return None;
    }
    let corners = refine(extreme_corners(centre, &edge)?, &edge);
    // The module as traced (the census's estimate comes from runs along
    // rows, which a tilt stretches): a quarter of the perimeter, over 7.
    let module = (0..4).map(|k| dist(corners[k], corners[(k + 1) % 4])).sum::<f64>() / 28.0;
    let off_square = edge.iter().map(|&p| off_sides(&corners, p)).sum::<f64>() / edge.len() as f64 / module;
    Some(Outline { centre, corners, module, contrast: light - dark, threshold, light: c.light, off_square })
}

/// How far `p` is from the nearest side of the quadrilateral `corners`.
fn off_sides(corners: &[P; 4], p: P) -> f64 {
    (0..4)
        .map(|k| {
            let (a, b) = (corners[k], corners[(k + 1) % 4]);
            side(a, b, p).abs() / dist(a, b).max(f64::EPSILON)
        })
        .fold(f64::MAX, f64::min)
}

/// Of two outlines closer than a finder's width (they overlap: both
/// cannot be finders), only the squarer is kept. A data pattern beside a
/// finder passes the census's runs too; its traced edge meets the code's
/// other modules and strays from any square (0.5-0.75 of a module on
/// average, measured, against under 0.05 for finders), and a triple built
/// on it was tried first and failed (a 720p tilted frame: 3 grids, 1.6 ms
/// -> 3.4 ms, after the full-size census's half-pixel slack found both).
fn drop_overlapping(outlines: &mut Vec<Outline>) {
    let squarer_beside = |i: usize| {
        let o = &outlines[i];
        outlines.iter().enumerate().any(|(j, q)| {
            j != i
                && q.light == o.light
                && dist(o.centre, q.centre) < 7.0 * o.module.min(q.module)
                && q.off_square < o.off_square
        })
    };
    let dropped: Vec<bool> = (0..outlines.len()).map(squarer_beside).collect();
    let mut dropped = dropped.into_iter();
    outlines.retain(|_| !dropped.next().unwrap_or(false));
}

fn dist(a: P, b: P) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Signed distance of `p` from the line through `a` and `b`, times its length.
fn side(a: P, b: P, p: P) -> f64 {
    (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0)
}

/// A quadrilateral's corners from points along its edge: the farthest from
/// the centre, the farthest from that, and the farthest either side of the
/// diagonal they make; in order around it.
fn extreme_corners(centre: P, edge: &[P]) -> Option<[P; 4]> {
    let far = |from: P| edge.iter().copied().max_by(|p, q| dist(from, *p).total_cmp(&dist(from, *q)));
    let a = far(centre)?;
    let c = far(a)?;
    let b = edge.iter().copied().max_by(|p, q| side(a, c, *p).total_cmp(&side(a, c, *q)))?;
    let d = edge.iter().copied().min_by(|p, q| side(a, c, *p).total_cmp(&side(a, c, *q)))?;
    let diagonal = dist(a, c);
    // A square's four corners: both sides of the diagonal well away from it.
    if side(a, c, b) < 0.25 * diagonal * diagonal || -side(a, c, d) < 0.25 * diagonal * diagonal {
        return None;
    }
    Some([a, b, c, d])
}

/// Each side as the line fitted through the edge points along its middle
/// (away from the rounded, blurred corners), and the corners where they meet.
fn refine(corners: [P; 4], edge: &[P]) -> [P; 4] {
    let lines: Vec<Option<(P, P)>> = (0..4)
        .map(|k| {
            let (a, b) = (corners[k], corners[(k + 1) % 4]);
            let len2 = (b.0 - a.0).powi(2) + (b.1 - a.1).powi(2);
            let on_side: Vec<P> = edge
                .iter()
                .copied()
                .filter(|&p| {
                    // Along the middle 70% of the side, near its line.
                    let t = ((p.0 - a.0) * (b.0 - a.0) + (p.1 - a.1) * (b.1 - a.1)) / len2;
                    (0.15..=0.85).contains(&t) && side(a, b, p).abs() < 0.15 * len2
                })
                .collect();
            fit_line(&on_side)
        })
        .collect();
    let mut out = corners;
    for k in 0..4 {
        let (Some(l1), Some(l2)) = (lines[(k + 3) % 4], lines[k]) else { continue };
        if let Some(p) = intersect(l1, l2)
            && dist(p, corners[k]) < 0.2 * dist(corners[k], corners[(k + 2) % 4])
        {
            out[k] = p;
        }
    }
    out
}

/// The total-least-squares line through at least three points: a point on
/// it and its direction.
fn fit_line(points: &[P]) -> Option<(P, P)> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = points.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for p in points {
        let (dx, dy) = (p.0 - mx, p.1 - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    Some(((mx, my), (angle.cos(), angle.sin())))
}

fn intersect((p, d): (P, P), (q, e): (P, P)) -> Option<P> {
    let den = d.0 * e.1 - d.1 * e.0;
    if den.abs() < 1e-6 {
        return None;
    }
    let t = ((q.0 - p.0) * e.1 - (q.1 - p.1) * e.0) / den;
    Some((p.0 + d.0 * t, p.1 + d.1 * t))
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

/// Each corner of a finder's outline in symbol modules, the symbol `size`
/// modules a side: which side of its centre the corner is on, along the
/// symbol's top edge (`u`) and left edge (`v`).
fn label(o: &Outline, u: P, v: P, origin: P) -> Option<[(P, P); 4]> {
    let det = u.0 * v.1 - u.1 * v.0;
    let mut seen = [false; 4];
    let mut out = [((0.0, 0.0), (0.0, 0.0)); 4];
    for (k, &q) in o.corners.iter().enumerate() {
        let (dx, dy) = (q.0 - o.centre.0, q.1 - o.centre.1);
        let a = (dx * v.1 - dy * v.0) / det;
        let b = (u.0 * dy - u.1 * dx) / det;
        let (right, down) = (a > 0.0, b > 0.0);
        let slot = usize::from(right) + 2 * usize::from(down);
        if seen[slot] {
            return None;
        }
        seen[slot] = true;
        let m = (origin.0 + if right { 7.0 } else { 0.0 }, origin.1 + if down { 7.0 } else { 0.0 });
        out[k] = (m, q);
    }
    Some(out)
}

/// Versions tried per triple, best timing patterns first.
const VERSIONS_TRIED: usize = 3;
/// Grids sampled and decoded per image at most: each version tried on the
/// finders' map and again on the alignment patterns', for each failed
/// triple and each code read (three of the at most
/// [`DENSE_LIMIT`](crate::finders::DENSE_LIMIT) candidates each).
pub const MAX_GRIDS: usize = (MAX_TRIPLES + crate::finders::DENSE_LIMIT / 3) * VERSIONS_TRIED * 2;

/// Samples and decodes the symbol three outlines mark. Its size comes from
/// two estimates: the finders' spacing in their census modules (as rxing
/// sizes a symbol) and where each finder's own map puts the others; the
/// versions around both are ranked by how well their timing patterns
/// alternate under the map the twelve corners give, and the best few are
/// sampled, the map first refined on the alignment patterns.
fn read_triple(image: &Image<'_>, [tl, tr, bl]: [&Outline; 3], grids: &mut usize) -> Triple {
    let u = (tr.centre.0 - tl.centre.0, tr.centre.1 - tl.centre.1);
    let v = (bl.centre.0 - tl.centre.0, bl.centre.1 - tl.centre.1);
    let own = |o: &Outline| {
        let l = label(o, u, v, (0.0, 0.0))?;
        let from: [P; 4] = std::array::from_fn(|k| l[k].0);
        let to: [P; 4] = std::array::from_fn(|k| l[k].1);
        Some(Homography::quad_to_quad(to, from))
    };
    let (Some(h_tl), Some(h_tr), Some(h_bl)) = (own(tl), own(tr), own(bl)) else { return Triple::NoSymbol };
    let by_maps = (h_tl.map(tr.centre).0 + h_tl.map(bl.centre).1 + 21.0
        - h_tr.map(tl.centre).0
        - h_bl.map(tl.centre).1)
        / 4.0;
    let module = (tl.module + tr.module + bl.module) / 3.0;
    let by_spacing = (dist(tl.centre, tr.centre) + dist(tl.centre, bl.centre)) / (2.0 * module) + 7.0;
    let mut versions: Vec<i64> = Vec::new();
    for size in [by_maps, by_spacing] {
        if !size.is_finite() {
            continue;
        }
        let v = ((size - 17.0) / 4.0).round().clamp(1.0, 40.0) as i64;
        versions.extend([v - 1, v, v + 1].into_iter().filter(|v| (1..=40).contains(v)));
    }
    versions.sort_unstable();
    versions.dedup();
    let mut ranked: Vec<(f64, usize, Homography)> = versions
        .into_iter()
        .filter_map(|version| {
            let n = 17 + 4 * version as usize;
            let m = n as f64;
            let mut pairs = Vec::with_capacity(12);
            pairs.extend(label(tl, u, v, (0.0, 0.0))?);
            pairs.extend(label(tr, u, v, (m - 7.0, 0.0))?);
            pairs.extend(label(bl, u, v, (0.0, m - 7.0))?);
            let h = fit(&pairs)?;
            Some((timing(image, &h, n, tl.light), n, h))
        })
        .collect();
    // A wrong size (or no symbol: three finder-like marks) leaves the
    // timing patterns' steps near zero; a true one shows a fair part of the
    // finders' contrast, blurred or not (measured: 88-206 for contrasts
    // about 200, at most 9 for the wrong sizes).
    let least = (0.15 * tl.contrast.min(tr.contrast).min(bl.contrast)).max(4.0);
    ranked.retain(|r| r.0 >= least);
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    if ranked.is_empty() {
        return Triple::NoSymbol;
    }
    // The finders' map first (most codes read there, for one grid's
    // sampling), then refined on the alignment patterns.
    let ranked: Vec<(usize, Homography)> =
        ranked.into_iter().take(VERSIONS_TRIED).map(|(_, n, h)| (n, h)).collect();
    for &(n, h) in &ranked {
        *grids += 1;
        if let Some(code) = sample(image, &h, n, tl.light) {
            return Triple::Read(code);
        }
    }
    for &(n, h) in &ranked {
        let Some(h) = aligned(image, h, n, tl.light, [tl, tr, bl], (u, v)) else { continue };
        *grids += 1;
        if let Some(code) = sample(image, &h, n, tl.light) {
            return Triple::Read(code);
        }
    }
    Triple::Unread
}

/// What a triple of finders gave.
enum Triple {
    Read(ScannedCode),
    /// Timing patterns where a symbol's are, but no grid decoded.
    Unread,
    /// No size under which timing patterns show: finder-like marks.
    NoSymbol,
}

/// Luma as dark-print luma: light-on-dark print negated.
fn ink(image: &Image<'_>, p: P, light: bool) -> Option<f64> {
    image.at(p).map(|v| if light { -v } else { v })
}

/// How well the timing patterns (row and column 6, between the finders)
/// alternate under `h`: the mean luma step between neighbouring modules in
/// the expected direction, so a wrong size scores near zero.
fn timing(image: &Image<'_>, h: &Homography, n: usize, light: bool) -> f64 {
    let mut score = 0.0;
    let mut count = 0usize;
    for i in 8..n.saturating_sub(8) {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        for (a, b) in
            [((i as f64 + 0.5, 6.5), (i as f64 - 0.5, 6.5)), ((6.5, i as f64 + 0.5), (6.5, i as f64 - 0.5))]
        {
            // Even modules are dark: their luma is below the previous one's.
            if let (Some(x), Some(y)) = (ink(image, h.map(a), light), ink(image, h.map(b), light)) {
                score += sign * (y - x);
                count += 1;
            }
        }
    }
    if count == 0 { f64::MIN } else { score / count as f64 }
}

/// Alignment pattern centres of a symbol `n` modules a side, in modules
/// (ISO/IEC 18004 Annex E: evenly spaced from the far edge, 6 first).
fn alignment_centres(n: usize) -> Vec<usize> {
    let version = (n - 17) / 4;
    if version < 2 {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let step = if version == 32 { 26 } else { (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2 };
    let mut centres: Vec<usize> = (0..count - 1).map(|i| n - 7 - i * step).collect();
    centres.push(6);
    centres.reverse();
    centres
}

/// The map refitted on the finders' corners and the alignment patterns
/// found near where `h` puts them: the far corner of a tilted symbol is
/// where the finders' map strays most. `None` if none is found.
fn aligned(
    image: &Image<'_>,
    h: Homography,
    n: usize,
    light: bool,
    [tl, tr, bl]: [&Outline; 3],
    (u, v): (P, P),
) -> Option<Homography> {
    let centres = alignment_centres(n);
    let last = *centres.last()?;
    let mut pairs = Vec::with_capacity(12 + centres.len() * centres.len());
    let m = n as f64;
    pairs.extend(label(tl, u, v, (0.0, 0.0))?);
    pairs.extend(label(tr, u, v, (m - 7.0, 0.0))?);
    pairs.extend(label(bl, u, v, (0.0, m - 7.0))?);
    let mut found = 0;
    for &cy in &centres {
        for &cx in &centres {
            if (cx == 6 && (cy == 6 || cy == last)) || (cy == 6 && cx == last) {
                continue;
            }
            if let Some(p) = find_alignment(image, &h, (cx as f64 + 0.5, cy as f64 + 0.5), light) {
                pairs.push(((cx as f64 + 0.5, cy as f64 + 0.5), p));
                found += 1;
            }
        }
    }
    if found == 0 {
        return None;
    }
    fit(&pairs)
}

/// An alignment pattern's centre in pixels, searched within two modules of
/// where `h` expects it (half-module steps, then quarter): the offset whose dark centre,
/// light ring and dark ring best match it, if they contrast.
fn find_alignment(image: &Image<'_>, h: &Homography, (cx, cy): P, light: bool) -> Option<P> {
    const RING: [(f64, f64); 8] = [
        (-1.0, -1.0),
        (0.0, -1.0),
        (1.0, -1.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (-1.0, 0.0),
    ];
    let score_at = |(x, y): P| {
        let at = |ox: f64, oy: f64| ink(image, h.map((x + ox, y + oy)), light);
        let (mut inner, mut outer) = (0.0, 0.0);
        for (ox, oy) in RING {
            inner += at(ox, oy)?;
            outer += at(2.0 * ox, 2.0 * oy)?;
        }
        Some(inner / 8.0 - (at(0.0, 0.0)? + outer / 8.0) / 2.0)
    };
    // Half-module steps, then quarter-module steps around the best.
    let mut best: Option<(f64, P)> = None;
    for (centre, half_width, step) in [((cx, cy), 3, 0.5), ((cx, cy), 1, 0.25)] {
        let centre = best.map_or(centre, |b| b.1);
        for dy in -half_width..=half_width {
            for dx in -half_width..=half_width {
                let p = (centre.0 + f64::from(dx) * step, centre.1 + f64::from(dy) * step);
                let Some(score) = score_at(p) else { continue };
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, p));
                }
            }
        }
    }
    let (score, p) = best?;
    (score > 16.0).then(|| h.map(p))
}

/// Reads every module at its centre against the local mean, and decodes.
fn sample(image: &Image<'_>, h: &Homography, n: usize, light: bool) -> Option<ScannedCode> {
    let mut bits = vec![false; n * n];
    for y in 0..n {
        for x in 0..n {
            let p = h.map((x as f64 + 0.5, y as f64 + 0.5));
            let v = image.at(p)?;
            let (px, py) = (p.0 as usize, p.1 as usize);
            let mean = f64::from(image.integral.mean(px, py, image.radius));
            bits[y * n + x] = if light { v > mean + 3.0 } else { v + 3.0 < mean };
        }
    }
    let (bytes, text) = crate::grid::decode(&bits, n)?;
    let corner = |m: P| {
        let (x, y) = h.map(m);
        Point { x: x.round() as i32, y: y.round() as i32 }
    };
    let s = n as f64;
    Some(ScannedCode {
        text,
        bytes,
        corners: [corner((0.0, 0.0)), corner((s, 0.0)), corner((s, s)), corner((0.0, s))],
    })
}

/// The homography from symbol modules to image pixels that best fits the
/// point pairs (least squares on the linearised equations, h33 = 1,
/// coordinates centred and scaled for conditioning).
fn fit(pairs: &[(P, P)]) -> Option<Homography> {
    let n = pairs.len() as f64;
    let norm = |pts: &mut dyn Iterator<Item = P>| {
        let v: Vec<P> = pts.collect();
        let (mx, my) = v.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
        let spread = v.iter().map(|p| dist(*p, (mx, my))).sum::<f64>() / n;
        (mx, my, if spread > 0.0 { 1.0 / spread } else { 1.0 })
    };
    let (ax, ay, sa) = norm(&mut pairs.iter().map(|p| p.0));
    let (bx, by, sb) = norm(&mut pairs.iter().map(|p| p.1));
    // Normal equations of the 2n x 8 system.
    let mut m = [[0.0f64; 9]; 8];
    for &((x, y), (px, py)) in pairs {
        let (x, y) = ((x - ax) * sa, (y - ay) * sa);
        let (px, py) = ((px - bx) * sb, (py - by) * sb);
        for row in [
            [x, y, 1.0, 0.0, 0.0, 0.0, -x * px, -y * px, px],
            [0.0, 0.0, 0.0, x, y, 1.0, -x * py, -y * py, py],
        ] {
            for (sums, a) in m.iter_mut().zip(row) {
                for (sum, b) in sums.iter_mut().zip(row) {
                    *sum += a * b;
                }
            }
        }
    }
    let h = solve(m)?;
    let normalised = Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]);
    // Undo the normalisation: pixels = B^-1 . H . A (modules).
    let a = Homography([sa, 0.0, -ax * sa, 0.0, sa, -ay * sa, 0.0, 0.0, 1.0]);
    let b_inv = Homography([1.0 / sb, 0.0, bx, 0.0, 1.0 / sb, by, 0.0, 0.0, 1.0]);
    let out = b_inv.then_after(&normalised.then_after(&a));
    out.0.iter().all(|v| v.is_finite()).then_some(out)
}

/// Gaussian elimination with partial pivoting on an augmented 8x9 system.
fn solve(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let pivot_row = m[col];
                let f = m[row][col] / pivot_row[col];
                for (v, p) in m[row].iter_mut().zip(pivot_row).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    Some(std::array::from_fn(|i| m[i][8] / m[i][i]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finders::{CensusScratch, census};

    #[test]
    fn alignment_centres_follow_the_standard_table() {
        let table: [(usize, &[usize]); 7] = [
            (2, &[6, 18]),
            (7, &[6, 22, 38]),
            (8, &[6, 24, 42]),
            (14, &[6, 26, 46, 66]),
            (32, &[6, 34, 60, 86, 112, 138]),
            (36, &[6, 24, 50, 76, 102, 128, 154]),
            (40, &[6, 30, 58, 86, 114, 142, 170]),
        ];
        assert!(alignment_centres(21).is_empty());
        for (version, want) in table {
            assert_eq!(alignment_centres(17 + 4 * version), want, "version {version}");
        }
    }

    #[test]
    fn the_fit_recovers_a_projective_map_from_three_corners_of_points() {
        let truth = Homography::quad_to_quad(
            [(0.0, 0.0), (45.0, 0.0), (45.0, 45.0), (0.0, 45.0)],
            [(330.0, 356.0), (569.0, 270.0), (575.0, 521.0), (416.0, 559.0)],
        );
        // Three finders' corners only, as a symbol gives them.
        let mut pairs = Vec::new();
        for (ox, oy) in [(0.0, 0.0), (38.0, 0.0), (0.0, 38.0)] {
            for (x, y) in [(0.0, 0.0), (7.0, 0.0), (7.0, 7.0), (0.0, 7.0)] {
                let m = (ox + x, oy + y);
                pairs.push((m, truth.map(m)));
            }
        }
        let h = fit(&pairs).unwrap();
        // The far corner, which no pair is near, lands where it should.
        let (got, want) = (h.map((45.0, 45.0)), truth.map((45.0, 45.0)));
        assert!(dist(got, want) < 1e-6, "{got:?} vs {want:?}");
    }

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
    /// size or with rqrr). Before, rqrr read most of them at 5-25 ms each
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
