//! Tracing a finder's outer square from its census centre, and searching
//! for the third finder where two others put it.

use super::shape::{Image, Outline, P, dist, ink, side};
use crate::finders::Candidate;

/// Rays cast from a finder's centre to find its outer square's edge.
const RAYS: usize = 48;
/// Rays that must reach the edge for the outline to count.
const MIN_EDGE_POINTS: usize = 32;
/// Finders farther out than this many of their modules from the centre are
/// not traced (a slanted finder is longer one way; its square's corner is
/// 5 modules out when square-on).
const MAX_REACH: f64 = 9.0;
/// Pixels per ray step.
const STEP: f64 = 0.5;

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
pub(super) fn third_finders(image: &Image<'_>, a: &Outline, b: &Outline) -> Vec<Outline> {
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
pub(super) fn outline(image: &Image<'_>, c: &Candidate) -> Option<Outline> {
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
/// average, against under 0.05 for finders), and a triple built on it is
/// tried first and fails, costing grids (docs/BENCHMARKS.md).
pub(super) fn drop_overlapping(outlines: &mut Vec<Outline>) {
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
