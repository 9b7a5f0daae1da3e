//! The scanner's cost on crafted frames (security review finding 6): grids
//! of QR finder patterns from 10x10 to 60x60 and arrays of fake symbols
//! (three finders each, the region search's worst case), each as a small
//! image and in a 1080p frame, beside ordinary 1080p frames (one with a
//! code, one without) measured in the same run. Each case runs in a child process so its peak
//! memory is its own.
//!
//!     cargo run --release -p genuine-tests --bin bench-crafted
//!
//! Prints one row per case: median time of 5 scans, its ratio to each
//! ordinary frame, the extra peak memory of scanning, and the counted work.

use genuine_scan::{LumaFrame, Scanner};
use genuine_tests::frames::{
    Distortion, Frame, finder_grid, finder_scatter, finder_tiles, frame, sample_code,
};
use std::process::Command;
use std::time::Instant;

const GRIDS: [usize; 8] = [3, 4, 10, 20, 30, 40, 50, 60];

fn case(name: &str) -> Option<Frame> {
    if name == "ordinary-code" {
        return Some(frame(&sample_code(1), Distortion::Clean, 1920, 1080, 420.0, 11));
    }
    if name == "ordinary-empty" {
        let mut f = frame(&sample_code(1), Distortion::Clean, 1920, 1080, 420.0, 11);
        // The same lit, textured background with no code on it.
        let bg = frame(&sample_code(1), Distortion::Clean, 1920, 1080, 1.0, 12);
        f.pixels = bg.pixels;
        return Some(f);
    }
    // Inputs the scan_luma fuzz target found slow: 95 candidates and 24
    // plausible triples (100 ms in rxing's C++-port reader before it was
    // taken off the crowded path), and a 162x162 frame whose capstone-like
    // patterns cost rqrr 132 ms of grid fitting before its work budget.
    if let Some(file) = name.strip_prefix("fuzz-found") {
        let file = if file.is_empty() { "-95-candidates" } else { file };
        let path = genuine_tests::repo_root().join(format!("fuzz/corpus/scan_luma/fuzz-found{file}"));
        return genuine_tests::frames::fuzz_frame(&std::fs::read(path).ok()?);
    }
    if let Some(rest) = name.strip_prefix("scatter-") {
        let (n, big) = rest.split_once('-')?;
        let n: usize = n.parse().ok()?;
        return Some(if big == "1080p" {
            finder_scatter(n, 1920, 1080, 5)
        } else {
            finder_scatter(n, 480, 480, 5)
        });
    }
    if let Some(rest) = name.strip_prefix("fake-symbols-") {
        let (n, big) = rest.split_once('-')?;
        let n: usize = n.parse().ok()?;
        let side = n * 29 + 8;
        return Some(if big == "1080p" { finder_tiles(n, 1920, 1080) } else { finder_tiles(n, side, side) });
    }
    let (n, big) = name.strip_prefix("grid-")?.split_once('-')?;
    let n: usize = n.parse().ok()?;
    Some(if big == "1080p" { finder_grid(n, 1920, 1080) } else { finder_grid(n, n * 8 + 2, n * 8 + 2) })
}

/// Peak resident memory so far, in KiB (Linux).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// In the child: scans the case 5 times; prints median ms, extra peak KiB and the work.
fn child(name: &str) {
    let Some(f) = case(name) else {
        eprintln!("no case {name}");
        std::process::exit(2);
    };
    let frame = LumaFrame::new(&f.pixels, f.width, f.height, f.width).expect("frame");
    let mut scanner = Scanner::new();
    let before = peak_kib();
    let mut times = Vec::new();
    let mut work = None;
    for _ in 0..5 {
        let t = Instant::now();
        let (_codes, w) = scanner.scan_counted(&frame);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        work = Some(w);
    }
    times.sort_by(f64::total_cmp);
    let w = work.unwrap_or_default();
    println!(
        "{:.2} {} {} {} {} {}",
        times[2],
        peak_kib().saturating_sub(before),
        w.candidates,
        w.triples,
        w.decoder_calls,
        w.crowded
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, name] = &args[..]
        && flag == "--case"
    {
        return child(name);
    }
    let me = std::env::current_exe().expect("own path");
    let run = |name: &str| -> Option<(f64, u64, String)> {
        let out = Command::new(&me).args(["--case", name]).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut parts = text.split_whitespace();
        let ms: f64 = parts.next()?.parse().ok()?;
        let kib: u64 = parts.next()?.parse().ok()?;
        Some((ms, kib, parts.collect::<Vec<_>>().join(" ")))
    };
    let (code_ms, _, _) = run("ordinary-code").expect("ordinary frame with a code");
    let (empty_ms, _, _) = run("ordinary-empty").expect("ordinary frame without a code");
    println!(
        "| frame | median ms | vs 1080p with a code | vs 1080p without | extra peak MiB | candidates | triples | decoder calls | crowded |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut names = vec!["ordinary-code".to_string(), "ordinary-empty".to_string()];
    for n in GRIDS {
        names.push(format!("grid-{n}-small"));
        names.push(format!("grid-{n}-1080p"));
    }
    for n in [4, 8, 16] {
        names.push(format!("fake-symbols-{n}-small"));
        names.push(format!("fake-symbols-{n}-1080p"));
    }
    for n in [20, 40, 60, 90] {
        names.push(format!("scatter-{n}-small"));
        names.push(format!("scatter-{n}-1080p"));
    }
    names.push("fuzz-found".to_string());
    names.push("fuzz-found-rqrr-fitting".to_string());
    for name in names {
        let Some((ms, kib, work)) = run(&name) else {
            println!("| {name} | failed | | | | | | | |");
            continue;
        };
        let w: Vec<&str> = work.split(' ').collect();
        println!(
            "| {name} | {ms:.1} | {:.2}x | {:.2}x | {:.1} | {} | {} | {} | {} |",
            ms / code_ms,
            ms / empty_ms,
            kib as f64 / 1024.0,
            w.first().unwrap_or(&""),
            w.get(1).unwrap_or(&""),
            w.get(2).unwrap_or(&""),
            w.get(3).unwrap_or(&""),
        );
    }
}
