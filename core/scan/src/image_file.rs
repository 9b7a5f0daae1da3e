//! Image files (PNG, JPEG, WebP) decoded straight to 8-bit luma, for desktop
//! tools and the photo sweep (apps hand the scanner camera planes instead).
//!
//! A file is a few bytes that can claim any size: a 521 KB PNG unpacks to
//! 512 MB of 16-bit RGBA, an 81 KB one to a 1×16 M pixel column (security
//! review 2, findings 5 and 11). So every image is judged by its header
//! before a pixel is decoded: its pixel count ([`MAX_PIXELS`]), its shape
//! (a side under [`MIN_SIDE`] holds no QR code) and the memory its decoder
//! would take ([`MAX_DECODE_BYTES`], the luma plane included). What is
//! decoded goes to luma as it comes: PNG row by row (16-bit samples cut to
//! their high byte, never a 16-bit or RGBA image), JPEG and lossy WebP as
//! their luma (Y) component alone.

use super::{LumaFrame, MAX_PIXELS, MIN_SIDE, ScanError};
use std::io::Cursor;

/// Most bytes one image's decoding may hold at once, its luma plane
/// included: the 64-megapixel plane and what its decoder needs beside it.
pub const MAX_DECODE_BYTES: u64 = 256 << 20;

/// Most pixels of a WebP image (32 Mpx): its decoder's time per pixel is
/// several times a JPEG's, and the bound on an image is time as well as
/// memory (security review 3; docs/BENCHMARKS.md, "Image bounds").
pub const MAX_WEBP_PIXELS: u64 = 32 << 20;

/// An image file decoded to a luma plane (desktop use).
#[derive(Debug, Clone)]
pub struct DecodedImage {
    /// Pixels, row by row, no padding.
    pub pixels: Vec<u8>,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

/// Why an image file cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Not a PNG, JPEG or WebP, or a broken one.
    #[error("cannot read image: {0}")]
    Decode(String),
    /// Bigger than [`MAX_PIXELS`].
    #[error("image of {0}x{1} is over the 64-megapixel limit")]
    TooLarge(u32, u32),
    /// A side shorter than [`MIN_SIDE`]: no QR code fits in it.
    #[error("image of {0}x{1} is too narrow to hold a QR code (a side under {MIN_SIDE} pixels)")]
    TooNarrow(u32, u32),
    /// Decoding it would take more than [`MAX_DECODE_BYTES`].
    #[error("decoding this {format} image of {width}x{height} would take {} MB, over the {} MB bound",
        bytes >> 20, MAX_DECODE_BYTES >> 20)]
    TooCostly {
        /// The format and its kind (say "progressive JPEG").
        format: &'static str,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// The memory its decoding would take.
        bytes: u64,
    },
}

fn broken(e: impl std::fmt::Display) -> ImageError {
    ImageError::Decode(e.to_string())
}

/// Refuses an image, from its header, unless its pixel count, its shape
/// and the memory its decoder takes beside its luma plane
/// (`decoder_bytes`) are all within bounds.
fn admit(format: &'static str, width: u32, height: u32, decoder_bytes: u64) -> Result<(), ImageError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS as u64 {
        return Err(ImageError::TooLarge(width, height));
    }
    if (width.min(height) as usize) < MIN_SIDE {
        return Err(ImageError::TooNarrow(width, height));
    }
    let bytes = pixels.saturating_add(decoder_bytes);
    if bytes > MAX_DECODE_BYTES {
        return Err(ImageError::TooCostly { format, width, height, bytes });
    }
    Ok(())
}

impl DecodedImage {
    /// Decodes PNG, JPEG or WebP bytes to luma, refusing from its header an
    /// image over [`MAX_PIXELS`], narrower than [`MIN_SIDE`] or whose
    /// decoding would take more than [`MAX_DECODE_BYTES`].
    pub fn decode(bytes: &[u8]) -> Result<DecodedImage, ImageError> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            png_luma(bytes)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            jpeg_luma(bytes)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            webp_luma(bytes)
        } else {
            Err(ImageError::Decode("not a PNG, JPEG or WebP file".into()))
        }
    }

    /// The image as a frame.
    pub fn frame(&self) -> Result<LumaFrame<'_>, ScanError> {
        LumaFrame::new(&self.pixels, self.width, self.height, self.width)
    }
}

/// Luma of an RGB pixel with the Rec. 709 weights the `image` crate uses
/// (within one level of its floating point), so a file reads as it did.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((2126 * u32::from(r) + 7152 * u32::from(g) + 722 * u32::from(b) + 5000) / 10000) as u8
}

