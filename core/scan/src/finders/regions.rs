//! Where a symbol lies: the regions three candidates mark as its corners
//! (square or tilted), or two as a pair, for the decoders to be given.

use super::candidate::{Candidate, Census, MAX_REGIONS, NEIGHBOURS, Region};
use super::signs::finder_pair;
use crate::ScanWork;

/// Where a symbol two of whose finders are the nearest pair of candidates
/// that could be (see [`could_be_a_symbol`](super::signs::could_be_a_symbol)) must lie: the pair's box grown
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
/// make. Only an uncrowded census gets here (at most [`DENSE_LIMIT`](super::candidate::DENSE_LIMIT)
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
    use crate::finders::runs::QUORUM;

    /// Three candidates mark a symbol only if printed alike. Replayed from
    /// a 720p light-on-dark frame: two light finders of a code and a dark
    /// data pattern at the right angle to them (the code's third finder
    /// beyond the region's edge) made a symbol, and the hinted region was
    /// decoded in vain.
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
}
