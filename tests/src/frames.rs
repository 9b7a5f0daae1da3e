//! A camera-frame generator: full-size luma frames with one printed code,
//! as a phone sees a box on a shelf — perspective, blur, shading, glare,
//! noise, low contrast, light-on-dark print and JPEG loss. Deterministic for
//! a given seed, so tests and benchmarks can share frames.

use genuine_issuer::render::render_luma;
use genuine_scan::Homography;

/// One way a frame can be hard to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distortion {
    /// A straight-on, well lit code.
    Clean,
    /// Tilted: the code's corners are moved independently.
    Perspective,
    /// Out of focus: a box blur.
    Blur,
    /// A strong light gradient across the frame.
    Shading,
    /// A bright specular blob over part of the code.
    Glare,
    /// Sensor noise.
    Noise,
    /// Grey on grey.
    LowContrast,
    /// Light modules printed on a dark background.
    Inverted,
    /// Heavy JPEG compression.
    Jpeg,
}

impl Distortion {
    /// Every class.
    pub const ALL: [Distortion; 9] = [
        Distortion::Clean,
        Distortion::Perspective,
        Distortion::Blur,
        Distortion::Shading,
        Distortion::Glare,
        Distortion::Noise,
        Distortion::LowContrast,
        Distortion::Inverted,
        Distortion::Jpeg,
    ];

    /// A file-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            Distortion::Clean => "clean",
            Distortion::Perspective => "perspective",
            Distortion::Blur => "blur",
            Distortion::Shading => "shading",
            Distortion::Glare => "glare",
            Distortion::Noise => "noise",
            Distortion::LowContrast => "low-contrast",
            Distortion::Inverted => "inverted",
            Distortion::Jpeg => "jpeg",
        }
    }
}

/// A tiny deterministic PRNG (xorshift64*), so frames need no crate.
pub struct Rand(u64);

