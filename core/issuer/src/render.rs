//! Rendering codes for print: a QR symbol as luma pixels, PNG or SVG.
//!
//! Level M error correction: the budget in FORMAT.md (QR version 8 for a
//! 152-character code) is computed for it.

use qrcode::{Color, EcLevel, QrCode};

/// Why a text cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot make a QR code: {0}")]
pub struct RenderError(String);

/// A rendered symbol: one byte per pixel, 0 black, 255 white, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaImage {
    /// Pixels, row by row.
    pub pixels: Vec<u8>,
    /// Width = height, in pixels.
    pub size: usize,
    /// QR version used.
    pub version: i16,
}

fn symbol(text: &str) -> Result<QrCode, RenderError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| RenderError(e.to_string()))
}

/// Renders `text` with `module` pixels per module and the standard 4-module quiet zone.
pub fn render_luma(text: &str, module: usize) -> Result<LumaImage, RenderError> {
    let code = symbol(text)?;
    let modules = code.width();
    let module = module.max(1);
    let size = (modules + 8) * module;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; size * size];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (i % modules + 4, i / modules + 4);
            for y in my * module..(my + 1) * module {
                pixels[y * size + mx * module..y * size + (mx + 1) * module].fill(0);
            }
        }
    }
    let version = match code.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
    };
    Ok(LumaImage { pixels, size, version })
}

/// Renders `text` as an SVG document.
pub fn render_svg(text: &str) -> Result<String, RenderError> {
    Ok(symbol(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// Encodes 8-bit luma pixels as a PNG file.
#[cfg(feature = "images")]
pub fn png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, RenderError> {
    let img = image::GrayImage::from_raw(width, height, pixels.to_vec())
        .ok_or_else(|| RenderError("pixel buffer does not match the size".into()))?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| RenderError(e.to_string()))?;
    Ok(out.into_inner())
}
