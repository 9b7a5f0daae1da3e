//! One row's runs of dark and light, and the test of five of them for a
//! finder's 1:1:3:1:1.

/// How far each run of a 1:1:3:1:1 may stray from its expected width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Tolerance {
    /// ZXing's half a module per module, plus this many fourteenths of a
    /// pixel for modules under [`SLACK_BELOW`] pixels.
    Slack(usize),
    /// rxing 0.9's: half a module per module plus min(0.5 / module, 0.5)
    /// pixels of quantisation per module (its `foundPatternCross`), so that
    /// a census of the bits rxing reads counts every run its finder takes.
    Rxing,
}

/// The runs of one classified row (1 dark, 0 light), as (dark, length), in
/// order. Finds the colour changes eight pixels at a time (the row XORed
/// with itself one pixel on): most of a frame is long runs, and a
/// byte-by-byte scan spent half of the census mispredicting its branch.
pub(super) fn runs_of(line: &[u8], runs: &mut Vec<(bool, usize)>) {
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
/// read it (docs/BENCHMARKS.md).
const SLACK_BELOW: usize = 3;

/// Rows a candidate must be seen on to count.
pub(super) const QUORUM: u16 = 3;

/// The module size if five runs are 1:1:3:1:1 within ZXing's tolerance
/// (each run within half a module per module of its expected width), plus
/// `slack` fourteenths of a pixel for modules under [`SLACK_BELOW`]
/// pixels (or within rxing's, see [`Tolerance`]). In integers: with m =
/// total / 7, |run - k·m| < k·m / 2 + slack / 14 is |14·run - 2k·total| <
/// k·total + slack. It runs for every five runs of every row.
#[inline]
pub(super) fn finder_ratio(runs: [usize; 5], slack: Tolerance) -> Option<f32> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