impl Rand {
    /// Seeded.
    pub fn new(seed: u64) -> Rand {
        Rand(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// A placed code: its text and the four corners (TL, TR, BR, BL) of its
/// symbol, quiet zone excluded, in frame pixels.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The text.
    pub text: String,
    /// Corners.
    pub corners: [(f64, f64); 4],
}

/// A generated frame.
pub struct Frame {
    /// Luma, `width * height`, no padding.
    pub pixels: Vec<u8>,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
    /// The codes in it.
    pub codes: Vec<Placed>,
}

/// Draws `text` as a QR symbol into `frame` over the quad `corners`
/// (symbol corners, quiet zone outside), 2x2 supersampled.
pub fn draw_code(frame: &mut Frame, text: &str, corners: [(f64, f64); 4], ink: u8, paper: u8) {
    let sym = render_luma(text, 1).expect("code renders");
    let n = sym.size - 8; // modules, without the 4-module quiet zone on each side
    let inv = Homography::square_to_quad(corners).inverse();
    // Paper covers the quiet zone too: widen the drawn area by 4 modules.
    let q = 4.0 / n as f64;
    let (min_x, max_x) = corners.iter().fold((f64::MAX, f64::MIN), |a, c| (a.0.min(c.0), a.1.max(c.0)));
    let (min_y, max_y) = corners.iter().fold((f64::MAX, f64::MIN), |a, c| (a.0.min(c.1), a.1.max(c.1)));
    let pad = (max_x - min_x).max(max_y - min_y) * q * 1.5;
    let x0 = (min_x - pad).max(0.0) as usize;
    let y0 = (min_y - pad).max(0.0) as usize;
    let x1 = ((max_x + pad) as usize).min(frame.width);
    let y1 = ((max_y + pad) as usize).min(frame.height);
    for y in y0..y1 {
        for x in x0..x1 {
            let mut acc = 0u32;
            let mut inside = 0;
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let (px, py) = (x as f64 + sx, y as f64 + sy);
                let (u, v) = inv.map((px, py));
                if u < -q || v < -q || u >= 1.0 + q || v >= 1.0 + q {
                    continue;
                }
                inside += 1;
                let (mx, my) = ((u * n as f64).floor() as i64 + 4, (v * n as f64).floor() as i64 + 4);
                let dark = (0..sym.size as i64).contains(&mx)
                    && (0..sym.size as i64).contains(&my)
                    && sym.pixels[my as usize * sym.size + mx as usize] == 0;
                acc += u32::from(if dark { ink } else { paper });
            }
            if inside > 0 {
                let old = u32::from(frame.pixels[y * frame.width + x]) * (4 - inside);
                frame.pixels[y * frame.width + x] = ((acc + old) / 4) as u8;
            }
        }
    }
    frame.codes.push(Placed { text: text.to_string(), corners });
}

/// A frame of `width` x `height` with `text` printed at about `size` pixels,
/// under one distortion.
pub fn frame(text: &str, distortion: Distortion, width: usize, height: usize, size: f64, seed: u64) -> Frame {
    let mut rng = Rand::new(seed);
    // Background: a lit surface with a soft gradient and texture.
    let (bg_ink, bg) = if distortion == Distortion::Inverted { (225u8, 40u8) } else { (20u8, 200u8) };
    let mut f = Frame { pixels: vec![bg; width * height], width, height, codes: Vec::new() };
    for y in 0..height {
        for x in 0..width {
            let t = (x as f64 / width as f64 + y as f64 / height as f64) * 10.0 + rng.range(-4.0, 4.0);
            let p = &mut f.pixels[y * width + x];
            *p = (f64::from(*p) + t).clamp(0.0, 255.0) as u8;
        }
    }
    let (cx, cy) = (width as f64 * rng.range(0.35, 0.65), height as f64 * rng.range(0.35, 0.65));
    let angle = rng.range(-0.4, 0.4);
    let half = size / 2.0;
    let mut corners = [(-half, -half), (half, -half), (half, half), (-half, half)]
        .map(|(x, y)| (cx + x * angle.cos() - y * angle.sin(), cy + x * angle.sin() + y * angle.cos()));
    if distortion == Distortion::Perspective {
        for c in &mut corners {
            c.0 += rng.range(-0.18, 0.18) * size;
            c.1 += rng.range(-0.18, 0.18) * size;
        }
    }
    let (ink, paper) = match distortion {
        Distortion::LowContrast => (110, 150),
        Distortion::Inverted => (bg_ink, 30),
        _ => (25, 235),
    };
    draw_code(&mut f, text, corners, ink, paper);
    apply(&mut f, distortion, &mut rng);
    f
}

fn apply(f: &mut Frame, distortion: Distortion, rng: &mut Rand) {
    let (w, h) = (f.width, f.height);
    match distortion {
        Distortion::Blur => {
            let r = 2;
            for _ in 0..2 {
                let src = f.pixels.clone();
                for y in 0..h {
                    for x in 0..w {
                        let (xa, xb, ya, yb) = (
                            x.saturating_sub(r),
                            (x + r + 1).min(w),
                            y.saturating_sub(r),
                            (y + r + 1).min(h),
                        );
                        let mut s = 0u32;
                        for yy in ya..yb {
                            s += src[yy * w + xa..yy * w + xb].iter().map(|&p| u32::from(p)).sum::<u32>();
                        }
                        f.pixels[y * w + x] = (s / ((xb - xa) * (yb - ya)) as u32) as u8;
                    }
                }
            }
        }
        Distortion::Shading => {
            let dir = rng.range(0.0, std::f64::consts::TAU);
            for y in 0..h {
                for x in 0..w {
                    let t = ((x as f64 / w as f64 - 0.5) * dir.cos()
                        + (y as f64 / h as f64 - 0.5) * dir.sin())
                        + 0.5;
                    let k = 0.25 + 0.75 * t.clamp(0.0, 1.0);
                    f.pixels[y * w + x] = (f64::from(f.pixels[y * w + x]) * k) as u8;
                }
            }
        }
        Distortion::Glare => {
            let c = f.codes[0].corners;
            let (gx, gy) = (
                (c[0].0 + c[2].0) / 2.0 + rng.range(-30.0, 30.0),
                (c[0].1 + c[2].1) / 2.0 + rng.range(-30.0, 30.0),
            );
            let r = (c[1].0 - c[0].0).abs().max(40.0) * 0.3;
            for y in 0..h {
                for x in 0..w {
                    let d2 = ((x as f64 - gx).powi(2) + (y as f64 - gy).powi(2)) / (r * r);
                    let add = 140.0 * (-d2).exp();
                    f.pixels[y * w + x] = (f64::from(f.pixels[y * w + x]) + add).min(255.0) as u8;
                }
            }
        }
        Distortion::Noise => {
            for p in &mut f.pixels {
                let n = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 50.0;
                *p = (f64::from(*p) + n).clamp(0.0, 255.0) as u8;
            }
        }
        Distortion::Jpeg => {
            let img = image::GrayImage::from_raw(w as u32, h as u32, f.pixels.clone()).expect("frame size");
            let mut out = Vec::new();
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 20);
            img.write_with_encoder(enc).expect("jpeg encode");
            f.pixels = image::load_from_memory(&out).expect("jpeg decode").into_luma8().into_raw();
        }
        Distortion::Clean | Distortion::Perspective | Distortion::LowContrast | Distortion::Inverted => {}
    }
}

