//! The camera path: arbitrary geometry and pixels into the scanner (rxing,
//! then the rqrr pipeline, whose panics must stay contained).
#![no_main]
use genuine_core::scan::{LumaFrame, Scanner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    // Small frames keep each run fast; geometry is still arbitrary.
    let width = usize::from(u16::from_le_bytes([data[0], data[1]]) % 300);
    let height = usize::from(u16::from_le_bytes([data[2], data[3]]) % 300);
    let stride = width + usize::from(u16::from_le_bytes([data[4], data[5]]) % 64);
    let pixels = &data[6..];
    if let Ok(frame) = LumaFrame::new(pixels, width, height, stride) {
        let _ = Scanner::new().scan(&frame);
    }
});
