//! The scanner on committed, generated camera frames and on the input class
//! that makes rqrr panic. No rates or timings here: those are the benchmark's.

use genuine_scan::{DecodedImage, Effort, Engine, LumaFrame, Point, ScanError, Scanner, raw_rqrr, scan};
use genuine_tests::repo_root;
use serde_json::Value;

fn load(name: &str) -> (DecodedImage, Value) {
    let dir = repo_root().join("tests/fixtures/scan");
    let image = DecodedImage::decode(&std::fs::read(dir.join(format!("{name}.png"))).unwrap()).unwrap();
    let meta =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    (image, meta)
}

/// Each expected code is found, with its corners within 4% of the code's size.
fn assert_finds(name: &str, codes: &[genuine_scan::ScannedCode], meta: &Value) {
    let expected = meta["codes"].as_array().unwrap();
    assert_eq!(codes.len(), expected.len(), "{name}");
    for want in expected {
        let text = want["text"].as_str().unwrap();
        let got = codes.iter().find(|c| c.text == text).unwrap_or_else(|| panic!("{name}: {text} not found"));
        assert_eq!(got.bytes, text.as_bytes());
        let corners: Vec<(f64, f64)> = want["corners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        let size = ((corners[1].0 - corners[0].0).powi(2) + (corners[1].1 - corners[0].1).powi(2)).sqrt();
        // Which corner rqrr calls first depends on the code's orientation:
        // every found corner must sit on one of the true corners.
        for p in got.corners {
            let near = corners
                .iter()
                .map(|c| ((f64::from(p.x) - c.0).powi(2) + (f64::from(p.y) - c.1).powi(2)).sqrt())
                .fold(f64::MAX, f64::min);
            assert!(
                near < size * 0.04,
                "{name}: corner {p:?} is {near:.1} px from any true corner of {corners:?}"
            );
        }
    }
}

/// The full scanner (rxing first) and the rqrr pipeline alone must each read
/// every class: the pipeline is the fallback for what rxing misses.
const ENGINES: [Engine; 2] = [Engine::Full, Engine::RqrrPipeline];

#[test]
fn every_distortion_class_decodes_with_its_corners() {
    let classes =
        ["clean", "perspective", "blur", "shading", "glare", "noise", "low-contrast", "jpeg", "inverted"];
    for engine in ENGINES {
        let mut scanner = Scanner::with_engine(engine);
        for name in classes {
            let (image, meta) = load(name);
            assert_finds(&format!("{name} ({engine:?})"), &scanner.scan(&image.frame().unwrap()), &meta);
        }
    }
}

/// The live effort reads every class the photo effort reads, and a frame
/// without three finder patterns costs it no decoder call at all.
#[test]
fn the_live_effort_skips_empty_frames_and_reads_every_class() {
    let mut live = Scanner::with_effort(Effort::Live);
    let classes =
        ["clean", "perspective", "blur", "shading", "glare", "noise", "low-contrast", "jpeg", "inverted"];
    for name in classes {
        let (image, meta) = load(name);
        assert_finds(&format!("{name} (live)"), &live.scan(&image.frame().unwrap()), &meta);
    }
    // Packaging without a code: a grey frame with a dark panel and bars.
    let (w, h) = (640, 360);
    let mut pixels = vec![190u8; w * h];
    for y in 100..260 {
        for x in 40..600 {
            pixels[y * w + x] = if x > 300 && (x / 3) % 2 == 0 { 20 } else { 120 };
        }
    }
    let frame = LumaFrame::new(&pixels, w, h, w).unwrap();
    let (found, work) = live.scan_counted(&frame);
    assert!(found.is_empty());
    assert_eq!(work.decoder_calls, 0, "{work:?}");
    // Nor does a photo: no decoder could read it (the photo sets, the frames
    // and two marketplaces read the same without those calls: BENCHMARKS.md).
    let (_, photo) = Scanner::with_effort(Effort::Photo).scan_counted(&frame);
    assert_eq!(photo.decoder_calls, 0, "{photo:?}");
}

/// A camera frame is scanned live smaller (1080p halved, 720p at two
/// thirds): the code is still read, with its corners in the frame's own
/// pixels, while the photo effort decodes the whole frame.
#[test]
fn the_live_effort_reads_1080p_and_720p_frames_smaller() {
    live_reads_at((1920, 1080), (700, 300), 960 * 540);
    live_reads_at((1280, 720), (500, 150), 640 * 360);
}

fn live_reads_at((w, h): (usize, usize), (ox, oy): (usize, usize), live_pixels: usize) {
    let (image, meta) = load("clean");
    let fixture = image.frame().unwrap();
    assert!(fixture.width() + ox <= w && fixture.height() + oy <= h);
    let mut pixels = vec![200u8; w * h];
    for y in 0..fixture.height() {
        pixels[(oy + y) * w + ox..(oy + y) * w + ox + fixture.width()].copy_from_slice(fixture.row(y));
    }
    let frame = LumaFrame::new(&pixels, w, h, w).unwrap();
    let mut moved = meta.clone();
    for code in moved["codes"].as_array_mut().unwrap() {
        for corner in code["corners"].as_array_mut().unwrap() {
            let (x, y) = (corner[0].as_f64().unwrap(), corner[1].as_f64().unwrap());
            *corner = serde_json::json!([x + ox as f64, y + oy as f64]);
        }
    }
    let (found, live) = Scanner::with_effort(Effort::Live).scan_counted(&frame);
    assert_finds(&format!("clean in {w}x{h} (live)"), &found, &moved);
    assert_eq!((live.decoder_calls, live.decoder_pixels), (1, live_pixels), "{live:?}");
    let (found, photo) = Scanner::with_effort(Effort::Photo).scan_counted(&frame);
    assert_finds(&format!("clean in {w}x{h} (photo)"), &found, &moved);
    assert_eq!((photo.decoder_calls, photo.decoder_pixels), (1, w * h), "{photo:?}");
}

/// The `clean` fixture at 8/20 of its size (each pixel the mean of the
/// fixture's pixels under it) at (ox, oy) in a 1080p frame: a code too
/// small for the census of the halved work image (at 9/20 its finders'
/// outlines read it there). Returns the frame, the code's
/// text and its size.
fn small_code_frame((ox, oy): (usize, usize)) -> (Vec<u8>, String, (usize, usize)) {
    let (image, meta) = load("clean");
    let fixture = image.frame().unwrap();
    let (num, den) = (8, 20);
    let (fw, fh) = (fixture.width() * num / den, fixture.height() * num / den);
    let (w, h) = (1920, 1080);
    let mut pixels = vec![200u8; w * h];
    for y in 0..fh {
        for x in 0..fw {
            let sum: u32 = (0..den * den)
                .map(|i| u32::from(fixture.get((x * den + i % den) / num, (y * den + i / den) / num)))
                .sum();
            pixels[(oy + y) * w + ox + x] = (sum / (den * den) as u32) as u8;
        }
    }
    (pixels, meta["codes"][0]["text"].as_str().unwrap().to_string(), (fw, fh))
}

/// A code too small to read in a live frame scanned smaller (a phone still
/// far from the box) is read by the live effort's second try at full size.
#[test]
fn the_live_effort_reads_a_small_code_at_full_size() {
    let (w, h) = (1920, 1080);
    let (ox, oy) = (900, 500);
    let (pixels, want, (fw, fh)) = small_code_frame((ox, oy));
    let frame = LumaFrame::new(&pixels, w, h, w).unwrap();
    let (found, live) = Scanner::with_effort(Effort::Live).scan_counted(&frame);
    assert_eq!(found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [want.as_str()], "{live:?}");
    // Read at full size, in a region around the finders: the corners are
    // the frame's.
    let inside =
        |p: &Point| (ox..ox + fw).contains(&(p.x as usize)) && (oy..oy + fh).contains(&(p.y as usize));
    assert!(found[0].corners.iter().all(inside), "{:?}", found[0].corners);
    // The work image's census sees no symbol, so no decoder runs on it;
    // the region that the full-size census's three finders mark is read:
    // rqrr's passes are not run on the work image first (they cost 4 to 12
    // times its pixels), and the frame is never decoded whole.
    assert_eq!(live.decoder_calls, 1, "{live:?}");
    assert!(live.decoder_pixels < 2 * (w / 2) * (h / 2), "a region, not the frame: {live:?}");
}

/// Live frames come 30 a second: a small code read at full size in one
/// frame is looked for first where it was, in the next. The next frame,
/// the code a few pixels on, reads with one decoder call on that region
/// (less than the work image), not a failed work image first; a frame
/// without the code is scanned whole as ever.
#[test]
fn the_live_effort_looks_where_the_last_small_code_was() {
    let (w, h) = (1920, 1080);
    let mut live = Scanner::with_effort(Effort::Live);
    let (first, want, _) = small_code_frame((900, 500));
    let (found, cold) = live.scan_counted(&LumaFrame::new(&first, w, h, w).unwrap());
    assert_eq!(found.len(), 1, "{cold:?}");
    assert!(!cold.hinted, "{cold:?}");
    let (next, _, (fw, fh)) = small_code_frame((912, 494));
    let (found, warm) = live.scan_counted(&LumaFrame::new(&next, w, h, w).unwrap());
    assert_eq!(found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [want.as_str()], "{warm:?}");
    let inside =
        |p: &Point| (912..912 + fw).contains(&(p.x as usize)) && (494..494 + fh).contains(&(p.y as usize));
    assert!(found[0].corners.iter().all(inside), "{:?}", found[0].corners);
    assert!(warm.hinted, "{warm:?}");
    assert_eq!(warm.decoder_calls, 1, "{warm:?}");
    assert!(warm.decoder_pixels < (w / 2) * (h / 2), "{warm:?}");
    // The code gone: the hint finds nothing and the frame is scanned as
    // any other (no finders: no decoder call on the work image).
    let empty = vec![200u8; w * h];
    let (found, gone) = live.scan_counted(&LumaFrame::new(&empty, w, h, w).unwrap());
    assert!(found.is_empty(), "{gone:?}");
    assert!(!gone.hinted, "{gone:?}");
    assert!(gone.decoder_calls <= 1, "at most the hinted region: {gone:?}");
}

/// A code that fills a small image (a photo cropped to it, as `qrcode-5`
/// of the shared photos: 240x240, version 2, lit from one side) has modules
/// of 6-10 pixels. The live census looks for its finders in 2x and 4x
/// smaller copies (with the 4x one alone it missed 11 of `qrcode-5`'s 19;
/// with the 2x one alone it misses the fourth case here), and reads it.
#[test]
fn the_live_effort_reads_a_code_that_fills_a_small_image() {
    use genuine_tests::frames::{Frame, draw_code};
    let text = "https://id.acme.example/01/1";
    let cases = [
        (240usize, 30u8, 200u8, 1usize, 0.04),
        (240, 30, 200, 1, 0.10),
        (240, 30, 220, 1, 0.12),
        (240, 60, 160, 2, 0.10),
        (300, 60, 160, 2, 0.12),
        (240, 40, 200, 3, 0.11),
    ];
    for (side, ink, paper, blur, edge) in cases {
        let mut frame =
            Frame { pixels: vec![180u8; side * side], width: side, height: side, codes: Vec::new() };
        let (a, b) = (side as f64 * edge, side as f64 * (1.0 - edge));
        draw_code(&mut frame, text, [(a, a), (b, a), (b, b), (a, b)], ink, paper);
        // Blurred (a box of 2 * blur + 1 around each pixel), as a phone's
        // photo is, and lit from the right: half as bright on the left.
        let k = 2 * blur + 1;
        let at = |v: usize, d: usize| (v + d).saturating_sub(blur).min(side - 1);
        let mut pixels = vec![0u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let sum: u32 =
                    (0..k * k).map(|i| u32::from(frame.pixels[at(y, i / k) * side + at(x, i % k)])).sum();
                pixels[y * side + x] = ((sum / (k * k) as u32) as usize * (side + x) / (2 * side)) as u8;
            }
        }
        let luma = LumaFrame::new(&pixels, side, side, side).unwrap();
        let (found, live) = Scanner::with_effort(Effort::Live).scan_counted(&luma);
        let case = format!("{side}px, ink {ink} on {paper}, blur {blur}, edge {edge}: {live:?}");
        assert_eq!(found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [text], "{case}");
    }
}