/// Frame `i` of `per_class` of one distortion class, as the scanner
/// benchmark makes them (`make-frames`): code `sample_code(i)`, from a
/// quarter to half of the frame's height as held at arm's length, seeded by
/// `i` and the class. Returns the frame and the code's text.
pub fn benchmark_frame(
    distortion: Distortion,
    i: u64,
    per_class: u64,
    width: usize,
    height: usize,
) -> (Frame, String) {
    let text = sample_code(i);
    let size = height as f64 * (0.25 + 0.25 * (i as f64 / per_class.max(1) as f64));
    (frame(&text, distortion, width, height, size, i * 31 + distortion as u64), text)
}

/// A ~150-character code of our real shape (QR version 8), varied by `i`.
pub fn sample_code(i: u64) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = Rand::new(i + 1000);
    let serial: String = (0..10)
        .map(|_| genuine_issuer::authority::SERIAL_ALPHABET[(rng.unit() * 32.0) as usize] as char)
        .collect();
    let sig: String = (0..90).map(|_| B64[(rng.unit() * 64.0) as usize] as char).collect();
    format!("https://id.acme.example/01/09506000134352/21/{serial}?sig={sig}")
}

/// The worst case for the crowded-frame search: an `n` x `n` array of fake
/// symbols, each three finder patterns where a version-1 code has them (and
/// no data), so every tile looks like a code's corners.
pub fn finder_tiles(n: usize, width: usize, height: usize) -> Frame {
    let module = (width.min(height) / (n * 29)).max(1);
    let mut f = Frame { pixels: vec![255u8; width * height], width, height, codes: Vec::new() };
    for ty in 0..n {
        for tx in 0..n {
            let (ox, oy) = (module * (4 + tx * 29), module * (4 + ty * 29));
            for (fx, fy) in [(0, 0), (14, 0), (0, 14)] {
                draw_finder(&mut f, ox + fx * module, oy + fy * module, module, 0);
            }
        }
    }
    f
}

/// `n` finder patterns of one size at random places (the census and the
/// region search see few symbol-shaped triples, the decoders' own finders
/// may see many).
pub fn finder_scatter(n: usize, width: usize, height: usize, seed: u64) -> Frame {
    let module = (width.min(height) / 120).max(1);
    let mut rng = Rand::new(seed);
    let mut f = Frame { pixels: vec![255u8; width * height], width, height, codes: Vec::new() };
    let span = |side: usize| (side.saturating_sub(8 * module)) as f64;
    for _ in 0..n {
        let (x, y) = (rng.range(0.0, span(width)) as usize, rng.range(0.0, span(height)) as usize);
        draw_finder(&mut f, x, y, module, 0);
    }
    f
}

/// One finder pattern (7x7 modules) with its top-left at (x, y): its outer
/// ring and 3x3 centre in `ink`, its inner ring left as the frame was.
pub fn draw_finder(f: &mut Frame, x: usize, y: usize, module: usize, ink: u8) {
    for my in 0..7 {
        for mx in 0..7 {
            // Distance from the pattern's edge: 0 the dark ring, 1 the light ring, 2+ the centre.
            if mx.min(my).min(6 - mx).min(6 - my) == 1 {
                continue;
            }
            for py in y + my * module..(y + (my + 1) * module).min(f.height) {
                for px in x + mx * module..(x + (mx + 1) * module).min(f.width) {
                    f.pixels[py * f.width + px] = ink;
                }
            }
        }
    }
}

