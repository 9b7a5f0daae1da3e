//! Reading one triple of outlines: the plane's projective map fitted to
//! their corners, the version its timing patterns show, the alignment
//! patterns that refine it, and the module grid sampled and decoded.

use super::shape::{Image, Outline, P, dist, ink};
use crate::geometry::Homography;
use crate::{Point, ScannedCode};

/// Triples that may fail per image (best shaped are tried first).
pub(super) const MAX_TRIPLES: usize = 3;
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
pub(super) fn read_triple(image: &Image<'_>, [tl, tr, bl]: [&Outline; 3], grids: &mut usize) -> Triple {
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
pub(super) enum Triple {
    Read(ScannedCode),
    /// Timing patterns where a symbol's are, but no grid decoded.
    Unread,
    /// No size under which timing patterns show: finder-like marks.
    NoSymbol,
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
}