/// Ink 40 grey levels under its paper: rxing's hybrid binarizer takes most
/// 8x8 blocks of it for paper (their range is under its 24), and read 5 of
/// these 10 frames (the benchmark's 720p low-contrast set). Given the
/// image thresholded at its local mean, which the census's faint finders
/// send it first, rxing alone reads them all.
#[test]
fn rxing_reads_low_contrast_frames_thresholded_at_the_local_mean() {
    use genuine_tests::frames::{Distortion, benchmark_frame};
    let (w, h) = (1280, 720);
    let mut rxing = Scanner::with_engine(Engine::Rxing);
    rxing.set_effort(Effort::Live);
    for i in 0..10u64 {
        let (f, text) = benchmark_frame(Distortion::LowContrast, i, 10, w, h);
        let luma = LumaFrame::new(&f.pixels, w, h, w).unwrap();
        let found = rxing.scan(&luma);
        assert_eq!(found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [text.as_str()], "frame {i}");
    }
}

#[test]
fn light_on_dark_needs_the_pipeline() {
    let (image, meta) = load("inverted");
    // rqrr alone never finds light-on-dark codes; the pipeline does.
    assert!(raw_rqrr(&image.frame().unwrap()).is_empty());
    assert_finds("inverted", &scan(&image.frame().unwrap()), &meta);
}