/// One row of 8-bit samples (`channels` a pixel: grey, grey and alpha,
/// RGB, RGBA) as luma; alpha is dropped, as the `image` crate does.
fn row_to_luma(row: &[u8], channels: usize, out: &mut [u8]) {
    match channels {
        1 => out.copy_from_slice(&row[..out.len()]),
        2 => out.iter_mut().zip(row.chunks_exact(2)).for_each(|(o, p)| *o = p[0]),
        _ => out.iter_mut().zip(row.chunks_exact(channels)).for_each(|(o, p)| *o = luma(p[0], p[1], p[2])),
    }
}

/// PNG, row by row: the decoder holds two rows of the file's own samples
/// (up to 16-bit RGBA, 8 bytes a pixel) and its inflate window, and each
/// row is cut to 8 bits and made luma as it comes. Interlaced files come
/// pass by pass, each row spread into the plane.
fn png_luma(bytes: &[u8]) -> Result<DecodedImage, ImageError> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits { bytes: usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX) },
    );
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let header = decoder.read_header_info().map_err(broken)?;
    let (width, height) = (header.width, header.height);
    // Rows of up to 8 bytes a pixel: the current and the previous one, a
    // row of output, the row being inflated; and the inflate window.
    admit("PNG", width, height, 4 * u64::from(width) * 8 + (1 << 20))?;
    let mut reader = decoder.read_info().map_err(broken)?;
    let channels = reader.output_color_type().0.samples();
    let (w, h) = (width as usize, height as usize);
    let mut pixels = vec![0u8; w * h];
    let mut pass_row = Vec::new();
    // Rows of a file that is not interlaced come in order.
    let mut y = 0;
    while let Some(row) = reader.next_interlaced_row().map_err(broken)? {
        match *row.interlace() {
            png::InterlaceInfo::Null(_) => {
                let out = pixels.get_mut(y * w..(y + 1) * w).ok_or_else(|| broken("row past the image"))?;
                row_to_luma(row.data(), channels, out);
                y += 1;
            }
            png::InterlaceInfo::Adam7(ref info) => {
                pass_row.resize(row.data().len() / channels, 0);
                row_to_luma(row.data(), channels, &mut pass_row);
                png::expand_interlaced_row(&mut pixels, w, &pass_row, info, 8);
            }
        }
    }
    Ok(DecodedImage { pixels, width: w, height: h })
}

