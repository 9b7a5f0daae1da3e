//! What the candidates tell of a frame before any decoder runs: whether
//! they could be a symbol's finders, how large, faint, light or slanted.

use super::candidate::{Candidate, DENSE_LIMIT};
use crate::binarize::Integral;

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
pub(super) fn finder_pair(a: &Candidate, b: &Candidate) -> Option<f32> {
    let similar = b.module <= a.module * 1.4 && a.module <= b.module * 1.4;
    let d = (a.x - b.x).hypot(a.y - b.y);
    (similar && d >= 12.0 * a.module && d <= 180.0 * a.module).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finders::runs::QUORUM;

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
}