#[test]
fn every_code_in_a_frame_is_found() {
    let (image, meta) = load("three-codes");
    for engine in ENGINES {
        let codes = Scanner::with_engine(engine).scan(&image.frame().unwrap());
        assert_finds(&format!("three-codes ({engine:?})"), &codes, &meta);
    }
}

#[test]
fn a_strided_buffer_with_padding_decodes_the_same() {
    let (image, meta) = load("perspective");
    let (w, h) = (image.width, image.height);
    for stride in [w + 1, w + 64, 2 * w] {
        // Padding full of what a camera might leave there: noise.
        let mut buf: Vec<u8> = (0..stride * h).map(|i| (i * 7919 % 251) as u8).collect();
        for y in 0..h {
            buf[y * stride..y * stride + w].copy_from_slice(&image.pixels[y * w..(y + 1) * w]);
        }
        // The last row need not carry its padding (CameraX plane 0 often does not).
        buf.truncate(stride * (h - 1) + w);
        let frame = LumaFrame::new(&buf, w, h, stride).unwrap();
        for engine in ENGINES {
            let codes = Scanner::with_engine(engine).scan(&frame);
            assert_finds(&format!("perspective, stride {stride} ({engine:?})"), &codes, &meta);
        }
    }
}

#[test]
fn the_rqrr_panic_input_is_contained() {
    let path = repo_root().join("tests/fixtures/scan/zxing/rqrr-panic.png");
    let image = DecodedImage::decode(&std::fs::read(path).unwrap()).unwrap();
    let frame = image.frame().unwrap();
    // rqrr 0.11 panics inside detect_grids on this image; we get a value back.
    let raw = std::panic::catch_unwind(|| raw_rqrr(&frame));
    assert!(raw.is_ok(), "raw_rqrr must contain the panic itself");
    let _ = Scanner::new().scan(&frame);
}

