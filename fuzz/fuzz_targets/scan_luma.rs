//! The camera path: arbitrary geometry and pixels into the scanner (rxing,
//! then the rqrr pipeline, whose panics must stay contained), and the bound
//! on its work whatever the pixels show (seeds include crafted grids of
//! finder patterns: security review finding 6), rqrr's grid fitting included.
//! Seeds also hold the inputs the fuzzer found: `fuzz-found-*`. A first
//! word from 0xF000 up asks for a long, thin frame instead (1 to 64 pixels
//! by up to 4 M, its pixels the input repeated): the shapes of security
//! review 2's finding 5, whose work follows from shape, not pixel count.
#![no_main]
use genuine_scan::limits::{DENSE_LIMIT, FIT_BUDGET, MAX_CANDIDATES, MAX_REGIONS, MAX_WORK_PIXELS, NEIGHBOURS};
use genuine_scan::{LumaFrame, Scanner, MAX_PIXELS};
use libfuzzer_sys::fuzz_target;

/// libfuzzer-sys aborts on every panic, even a caught one. The scanner's
/// promise is that rqrr's panics (WanzenBug/rqrr#54 and kin) are contained by
/// its `catch_unwind`: those pass; any other panic still aborts, and one that
/// escapes the scanner aborts in libfuzzer-sys's own catch.
fn allow_contained_rqrr_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_rqrr = info.location().is_some_and(|l| l.file().contains("rqrr"));
            if !in_rqrr {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    allow_contained_rqrr_panics();
    if data.len() < 6 {
        return;
    }
    let first = u16::from_le_bytes([data[0], data[1]]);
    let second = usize::from(u16::from_le_bytes([data[2], data[3]]));
    let long;
    let (width, height, stride, pixels) = if first >= 0xF000 {
        // A long, thin frame, either way round.
        let (short, long_side) = (usize::from(first & 0x3F) + 1, second * 64);
        let (width, height) = if first & 0x40 == 0 { (short, long_side) } else { (long_side, short) };
        // A frame over MAX_PIXELS is refused from its shape, so it gets no
        // pixels: building 268 MB byte by byte cost the harness over its 1 s.
        let area = width * height;
        let seed = &data[6..];
        long = if area > MAX_PIXELS || seed.is_empty() {
            Vec::new()
        } else {
            let mut pixels = seed.repeat(area / seed.len() + 1);
            pixels.truncate(area);
            pixels
        };
        (width, height, width, &long[..])
    } else {
        // Small frames keep each run fast; geometry is still arbitrary.
        let width = usize::from(first % 300);
        let stride = width + usize::from(u16::from_le_bytes([data[4], data[5]]) % 64);
        (width, second % 300, stride, &data[6..])
    };
    if let Ok(frame) = LumaFrame::new(pixels, width, height, stride) {
        let (_, work) = Scanner::new().scan_counted(&frame);
        assert!(work.candidates <= MAX_CANDIDATES, "{work:?}");
        assert!(work.triples <= MAX_CANDIDATES * NEIGHBOURS * (NEIGHBOURS - 1) / 2, "{work:?}");
        assert!(work.crowded || work.candidates <= DENSE_LIMIT, "{work:?}");
        assert!(work.decoder_calls <= 2 * MAX_REGIONS + 7, "{work:?}");
        assert!(work.decoder_pixels <= 13 * (width * height).min(MAX_WORK_PIXELS), "{work:?}");
        assert!(work.multi_finders <= DENSE_LIMIT, "{work:?}");
        assert!(work.fit_samples <= FIT_BUDGET, "{work:?}");
    }
});
