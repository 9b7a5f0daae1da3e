//! Decoding a sampled grid of modules, whoever sampled it: the finders'
//! outlines or rqrr's grid fitting. With rxing built in, its decoder does it:
//! its error correction costs a fraction of rqrr's, failed or not, and a
//! live frame's rqrr pass can fit several grids that do not decode
//! (docs/BENCHMARKS.md).

/// A grid's bytes and text, from its modules (`true` is dark), row by row.
#[cfg(feature = "rxing")]
pub(crate) fn decode(bits: &[bool], n: usize) -> Option<(Vec<u8>, String)> {
    let text = crate::rxing_reader::decode_grid(bits, n)?;
    // rxing exposes the text, not the raw segments: as for its reader's codes.
    Some((text.as_bytes().to_vec(), text))
}

/// A grid's bytes and text, from its modules: rqrr's decoder, in a build without rxing.
#[cfg(not(feature = "rxing"))]
pub(crate) fn decode(bits: &[bool], n: usize) -> Option<(Vec<u8>, String)> {
    decode_with_rqrr(&rqrr::Grid::new(rqrr::SimpleGrid::from_func(n, |x, y| bits[y * n + x])))
}

/// A grid that rqrr's detector fitted, read module by module from the image.
#[cfg(feature = "rxing")]
pub(crate) fn decode_fitted<G: rqrr::BitGrid>(grid: &rqrr::Grid<G>) -> Option<(Vec<u8>, String)> {
    let n = grid.grid.size();
    let bits: Vec<bool> = (0..n * n).map(|i| grid.grid.bit(i / n, i % n)).collect();
    decode(&bits, n)
}

/// A grid that rqrr's detector fitted: rqrr's decoder, in a build without rxing.
#[cfg(not(feature = "rxing"))]
pub(crate) fn decode_fitted<G: rqrr::BitGrid>(grid: &rqrr::Grid<G>) -> Option<(Vec<u8>, String)> {
    decode_with_rqrr(grid)
}

/// rqrr's own decoder, with its raw bytes: a build without rxing's, and the
/// rqrr-alone baseline.
#[cfg(any(not(feature = "rxing"), feature = "compare", test))]
pub(crate) fn decode_with_rqrr<G: rqrr::BitGrid>(grid: &rqrr::Grid<G>) -> Option<(Vec<u8>, String)> {
    let mut bytes = Vec::new();
    grid.decode_to(&mut bytes).ok()?;
    let text = crate::decode_text(&bytes);
    Some((bytes, text))
}

#[cfg(all(test, feature = "rxing"))]
mod tests {
    use genuine_tests::frames::{Distortion, benchmark_frame};

    /// rxing's decoder reads what rqrr's grid fitting sampled exactly as
    /// rqrr's own decoder does: same rows, same columns, same dark.
    #[test]
    fn grids_rqrr_fitted_read_the_same_through_either_decoder() {
        let mut grids = 0;
        for (i, distortion) in
            [Distortion::Clean, Distortion::Perspective, Distortion::Shading].into_iter().enumerate()
        {
            let (f, text) = benchmark_frame(distortion, i as u64, 10, 1280, 720);
            let t = crate::binarize::otsu(&f.pixels);
            let mut img =
                rqrr::PreparedImage::prepare_from_bitmap(1280, 720, |x, y| f.pixels[y * 1280 + x] <= t);
            for grid in img.detect_grids() {
                let ours = super::decode_fitted(&grid);
                assert_eq!(ours.as_ref().map(|(_, t)| t), Some(&text), "{distortion:?}");
                assert_eq!(ours.map(|(_, t)| t), super::decode_with_rqrr(&grid).map(|(_, t)| t));
                grids += 1;
            }
        }
        assert!(grids >= 2, "rqrr fitted {grids} grids");
    }
}