#[test]
fn bad_frames_are_typed_errors() {
    let buf = vec![0u8; 1000];
    assert!(matches!(LumaFrame::new(&buf, 0, 0, 0), Err(ScanError::Empty { .. })));
    assert!(matches!(LumaFrame::new(&buf, 100, 10, 99), Err(ScanError::StrideTooSmall { .. })));
    assert!(matches!(
        LumaFrame::new(&buf, 100, 11, 100),
        Err(ScanError::BufferTooShort { needed: 1100, .. })
    ));
    assert!(matches!(LumaFrame::new(&buf, 10_000, 10_000, 10_000), Err(ScanError::TooLarge { .. })));
    assert!(matches!(
        LumaFrame::new(&buf, usize::MAX / 2, 3, usize::MAX / 2),
        Err(ScanError::TooLarge { .. })
    ));
    let garbage: Vec<u8> = (0..64 * 64).map(|i| (i * 31 % 256) as u8).collect();
    let frame = LumaFrame::new(&garbage, 64, 64, 64).unwrap();
    assert!(scan(&frame).is_empty());
    // A 1-pixel frame and a 1-row frame are frames too.
    assert!(scan(&LumaFrame::new(&[0], 1, 1, 1).unwrap()).is_empty());
    assert!(scan(&LumaFrame::new(&buf, 1000, 1, 1000).unwrap()).is_empty());
}

