//! The Rust side of the FFI-cost benchmark: writes a 1080p luma frame with one
//! code (raw bytes, row-padded like a camera plane), then times `Scanner::scan`
//! and `Store::verify` on it in-process and prints one JSON line. The Kotlin
//! bench (bindings/kotlin FfiCostBench) runs this, then the same calls through
//! the generated bindings, and prints the ratios.
//! `cargo run --release -p genuine-tests --bin bench-ffi-baseline -- OUT_DIR`

use genuine_scan::{LumaFrame, Scanner};
use genuine_tests::demo;
use genuine_tests::frames::{Distortion, frame};
use std::time::Instant;

fn median_us(mut f: impl FnMut(), rounds: usize) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: bench-ffi-baseline OUT_DIR")?);
    std::fs::create_dir_all(&out)?;
    let a = demo::authority();
    let code = demo::fixtures(&a).into_iter().next().ok_or("fixtures")?.text;
    let f = frame(&code, Distortion::Clean, 1920, 1080, 420.0, 5);
    let stride = f.width + 64;
    let mut plane = vec![0u8; stride * f.height];
    for y in 0..f.height {
        plane[y * stride..y * stride + f.width].copy_from_slice(&f.pixels[y * f.width..(y + 1) * f.width]);
    }
    std::fs::write(out.join("frame.luma"), &plane)?;

    let frame = LumaFrame::new(&plane, f.width, f.height, stride)?;
    let mut scanner = Scanner::new();
    assert_eq!(scanner.scan(&frame).len(), 1);
    let scan_us = median_us(|| assert_eq!(scanner.scan(&frame).len(), 1), 50);

    let (_dir, store) = genuine_tests::demo_store();
    let now = genuine::device_now().as_secs();
    let verify_us = median_us(
        || {
            assert!(matches!(
                genuine::verify(&store, &code, genuine_tests::at(now)),
                Ok(genuine::Verdict::Authentic(_))
            ))
        },
        2000,
    );
    println!(
        "{}",
        serde_json::json!({"width": f.width, "height": f.height, "stride": stride, "code": code,
                           "scan_us": scan_us, "verify_us": verify_us})
    );
    Ok(())
}
