//! Writes generated camera frames for the scanner benchmark:
//! `cargo run --release -p genuine-tests --bin make-frames -- DIR [PER_CLASS] [WIDTHxHEIGHT]`
//! makes DIR/<class>/<i>.png with <i>.txt holding the expected text.

use genuine_tests::frames::{Distortion, benchmark_frame};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("bench/frames", String::as_str));
    let per_class: u64 = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let (w, h) = match args.get(3).and_then(|s| s.split_once('x')) {
        Some((w, h)) => (w.parse()?, h.parse()?),
        None => (1920, 1080),
    };
    for d in Distortion::ALL {
        let out = dir.join(format!("{}x{}-{}", w, h, d.name()));
        std::fs::create_dir_all(&out)?;
        for i in 0..per_class {
            let (f, text) = benchmark_frame(d, i, per_class, w, h);
            let png = genuine_issuer::render::png(&f.pixels, w as u32, h as u32)?;
            std::fs::write(out.join(format!("{i}.png")), png)?;
            std::fs::write(out.join(format!("{i}.txt")), &text)?;
        }
        println!("wrote {}", out.display());
    }
    Ok(())
}