#[test]
fn broken_image_files_are_typed_errors() {
    assert!(DecodedImage::decode(b"").is_err());
    assert!(DecodedImage::decode(b"\x89PNG\r\n\x1a\n garbage").is_err());
    let png = std::fs::read(repo_root().join("tests/fixtures/genuine.png")).unwrap();
    assert!(DecodedImage::decode(&png[..png.len() / 2]).is_err());
}

/// Security review finding 6 (medium), as a property: a tiny image full of
/// finder patterns made rxing's multi reader try every triple of candidates
/// (36 s and 289 MB for 20x20). Whatever grid a frame shows, small or
/// 1080p, the work of one scan stays under constants: candidates counted,
/// triples considered, decoder calls and the pixels given to decoders; and a
/// decoder is only ever given an image with few candidates.
#[test]
fn a_frame_full_of_finder_patterns_costs_bounded_work() {
    use genuine_scan::limits::{DENSE_LIMIT, MAX_CANDIDATES, MAX_GRIDS, MAX_REGIONS, NEIGHBOURS};
    use genuine_tests::frames::{finder_grid, finder_tiles};
    let max_triples = MAX_CANDIDATES * NEIGHBOURS * (NEIGHBOURS - 1) / 2;
    let mut cases = Vec::new();
    for n in [10, 20, 30, 40, 50, 60] {
        cases.push((format!("{n}x{n} grid"), finder_grid(n, n * 8 + 2, n * 8 + 2)));
        cases.push((format!("{n}x{n} grid"), finder_grid(n, 1920, 1080)));
    }
    // Fake symbols (three finders, no fourth, no data): each tile passes the
    // geometry, so this is the most the region search can be made to do.
    for n in [4, 8, 16] {
        cases.push((format!("{n}x{n} fake symbols"), finder_tiles(n, n * 29 + 8, n * 29 + 8)));
        cases.push((format!("{n}x{n} fake symbols"), finder_tiles(n, 1920, 1080)));
    }
    // Live: a work image, then at most one region of the frame no larger.
    for (effort, calls) in [(Effort::Photo, 2 * MAX_REGIONS + 7), (Effort::Live, 2 * MAX_REGIONS + 14)] {
        let mut scanner = Scanner::with_effort(effort);
        for (what, grid) in &cases {
            let (width, height) = (grid.width, grid.height);
            let frame = LumaFrame::new(&grid.pixels, width, height, width).unwrap();
            let (codes, work) = scanner.scan_counted(&frame);
            let case = format!("{what} in {width}x{height} ({effort:?}): {work:?}");
            assert!(codes.is_empty(), "{case}");
            assert!(work.candidates <= MAX_CANDIDATES, "{case}");
            assert!(work.triples <= max_triples, "{case}");
            assert!(work.crowded || work.candidates <= DENSE_LIMIT, "{case}");
            assert!(work.decoder_calls <= calls, "{case}");
            assert!(work.decoder_pixels <= 13 * width * height, "{case}");
            // The finder-outline reader: a hinted region, the work image
            // and one region of the frame.
            assert!(work.grids <= 3 * MAX_GRIDS, "{case}");
            // The grids are what they claim: a crowded frame, not a blank one
            // (the live census, of every other row, misses 1-pixel modules).
            let seen = work.crowded || what.contains("fake") && work.candidates > 3;
            assert!(seen || effort == Effort::Live, "{case}");
        }
    }
}