/// JPEG as its luma component alone: zune-jpeg decodes no chroma for it.
/// A progressive file keeps every component's coefficients (two bytes
/// each) until its last scan, so its cost is counted as three full
/// components'.
fn jpeg_luma(bytes: &[u8]) -> Result<DecodedImage, ImageError> {
    use zune_jpeg::zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(broken)?;
    let info = decoder.info().ok_or_else(|| broken("no JPEG header"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let pixels = u64::from(width) * u64::from(height);
    let (format, decoder_bytes) = if !info.sof.is_sequential_dct() {
        ("progressive JPEG", pixels * 2 * u64::from(info.components.max(1)))
    } else {
        // Rows of MCUs (up to 16 pixels tall, each component) and the tables.
        ("JPEG", u64::from(width) * 16 * 4 * u64::from(info.components.max(1)) + (1 << 20))
    };
    admit(format, width, height, decoder_bytes)?;
    let size = decoder.output_buffer_size().ok_or_else(|| broken("no JPEG size"))?;
    let mut out = vec![0u8; size];
    decoder.decode_into(&mut out).map_err(broken)?;
    let (w, h) = (width as usize, height as usize);
    if out.len() != w * h {
        return Err(broken("JPEG luma of the wrong size"));
    }
    Ok(DecodedImage { pixels: out, width: w, height: h })
}

/// The chunks of a WebP file's RIFF container: (fourcc, payload range).
fn riff_chunks(bytes: &[u8]) -> impl Iterator<Item = ([u8; 4], std::ops::Range<usize>)> + '_ {
    let mut at = 12usize;
    std::iter::from_fn(move || {
        let header = bytes.get(at..at.checked_add(8)?)?;
        let fourcc = [header[0], header[1], header[2], header[3]];
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let start = at + 8;
        let end = start.checked_add(len)?;
        bytes.get(start..end)?;
        // Payloads are padded to an even length.
        at = end.checked_add(len & 1)?;
        Some((fourcc, start..end))
    })
}

/// WebP: a lossy still image as its luma (Y) plane, decoded alone (its
/// chroma planes are a quarter each, the Y plane padded to 16-pixel
/// macroblocks); lossless and animated files through image-webp's RGBA
/// decode, whose buffers (up to seven bytes a pixel for lossless without
/// alpha, a canvas and a frame for animations) are counted.
fn webp_luma(bytes: &[u8]) -> Result<DecodedImage, ImageError> {
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(broken)?;
    let (width, height) = decoder.dimensions();
    let (w, h) = (width as usize, height as usize);
    let padded = u64::from(width.next_multiple_of(16)) * u64::from(height.next_multiple_of(16));
    let vp8 = riff_chunks(bytes).find(|(fourcc, _)| fourcc == b"VP8 ").map(|(_, range)| range);
    // WebP decoding is slow for its size (a lossy 8000² file: 3.9 s on
    // this machine), so its pixels are held lower than other formats'.
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_WEBP_PIXELS {
        return Err(ImageError::TooCostly {
            format: "WebP",
            width,
            height,
            bytes: pixels.saturating_mul(3) / 2,
        });
    }
    if let (false, Some(range)) = (decoder.is_animated(), vp8) {
        admit("WebP", width, height, padded * 3 / 2 + (1 << 20))?;
        let frame = image_webp::vp8::Vp8Decoder::decode_frame(Cursor::new(&bytes[range])).map_err(broken)?;
        let stride = usize::from(frame.width).next_multiple_of(16);
        if (usize::from(frame.width), usize::from(frame.height)) != (w, h) || frame.ybuf.len() < stride * h {
            return Err(broken("WebP frame of another size than its header"));
        }
        // VP8's Y is studio range (16-235): stretched as its RGB
        // conversion stretches it (image-webp's fixed point), so a grey
        // file reads the levels its RGB decode shows.
        let full: Vec<u8> =
            (0..=255u32).map(|y| ((((y * 19077) >> 8) as i32 - 1160).max(0) >> 6).min(255) as u8).collect();
        let mut pixels = Vec::with_capacity(w * h);
        for row in frame.ybuf.chunks_exact(stride).take(h) {
            pixels.extend(row[..w].iter().map(|&y| full[usize::from(y)]));
        }
        return Ok(DecodedImage { pixels, width: w, height: h });
    }
    let decoder_bytes = if decoder.is_animated() { 12 * pixels } else { 7 * pixels };
    admit("lossless or animated WebP", width, height, decoder_bytes)?;
    let size = decoder.output_buffer_size().ok_or_else(|| broken("WebP size overflows"))?;
    let channels = if decoder.has_alpha() { 4 } else { 3 };
    let mut rgb = vec![0u8; size];
    decoder.read_image(&mut rgb).map_err(broken)?;
    if rgb.len() != w * h * channels {
        return Err(broken("WebP pixels of the wrong size"));
    }
    // Luma written over the RGB(A) it comes from, then the rest let go.
    for i in 0..w * h {
        let p = &rgb[i * channels..i * channels + 3];
        rgb[i] = luma(p[0], p[1], p[2]);
    }
    rgb.truncate(w * h);
    rgb.shrink_to_fit();
    Ok(DecodedImage { pixels: rgb, width: w, height: h })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `width` × `height` PNG of `colour` at `depth`, its samples from a
    /// seeded generator (palette files get a palette of 256 greys and
    /// colours), interlaced or not.
    fn png_file(colour: png::ColorType, depth: png::BitDepth, interlaced: bool) -> Vec<u8> {
        let (width, height) = (37u32, 23u32);
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(colour);
        encoder.set_depth(depth);
        if colour == png::ColorType::Indexed {
            encoder.set_palette((0..=255u8).flat_map(|i| [i, 255 - i, i / 2]).collect::<Vec<u8>>());
        }
        let mut writer = encoder.write_header().unwrap();
        let bits = colour.samples() * depth as usize;
        let row_bytes = (width as usize * bits).div_ceil(8);
        let mut next = crate::xorshift(0x5EED ^ bits as u64);
        let data: Vec<u8> = (0..row_bytes * height as usize).map(|_| next() as u8).collect();
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
        if interlaced { adam7(&out) } else { out }
    }

    /// The same PNG interlaced (the encoder writes none): its rows split
    /// into Adam7's seven passes, stored in an uncompressed zlib stream.
    fn adam7(file: &[u8]) -> Vec<u8> {
        let mut reader = png::Decoder::new(std::io::Cursor::new(file)).read_info().unwrap();
        let info = reader.info().clone();
        let mut raw = vec![0u8; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut raw).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let bits = info.color_type.samples() * info.bit_depth as usize;
        let line = (w * bits).div_ceil(8);
        let sample = |x: usize, y: usize| -> u64 {
            // The bits of pixel (x, y), high first.
            (0..bits).fold(0, |acc, b| {
                let bit = x * bits + b;
                acc << 1 | u64::from(raw[y * line + bit / 8] >> (7 - bit % 8) & 1)
            })
        };
        let mut stream = Vec::new();
        for (x0, y0, dx, dy) in
            [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        {
            let xs: Vec<usize> = (x0..w).step_by(dx).collect();
            if xs.is_empty() {
                continue;
            }
            for y in (y0..h).step_by(dy) {
                stream.push(0);
                let mut row = vec![0u8; (xs.len() * bits).div_ceil(8)];
                for (i, &x) in xs.iter().enumerate() {
                    let v = sample(x, y);
                    for b in 0..bits {
                        let bit = i * bits + b;
                        row[bit / 8] |= (((v >> (bits - 1 - b)) & 1) as u8) << (7 - bit % 8);
                    }
                }
                stream.extend(row);
            }
        }
        let mut zlib = vec![0x78, 0x01];
        let chunks: Vec<&[u8]> = stream.chunks(65535).collect();
        for (i, c) in chunks.iter().enumerate() {
            zlib.push(u8::from(i + 1 == chunks.len()));
            let n = c.len() as u16;
            zlib.extend(n.to_le_bytes());
            zlib.extend((!n).to_le_bytes());
            zlib.extend_from_slice(c);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &x in &stream {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        zlib.extend((b << 16 | a).to_be_bytes());
        // The file again: IHDR with the interlace flag, PLTE if any, one IDAT.
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            let mut crc = 0xFFFF_FFFFu32;
            for &byte in kind.iter().chain(data) {
                crc ^= u32::from(byte);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 { crc >> 1 ^ 0xEDB8_8320 } else { crc >> 1 };
                }
            }
            c.extend((!crc).to_be_bytes());
            c
        };
        let mut ihdr = file[16..29].to_vec();
        ihdr[12] = 1;
        let mut out = file[..8].to_vec();
        out.extend(chunk(b"IHDR", &ihdr));
        if let Some(palette) = &info.palette {
            out.extend(chunk(b"PLTE", palette));
        }
        out.extend(chunk(b"IDAT", &zlib));
        out.extend(chunk(b"IEND", b""));
        out
    }

    /// Every PNG colour type and depth, interlaced or not, decodes to the
    /// luma the `image` crate gives, within one level.
    #[test]
    fn pngs_of_every_kind_decode_as_the_image_crate_does() {
        use png::{BitDepth::*, ColorType::*};
        let kinds = [
            (Grayscale, One),
            (Grayscale, Four),
            (Grayscale, Eight),
            (Grayscale, Sixteen),
            (GrayscaleAlpha, Eight),
            (GrayscaleAlpha, Sixteen),
            (Rgb, Eight),
            (Rgb, Sixteen),
            (Rgba, Eight),
            (Rgba, Sixteen),
            (Indexed, Two),
            (Indexed, Eight),
        ];
        for (colour, depth) in kinds {
            for interlaced in [false, true] {
                let file = png_file(colour, depth, interlaced);
                let ours = DecodedImage::decode(&file).unwrap();
                let theirs = image::load_from_memory(&file).unwrap().into_luma8();
                assert_eq!((ours.width, ours.height), (37, 23));
                // 16-bit samples are cut to their high byte here, rounded
                // there; colours' luma is rounded in floating point there.
                let slack = u8::from(depth == Sixteen || !matches!(colour, Grayscale | GrayscaleAlpha));
                for (i, (&a, &b)) in ours.pixels.iter().zip(theirs.as_raw()).enumerate() {
                    assert!(
                        a.abs_diff(b) <= slack,
                        "{colour:?} {depth:?} interlaced {interlaced}: pixel {i}: {a} {b}"
                    );
                }
            }
        }
    }

    /// A JPEG decodes to its luma component: a grey one to the grey the
    /// `image` crate decodes, a colour one to Rec. 601 luma of its RGB.
    #[test]
    fn a_jpeg_decodes_to_its_luma_component() {
        let (width, height) = (64u32, 48u32);
        let mut next = crate::xorshift(41);
        // Smooth colours (JPEG keeps them), with a little noise.
        let rgb: Vec<u8> = (0..width * height)
            .flat_map(|i| {
                let (x, y) = (i % width, i / width);
                [(x * 4) as u8, (y * 5) as u8, (128 + x + y) as u8]
                    .map(|v| v.saturating_add((next() % 4) as u8))
            })
            .collect();
        let grey: Vec<u8> = rgb.chunks_exact(3).map(|p| p[1]).collect();
        for (pixels, colour) in
            [(&grey, image::ExtendedColorType::L8), (&rgb, image::ExtendedColorType::Rgb8)]
        {
            let mut file = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, 95)
                .encode(pixels, width, height, colour)
                .unwrap();
            let ours = DecodedImage::decode(&file).unwrap();
            let theirs = image::load_from_memory(&file).unwrap().into_rgb8();
            assert_eq!((ours.width, ours.height), (64, 48));
            for (&y, p) in ours.pixels.iter().zip(theirs.pixels()) {
                let [r, g, b] = p.0.map(f64::from);
                let bt601 = 0.299 * r + 0.587 * g + 0.114 * b;
                assert!((f64::from(y) - bt601).abs() <= 2.0, "{colour:?}: {y} against {bt601:.1}");
            }
        }
    }

    /// A lossless WebP decodes as the `image` crate decodes it; a lossy one
    /// (the committed fixture, made by cwebp from `clean.png`) to its Y
    /// plane in full range, which the luma of its RGB decode follows within
    /// a level or two (its chroma is not quite grey), and its code reads.
    #[test]
    fn webp_decodes_lossless_and_lossy() {
        let (width, height) = (40u32, 30u32);
        let mut next = crate::xorshift(43);
        let rgba: Vec<u8> = (0..width * height * 4).map(|_| next() as u8).collect();
        let mut file = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut file)
            .encode(&rgba, width, height, image::ExtendedColorType::Rgba8)
            .unwrap();
        let ours = DecodedImage::decode(&file).unwrap();
        let theirs = image::load_from_memory(&file).unwrap().into_luma8();
        assert!(ours.pixels.iter().zip(theirs.as_raw()).all(|(&a, &b)| a.abs_diff(b) <= 1));

        let dir = genuine_tests::repo_root().join("tests/fixtures/scan");
        let file = std::fs::read(dir.join("clean.webp")).unwrap();
        let ours = DecodedImage::decode(&file).unwrap();
        let theirs = image::load_from_memory(&file).unwrap().into_luma8();
        assert_eq!((ours.width, ours.height), (theirs.width() as usize, theirs.height() as usize));
        let off: u64 = ours.pixels.iter().zip(theirs.as_raw()).map(|(&a, &b)| u64::from(a.abs_diff(b))).sum();
        assert!(
            off <= 2 * ours.pixels.len() as u64,
            "a mean difference of {} levels",
            off as f64 / ours.pixels.len() as f64
        );
        let codes = crate::scan(&ours.frame().unwrap());
        let meta = std::fs::read_to_string(dir.join("clean.json")).unwrap();
        assert!(codes.len() == 1 && meta.contains(&codes[0].text), "{codes:?}");
    }

    /// Sizes come from the header: an image over the pixel cap, or too
    /// narrow, is refused before its pixels are read (here there are none).
    #[test]
    fn a_header_alone_decides_the_size() {
        let header = |w: u32, h: u32| {
            let mut out = Vec::new();
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Sixteen);
            drop(encoder.write_header().unwrap());
            // Cut after IHDR: no pixel data at all.
            out.truncate(8 + 25);
            out
        };
        assert!(matches!(DecodedImage::decode(&header(8193, 8193)), Err(ImageError::TooLarge(8193, 8193))));
        assert!(matches!(
            DecodedImage::decode(&header(20, 100_000)),
            Err(ImageError::TooNarrow(20, 100_000))
        ));
        assert!(matches!(DecodedImage::decode(&header(100, 100)), Err(ImageError::Decode(_))));
        // A lossy WebP's header: VP8 frame tag, start code, 14-bit sides.
        let webp = |w: u16, h: u16| {
            let mut vp8 = vec![0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a];
            vp8.extend(w.to_le_bytes());
            vp8.extend(h.to_le_bytes());
            vp8.extend([0u8; 20]);
            let mut out = b"RIFF".to_vec();
            out.extend((4 + 8 + vp8.len() as u32).to_le_bytes());
            out.extend(b"WEBPVP8 ");
            out.extend((vp8.len() as u32).to_le_bytes());
            out.extend(vp8);
            out
        };
        assert!(matches!(
            DecodedImage::decode(&webp(8000, 8000)),
            Err(ImageError::TooCostly { format: "WebP", width: 8000, height: 8000, .. })
        ));
        assert!(matches!(DecodedImage::decode(&webp(100, 100)), Err(ImageError::Decode(_))));
        for junk in [&b""[..], b"\xFF\xD8\xFF", b"RIFF\0\0\0\0WEBP", b"GIF89a"] {
            assert!(matches!(DecodedImage::decode(junk), Err(ImageError::Decode(_))), "{junk:?}");
        }
    }
}
