//! `genuine decode`: the scanner alone, for benchmarks and debugging.

use crate::CliError;
use genuine_scan::{DecodedImage, Effort, Engine, Scanner, raw_rqrr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// One line of `--json` output; field order is part of the format.
#[derive(serde::Serialize)]
struct Line<'a> {
    file: &'a str,
    codes: Vec<Code<'a>>,
    decode_us: u64,
}

#[derive(serde::Serialize)]
struct Code<'a> {
    text: &'a str,
    corners: [[i32; 2]; 4],
}

/// Which decoder `genuine decode` measures.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecodeEngine {
    /// The scanner as apps use it: finder outlines, rxing, then the rqrr pipeline
    Full,
    /// The finder outlines and the rqrr pipeline, without rxing's reader
    RqrrPipeline,
    /// rxing alone
    Rxing,
    /// rqrr alone, with its own threshold: the baseline
    Rqrr,
}

/// How hard `genuine decode` tries on each file.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecodeEffort {
    /// As apps scan camera frames: a frame without three finder patterns costs one census
    Live,
    /// As the CLI reads photos: every decoder and threshold
    Photo,
}

pub fn decode(
    files: &[PathBuf],
    json: bool,
    engine: DecodeEngine,
    effort: DecodeEffort,
) -> Result<ExitCode, CliError> {
    let mut scanner = Scanner::with_engine(match engine {
        DecodeEngine::RqrrPipeline => Engine::RqrrPipeline,
        DecodeEngine::Rxing => Engine::Rxing,
        DecodeEngine::Full | DecodeEngine::Rqrr => Engine::Full,
    });
    scanner.set_effort(match effort {
        DecodeEffort::Live => Effort::Live,
        DecodeEffort::Photo => Effort::Photo,
    });
    let mut all_found = true;
    for file in files {
        let bytes = genuine::photo::read_photo(file)
            .map_err(|e| CliError::msg(format!("{}: {e}", file.display())))?;
        let image =
            DecodedImage::decode(&bytes).map_err(|e| CliError::msg(format!("{}: {e}", file.display())))?;
        let frame = image.frame().map_err(|e| CliError::msg(format!("{}: {e}", file.display())))?;
        // Only the scan call is timed: image loading is not the scanner's cost.
        let start = Instant::now();
        let codes = if engine == DecodeEngine::Rqrr { raw_rqrr(&frame) } else { scanner.scan(&frame) };
        let decode_us = start.elapsed().as_micros() as u64;
        all_found &= !codes.is_empty();
        if json {
            let codes = codes.iter().map(|c| Code { text: &c.text, corners: c.corners.map(|p| [p.x, p.y]) });
            let line = Line { file: &file.to_string_lossy(), codes: codes.collect(), decode_us };
            println!("{}", serde_json::to_string(&line).map_err(CliError::msg)?);
        } else {
            println!("{}: {} code(s) in {decode_us} µs", file.display(), codes.len());
            for c in &codes {
                println!("  {}", c.text);
            }
        }
    }
    Ok(if all_found { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