/// A sticker of finder patterns beside a genuine code cannot hide the code:
/// the crowded-frame search still hands the code's region to the decoders.
#[test]
fn a_real_code_beside_a_finder_grid_is_still_read() {
    let mut grid = genuine_tests::frames::finder_grid(12, 1280, 720);
    let text = genuine_tests::frames::sample_code(3);
    let corners = [(820.0, 200.0), (1120.0, 200.0), (1120.0, 500.0), (820.0, 500.0)];
    genuine_tests::frames::draw_code(&mut grid, &text, corners, 20, 235);
    let frame = LumaFrame::new(&grid.pixels, grid.width, grid.height, grid.width).unwrap();
    let (codes, work) = Scanner::new().scan_counted(&frame);
    assert!(work.crowded, "{work:?}");
    assert_eq!(codes.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [text.as_str()], "{work:?}");
}

/// The class behind a fuzz find (CI's `scan_luma` run timed out): rqrr fits
/// a grid to every plausible triple of capstone-like patterns, 81 scorings
/// each, so its work grows with how many such patterns a frame holds — a
/// 162x162 frame cost 132 ms. The fuzz input and small grids of finders
/// (which stay under the crowded threshold, so every rqrr try sees them)
/// each need more fitting than the frame's budget without it; the scanner
/// spends at most the budget on all its rqrr tries together.
#[test]
fn rqrr_grid_fitting_stays_within_the_frame_budget() {
    use genuine_scan::limits::FIT_BUDGET;
    use genuine_tests::frames::{finder_grid, fuzz_frame};
    let fuzz =
        std::fs::read(genuine_tests::repo_root().join("fuzz/corpus/scan_luma/fuzz-found-rqrr-fitting"))
            .unwrap();
    // The second (a later run's timeout): rqrr's spiral search for an
    // alignment pattern, as wide as a crafted capstone geometry made it
    // and re-testing claimed pixels in place, cost 120 ms on 162x162; its
    // steps are now charged to the budget.
    let spiral = std::fs::read(
        genuine_tests::repo_root().join("fuzz/corpus/scan_luma/fuzz-found-rqrr-alignment-spiral"),
    )
    .unwrap();
    let cases = [
        ("the fuzz input", fuzz_frame(&fuzz).unwrap()),
        ("the alignment-spiral fuzz input", fuzz_frame(&spiral).unwrap()),
        ("a 3x3 grid of finders", finder_grid(3, 120, 120)),
        ("a 4x4 grid of finders", finder_grid(4, 160, 160)),
    ];
    let mut scanner = Scanner::with_engine(genuine_scan::Engine::RqrrPipeline);
    for (what, f) in cases {
        // rqrr alone, unbounded, on one of the scanner's binarisations (2x up, as for small frames):
        let mut unbounded = u64::MAX;
        let (w, h) = (f.width * 2, f.height * 2);
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| f.pixels[(y / 2) * f.width + x / 2]);
        let _ = img.detect_grids_within(&mut unbounded);
        let needed = u64::MAX - unbounded;
        let frame = LumaFrame::new(&f.pixels, f.width, f.height, f.width).unwrap();
        let (_, work) = scanner.scan_counted(&frame);
        assert!(work.fit_samples <= FIT_BUDGET, "{what}: {work:?}");
        assert!(
            needed > FIT_BUDGET || work.fit_samples > FIT_BUDGET / 2,
            "{what}: one try needs {needed}, {work:?}"
        );
        // Its spiral steps are counted: with them, rqrr alone needs more
        // than a frame's budget (381k samples; 242k without them).
        if what.contains("spiral") {
            assert!(needed > FIT_BUDGET, "{what}: one try needs {needed}");
        }
    }
}