/// A crafted frame (security review finding 6): an `n` x `n` grid of QR
/// finder patterns (7x7 modules: a dark ring, a light ring, a 3x3 centre),
/// one module apart, drawn as large as fits a `width` x `height` white frame.
/// Every three neighbours look like a QR code's corners to a decoder.
pub fn finder_grid(n: usize, width: usize, height: usize) -> Frame {
    let module = (width.min(height) / (n * 8 + 2)).max(1);
    let mut f = Frame { pixels: vec![255u8; width * height], width, height, codes: Vec::new() };
    for gy in 0..n {
        for gx in 0..n {
            draw_finder(&mut f, module * (1 + gx * 8), module * (1 + gy * 8), module, 0);
        }
    }
    f
}

/// A `scan_luma` fuzz input as the fuzz target reads it (width, height and
/// row padding from the first six bytes, modulo its bounds), as a frame:
/// how a slow input the fuzzer found is replayed.
pub fn fuzz_frame(data: &[u8]) -> Option<Frame> {
    let le = |i: usize| Some(usize::from(u16::from_le_bytes([*data.get(i)?, *data.get(i + 1)?])));
    if le(0)? >= 0xF000 {
        // A long, thin frame: the input's pixels repeated.
        let (short, long) = ((le(0)? & 0x3F) + 1, le(2)? * 64);
        let (width, height) = if le(0)? & 0x40 == 0 { (short, long) } else { (long, short) };
        let pixels = data.get(6..).filter(|p| !p.is_empty())?.iter().copied().cycle().take(width * height);
        return Some(Frame { pixels: pixels.collect(), width, height, codes: Vec::new() });
    }
    let (width, height) = (le(0)? % 300, le(2)? % 300);
    let stride = width + le(4)? % 64;
    let pixels = data.get(6..)?;
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        out.extend_from_slice(pixels.get(y * stride..y * stride + width)?);
    }
    Some(Frame { pixels: out, width, height, codes: Vec::new() })
}

/// A crafted frame (security review 2, finding 11): `n` fake symbols, each
/// three finder patterns of `module` pixels in an L, 14 modules apart, with
/// random modules between them and no separators, at random places a
/// quarter pixel apart (drawn four times as large and box-averaged, as a
/// camera or a downscale blurs their edges), on white. The census's
/// local-mean threshold takes the grey edge pixels for ink and sees few of
/// the finders; rxing's block threshold sees them all, and its multi
/// reader tries to decode every plausible triple of them.
pub fn fake_symbols(n: usize, module: usize, width: usize, height: usize, seed: u64) -> Frame {
    const UP: usize = 4;
    let (bw, bh, m) = (width * UP, height * UP, module * UP);
    let mut big = Frame { pixels: vec![255u8; bw * bh], width: bw, height: bh, codes: Vec::new() };
    let mut rng = Rand::new(seed);
    let side = 21 * m;
    let mut placed: Vec<(usize, usize)> = Vec::new();
    for _ in 0..n * 50 {
        if placed.len() == n || bw <= side + m || bh <= side + m {
            break;
        }
        let x = rng.range(0.0, (bw - side - m) as f64) as usize;
        let y = rng.range(0.0, (bh - side - m) as f64) as usize;
        if placed.iter().any(|&(px, py)| x.abs_diff(px) < side + m && y.abs_diff(py) < side + m) {
            continue;
        }
        placed.push((x, y));
        for (fx, fy) in [(0, 0), (14, 0), (0, 14)] {
            draw_finder(&mut big, x + fx * m, y + fy * m, m, 0);
        }
        for my in 8..21 {
            for mx in 8..21 {
                if rng.unit() < 0.5 {
                    for py in y + my * m..y + (my + 1) * m {
                        big.pixels[py * bw + x + mx * m..py * bw + x + (mx + 1) * m].fill(0);
                    }
                }
            }
        }
    }
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            let sum: u32 =
                (0..UP * UP).map(|i| u32::from(big.pixels[(y * UP + i / UP) * bw + x * UP + i % UP])).sum();
            pixels.push((sum / (UP * UP) as u32) as u8);
        }
    }
    Frame { pixels, width, height, codes: Vec::new() }
}
