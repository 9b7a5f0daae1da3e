//! The Rust side of the FFI-cost benchmark: writes a 1080p luma frame with one
//! code and one of packaging without a code (raw bytes, row-padded like a
//! camera plane), then times `Scanner::scan` on each with each effort, and
//! `Store::verify`, in-process, and prints one JSON line. The Kotlin bench
//! (bindings/kotlin FfiCostBench) runs this, then the same calls through the
//! generated bindings, and prints the ratios.
//! `cargo run --release -p genuine-tests --bin bench-ffi-baseline -- OUT_DIR`

use genuine_scan::{Effort, LumaFrame, Scanner};
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

    let empty = packaging(f.width, f.height, stride);
    std::fs::write(out.join("empty.luma"), &empty)?;

    let frame = LumaFrame::new(&plane, f.width, f.height, stride)?;
    let empty = LumaFrame::new(&empty, f.width, f.height, stride)?;
    let mut times = serde_json::Map::new();
    for (name, effort) in [("photo", Effort::Photo), ("live", Effort::Live)] {
        let mut scanner = Scanner::with_effort(effort);
        assert_eq!(scanner.scan(&frame).len(), 1);
        let scan_us = median_us(|| assert_eq!(scanner.scan(&frame).len(), 1), 50);
        let empty_us = median_us(|| assert!(scanner.scan(&empty).is_empty()), 50);
        times.insert(format!("scan_{name}_us"), scan_us.into());
        times.insert(format!("empty_{name}_us"), empty_us.into());
    }

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
    let mut line = serde_json::json!({"width": f.width, "height": f.height, "stride": stride, "code": code,
                                      "verify_us": verify_us});
    if let Some(fields) = line.as_object_mut() {
        fields.extend(times);
    }
    println!("{line}");
    Ok(())
}

/// Packaging without a code, as a camera sees it: panels, text-like
/// strokes, a bar code's bars and sensor noise (the same every run).
fn packaging(width: usize, height: usize, stride: usize) -> Vec<u8> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut plane = vec![0u8; stride * height];
    for y in 0..height {
        for x in 0..width {
            plane[y * stride + x] = (170 + x * 40 / width) as u8;
        }
    }
    let fill = |plane: &mut [u8], (x0, y0, w, h): (usize, usize, usize, usize), v: u8| {
        for y in y0..(y0 + h).min(height) {
            for x in x0..(x0 + w).min(width) {
                plane[y * stride + x] = v;
            }
        }
    };
    for _ in 0..8 {
        let panel = (next(width), next(height), 40 + next(width / 3), 40 + next(height / 3));
        fill(&mut plane, panel, next(256) as u8);
    }
    for _ in 0..300 {
        let stroke = (next(width), next(height), 2 + next(10), 2 + next(14));
        fill(&mut plane, stroke, next(90) as u8);
    }
    let (bx, by) = (next(width - 300), next(height - 200));
    for i in 0..95 {
        if next(2) == 0 {
            fill(&mut plane, (bx + 3 * i, by, 3, 150), 0);
        }
    }
    for y in 0..height {
        for x in 0..width {
            let v = i32::from(plane[y * stride + x]) + next(25) as i32 - 12;
            plane[y * stride + x] = v.clamp(0, 255) as u8;
        }
    }
    plane
}