/// The benchmark's 720p frame `i` of a class, scanned by `scanner`: its
/// codes, the work done and the code's text.
#[cfg(feature = "rxing")]
fn scan_720p(
    scanner: &mut Scanner,
    distortion: genuine_tests::frames::Distortion,
    i: u64,
) -> (Vec<genuine_scan::ScannedCode>, genuine_scan::ScanWork, String) {
    let (f, text) = genuine_tests::frames::benchmark_frame(distortion, i, 10, 1280, 720);
    let (found, work) = scanner.scan_counted(&LumaFrame::new(&f.pixels, 1280, 720, 1280).unwrap());
    (found, work, text)
}

/// A live frame that no decoder reads (a small code blurred past reading,
/// at 720p) gets no rqrr pass after rxing and the outlines: on 839 frames
/// and photos rqrr read nothing live that those missed, and its grid
/// fitting cost this frame's region 3 ms. At photo effort the census at
/// full size sees no finders in that blur, so no decoder runs at all.
#[cfg(feature = "rxing")]
#[test]
fn a_live_frame_that_nothing_reads_gets_no_rqrr_pass() {
    use genuine_tests::frames::Distortion;
    let (found, live, _) = scan_720p(&mut Scanner::with_effort(Effort::Live), Distortion::Blur, 1);
    let (_, photo, _) = scan_720p(&mut Scanner::with_effort(Effort::Photo), Distortion::Blur, 1);
    assert!(found.is_empty(), "{found:?}");
    // The region the finders mark, read by the outlines and rxing alone.
    assert_eq!((live.decoder_calls, live.fit_samples), (1, 0), "{live:?}");
    assert_eq!(photo.decoder_calls, 0, "{photo:?}");
}

/// A code tilted so far that the work image's census holds two of its
/// finders and the full-size census's three are not a right angle with
/// equal arms (a 720p benchmark frame: near finder 6.9 pixels a module,
/// far 3.2) is read from its region at full size, by its outlines, not by
/// rqrr's pass over the work image (3 ms more, and 6.4× zxing-cpp's time).
/// The work image, whose census saw only two finders, gets one rxing pass
/// before the closer look (three, 30% of the frame's time, failed there).
#[cfg(feature = "rxing")]
#[test]
fn a_steeply_tilted_code_is_read_from_its_region() {
    use genuine_tests::frames::Distortion;
    let (found, live, text) = scan_720p(&mut Scanner::with_effort(Effort::Live), Distortion::Perspective, 5);
    assert_eq!(found.iter().map(|c| &c.text).collect::<Vec<_>>(), [&text]);
    // The work image's decoders, then the region's; rqrr never ran.
    assert_eq!((live.decoder_calls, live.fit_samples), (2, 0), "{live:?}");
    assert_eq!(live.rxing_passes, 1, "{live:?}");
}

