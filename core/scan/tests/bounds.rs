//! Security review 2, findings 5 and 11, replayed: images whose shape or
//! content made decoding or scanning cost seconds and gigabytes, or panic.
//! Work is counted and memory measured in a child process (its own peak);
//! the times are the benchmark's (`bench/image_bounds.py`).

use genuine_scan::limits::{DENSE_LIMIT, MAX_WORK_PIXELS};
use genuine_scan::{DecodedImage, Effort, ImageError, LumaFrame, MIN_SIDE, Scanner};
use std::io::Write;

/// A PNG of `width` × `height` whose every row is `row` (so even a huge
/// one compresses to little, as the attack's did), written row by row.
fn png(width: u32, height: u32, colour: png::ColorType, depth: png::BitDepth, row: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(depth);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    // A megabyte of rows at a time.
    let rows = (1 << 20) / row.len().max(1) + 1;
    let block = row.repeat(rows.min(height as usize));
    let mut left = height as usize;
    while left > 0 {
        let n = left.min(rows);
        stream.write_all(&block[..n * row.len()]).unwrap();
        left -= n;
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

/// What `genuine verify` does with a file: decode, then scan every code.
fn verify_path(bytes: &[u8]) -> Result<usize, ImageError> {
    let image = DecodedImage::decode(bytes)?;
    let frame = image.frame().expect("a decoded image is a frame");
    Ok(Scanner::new().scan(&frame).len())
}

/// Finding 5: a 1-pixel-wide PNG taller than 16 Mpx (81 KB) panicked in
/// the binarizer (`genuine verify` exited 101); at 16 Mpx it took 8-12 s
/// and 1.37 GB, and 16M×1 5.9 s. Every image with a side under the
/// smallest symbol's is refused from its header now, whichever side.
#[test]
fn an_image_too_narrow_for_a_code_is_refused_from_its_header() {
    let grey =
        |w: u32, h: u32| png(w, h, png::ColorType::Grayscale, png::BitDepth::Eight, &vec![200; w as usize]);
    let narrow = (MIN_SIDE - 1) as u32;
    for (width, height) in [(1, (16 << 20) + 1), (16 << 20, 1), (narrow, 800_000), (2, 1 << 20)] {
        let file = grey(width, height);
        match verify_path(&file) {
            Err(ImageError::TooNarrow(w, h)) => assert_eq!((w, h), (width, height)),
            other => panic!("{width}x{height} ({} bytes): {other:?}", file.len()),
        }
    }
    // The smallest side that can hold a code is decoded.
    let file = grey(MIN_SIDE as u32, 4000);
    assert_eq!(verify_path(&file).unwrap(), 0);
}

/// Finding 5, the class: a frame's shape sets no division, chunk or
/// allocation out of bounds, whether it comes from a file or a camera (an
/// app scans a gallery photo as a luma plane). Each shape is scanned, by
/// either effort, without a panic and with its decoders given at most a
/// bounded number of work images of at most `MAX_WORK_PIXELS` (256×65536
/// was 3.3 s: its 16 Mpx went to every decoder whole).
#[test]
fn a_frame_of_any_shape_is_scanned_within_bounded_work() {
    let shapes = [
        (1, (16 << 20) + 1),
        ((16 << 20) + 1, 1),
        (2, (8 << 20) + 1),
        (MIN_SIDE - 1, 1 << 20),
        (MIN_SIDE, 3_195_660),
        (256, 65536),
        (23301, 720),
    ];
    for (width, height) in shapes {
        // Bars across the long side: something for every pass to look at.
        let mut pixels = [40, 40, 40, 220, 220, 220].repeat((width * height).div_ceil(6));
        pixels.truncate(width * height);
        let frame = LumaFrame::new(&pixels, width, height, width).unwrap();
        for effort in [Effort::Photo, Effort::Live] {
            let (codes, work) = Scanner::with_effort(effort).scan_counted(&frame);
            let case = format!("{width}x{height} {effort:?}: {work:?}");
            assert!(codes.is_empty(), "{case}");
            assert!(work.decoder_pixels <= 13 * MAX_WORK_PIXELS, "{case}");
            if width.min(height) < MIN_SIDE {
                assert_eq!(work, Default::default(), "{case}");
            }
        }
    }
}

/// Peak resident memory of this process so far, in KiB (Linux).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).unwrap();
    line.trim().trim_end_matches("kB").trim().parse().unwrap()
}

/// Runs this test binary's test `name` alone in a child process, with
/// `CHILD` set, so that the peak memory it measures is its own.
fn in_child(name: &str) {
    if std::env::var_os("GENUINE_BOUNDS_CHILD").is_some() {
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("GENUINE_BOUNDS_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name} in a child process:\n{text}");
    assert!(text.contains("1 passed"), "{name} did not run in the child:\n{text}");
}

/// Finding 11: a 521 KB 8192² 16-bit RGBA PNG cost 583 MB to decode (a
/// 16-bit RGBA image, then its luma). Decoded row by row now, the plane is
/// the only large allocation: a 4096² one (128 MiB of 16-bit RGBA samples)
/// grows this process's peak by its 16 MiB luma plane and little more, and
/// so do grey, palette and interlaced files.
#[test]
fn a_png_decodes_to_its_luma_plane_and_little_more() {
    in_child("a_png_decodes_to_its_luma_plane_and_little_more");
    if std::env::var_os("GENUINE_BOUNDS_CHILD").is_none() {
        return;
    }
    let side = 4096u32;
    let rgba16: Vec<u8> = (0..side).flat_map(|_| [0xC3, 0x50, 0x9C, 0x40, 0x75, 0x30, 0xFF, 0xFF]).collect();
    let file = png(side, side, png::ColorType::Rgba, png::BitDepth::Sixteen, &rgba16);
    let before = peak_kib();
    let image = DecodedImage::decode(&file).unwrap();
    let grown = peak_kib().saturating_sub(before);
    let plane = u64::from(side * side) / 1024;
    println!("{} KiB file, peak grew {grown} KiB for a {plane} KiB plane", file.len() / 1024);
    assert!(grown <= plane + 8 * 1024, "peak grew {grown} KiB for a {plane} KiB plane");
    // Luma of the samples' high bytes, with Rec. 709 weights.
    let luma = ((2126 * 0xC3 + 7152 * 0x9C + 722 * 0x75) / 10000) as u8;
    assert!(image.pixels.iter().all(|&p| p == luma));
}

/// Finding 11, the class: rxing's readers choose among the finder centres
/// their own search finds, in time cubic in them, and the multi reader
/// decodes every plausible triple. A frame of fake symbols whose finders'
/// edges are grey shows the pixel census a dozen of them and rxing over a
/// hundred: a 12 Mpx photo of them cost 1.1 s (3,133 triples decoded). The
/// multi reader is given only an image whose census, taken on the bits it
/// reads, is uncrowded.
#[test]
fn fake_symbols_the_pixel_census_misses_get_no_multi_read() {
    let f = genuine_tests::frames::fake_symbols(40, 2, 1000, 750, 1);
    let frame = LumaFrame::new(&f.pixels, f.width, f.height, f.width).unwrap();
    let (codes, work) = Scanner::with_effort(Effort::Photo).scan_counted(&frame);
    assert!(codes.is_empty());
    // The attack's premise: the pixel census does not call the frame crowded.
    assert!(!work.crowded && work.candidates <= DENSE_LIMIT, "{work:?}");
    assert!(work.multi_finders <= DENSE_LIMIT, "{work:?}");
}