/// A hinted region whose finders make no symbol lying wholly inside it
/// (the code moved past its edge, or another code is cut by it) gets no
/// decoder call: the frame goes the usual way at once. Three 720p benchmark
/// frames in a row: a small light-on-dark code read at full size, then
/// another whose finders the first one's region cuts, then one whose two
/// left finders the second's region holds, with a data pattern of the
/// other polarity at the right angle to them (see `finders`' test
/// `a_symbol_is_three_finders_of_one_polarity`). (A decoder on such a
/// region cost 1.2 ms, the median missed hint on the approach sequences;
/// on the third frame, 5.7 times zxing-cpp's time.)
#[cfg(feature = "rxing")]
#[test]
fn a_hint_that_cuts_the_next_code_is_not_decoded() {
    use genuine_tests::frames::Distortion;
    let mut live = Scanner::with_effort(Effort::Live);
    for i in 0..3 {
        let (found, work, text) = scan_720p(&mut live, Distortion::Inverted, i);
        assert_eq!(found.iter().map(|c| &c.text).collect::<Vec<_>>(), [&text], "frame {i}");
        // The full-size census's region alone: no decoder on the hinted one.
        assert!(!work.hinted, "frame {i}: {work:?}");
        assert_eq!(work.decoder_calls, 1, "frame {i}: {work:?}");
    }
}

/// A hinted region in which the census sees only two finders is not
/// decoded either: two 720p tilted benchmark frames in a row, the first
/// read at full size, the second's code elsewhere with two of its finders
/// in the first one's region (a decoder there cost more than the frame's
/// own scan).
#[cfg(feature = "rxing")]
#[test]
fn a_hint_that_holds_a_pair_is_not_decoded() {
    use genuine_tests::frames::Distortion;
    let mut live = Scanner::with_effort(Effort::Live);
    let (found, first, text) = scan_720p(&mut live, Distortion::Perspective, 3);
    assert_eq!(found.iter().map(|c| &c.text).collect::<Vec<_>>(), [&text], "{first:?}");
    assert!(first.decoder_pixels > 640 * 360, "read at full size, leaving a hint: {first:?}");
    let (found, next, text) = scan_720p(&mut live, Distortion::Perspective, 4);
    assert_eq!(found.iter().map(|c| &c.text).collect::<Vec<_>>(), [&text], "{next:?}");
    assert!(!next.hinted, "{next:?}");
    assert_eq!((next.decoder_calls, next.decoder_pixels), (1, 640 * 360), "the work image alone: {next:?}");
}

/// Small codes at 720p, as a hand starts to bring the phone closer: a
/// version-8 code 80 to 104 pixels wide has modules of 1.6 to 2.1 pixels,
/// too small for the halved work image, and its finders' runs are off by a
/// pixel where a module's edge falls mid-pixel. The full-size census allows
/// half a pixel of rounding (as zxing-cpp does), so the live effort reads
/// most of them: 20 of these 24 frames (4 without the slack).
#[test]
fn the_live_effort_reads_codes_of_under_two_pixel_modules() {
    let (w, h) = (1280, 720);
    for size in [80.0, 92.0, 104.0] {
        let read = (0..8u64)
            .filter(|&seed| {
                let text = genuine_tests::frames::sample_code(seed);
                let f = genuine_tests::frames::frame(
                    &text,
                    genuine_tests::frames::Distortion::Clean,
                    w,
                    h,
                    size,
                    seed,
                );
                let found =
                    Scanner::with_effort(Effort::Live).scan(&LumaFrame::new(&f.pixels, w, h, w).unwrap());
                found.iter().any(|c| c.text == text)
            })
            .count();
        assert!(read >= 5, "{read} of 8 read at {size} pixels");
    }
}

/// A data pattern beside a finder passes the census's runs too. The
/// finders' outlines of the 720p tilted frame 1 include one, overlapping
/// the true top-left finder: only the squarer outline of the two is kept,
/// so the code reads from the first grid sampled (3 grids, twice the time,
/// when the triple built on the data pattern was tried first).
#[cfg(feature = "rxing")]
#[test]
fn a_data_pattern_beside_a_finder_is_not_tried_as_one() {
    use genuine_tests::frames::Distortion;
    let (found, work, text) = scan_720p(&mut Scanner::with_effort(Effort::Live), Distortion::Perspective, 1);
    assert_eq!(found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), [text.as_str()]);
    assert_eq!(work.grids, 1, "{work:?}");
}
