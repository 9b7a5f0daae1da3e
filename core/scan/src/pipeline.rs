//! The scanning pipeline around rqrr: cheap tries first, each one a
//! binarisation or scale that the real photos showed rqrr needs, stopping at
//! the first that reads a code. Every rqrr call is behind `catch_unwind`
//! because rqrr 0.11 panics inside `detect_grids` on some images
//! (WanzenBug/rqrr#54).

use super::binarize::{Integral, local_radius, otsu};
use super::finders::{self, Region};
use super::outlines;
use super::{LumaFrame, MIN_SIDE, Point, ScannedCode, contained};
use crate::ScanWork;
use std::cell::Cell;

/// Prepares an rqrr image, detects and decodes every grid in it and maps
/// corners back to the frame, all with panics contained. A macro because
/// rqrr's image buffer type is not exported, so no function can take a
/// prepared image.
macro_rules! contained_decode {
    ($prepare:expr, $map:expr, $budget:expr) => {
        contained_decode!($prepare, $map, $budget, crate::grid::decode_fitted)
    };
    ($prepare:expr, $map:expr, $budget:expr, $decode:path) => {{
        contained(|| {
            let mut img = $prepare;
            let mut found = Vec::new();
            let budget: &Cell<u64> = $budget;
            let mut left = budget.get();
            // Counted as all spent until rqrr returns: if it panics (contained
            // below), no later try of this frame gets a fresh budget.
            budget.set(0);
            let grids = img.detect_grids_within(&mut left);
            budget.set(left);
            for grid in grids {
                if let Some((bytes, text)) = $decode(&grid) {
                    found.push(ScannedCode { text, bytes, corners: grid.bounds.map($map) });
                }
            }
            found
        })
    }};
}

/// Frames whose short side is above this are downscaled by an integer
/// factor first: rqrr costs ~10 ns a pixel, and a code that fills a useful
/// part of a camera frame keeps enough pixels per module.
const WORK_SHORT_SIDE: usize = 720;
/// A live frame's work image is at most about this tall, and at least
/// halved from 720p up: a 1080p frame is scanned at 960×540, a 720p one at
/// 640×360, a quarter of their pixels, which also averages away the sensor
/// noise that makes the census chase runs. Codes too small for that are the
/// full-size census's (see `scan_small`).
const LIVE_SHORT_SIDE: usize = 540;
/// Frames from this short side up are scanned smaller when live.
const LIVE_HALVED_FROM: usize = 720;
/// Most pixels in a work image (a photo's 1080p frame, 2.07 Mpx, is
/// scanned whole): a frame whose work image would be larger (a long, thin
/// one, whose short side sets the scale) is scanned smaller, so that every
/// pass's work is bounded whatever the frame's shape. (The summed-area
/// table's u32 sums would allow 16 Mpx: 255 * 2^24 < 2^32.)
pub const MAX_WORK_PIXELS: usize = 1 << 21;
/// Images whose short side is below this also get a 2x upscaled try: rqrr
/// samples modules badly when they are only 2-4 pixels wide.
const UPSCALE_BELOW: usize = 640;
/// rqrr's grid fitting per frame, in cell samples, shared by all its passes
/// (vendor/rqrr/PATCHED.md). rqrr fits a grid to every plausible capstone
/// triple; a crafted frame full of capstone-like patterns would otherwise
/// cost seconds (fuzzing found a 162×162 frame at 130 ms). About 25 ms of
/// fitting in a release build: a dozen tries of a small code, or a
/// version-40 code and its decoys.
pub const FIT_BUDGET: u64 = 250_000;

/// A reusable scanner: holds the scratch buffers so a camera loop does not
/// allocate its own per frame (rqrr still allocates its image inside).
#[derive(Debug, Default)]
pub struct Scanner {
    engine: Engine,
    effort: Effort,
    work: Vec<u8>,
    /// Frame pixels per pixel of the last work image (`integral` is its table).
    work_scale: usize,
    /// The finder candidates its census saw.
    work_candidates: Vec<finders::Candidate>,
    row_sums: Vec<u32>,
    #[cfg(feature = "rxing")]
    inverted: Vec<u8>,
    /// The work image thresholded at its local mean, for rxing.
    #[cfg(feature = "rxing")]
    binary: Vec<u8>,
    /// One row of `binary` as the census marks it (1 for dark).
    #[cfg(feature = "rxing")]
    line: Vec<u8>,
    integral: Integral,
    crop: Vec<u8>,
    census: finders::CensusScratch,
    /// Live: where the last frame's codes were read at full size (a code
    /// still small in view), for the next frame to try first.
    hint: Option<Hint>,
    /// The finders the full-size census already found in the region about
    /// to be decoded, in its pixels: its census is not run again.
    found_in_region: Option<Vec<finders::Candidate>>,
}

/// A region of the last live frame, in its pixels, that held a code read at
/// full size: the next frame (33 ms later) most likely shows it there still.
#[derive(Debug, Clone, Copy)]
struct Hint {
    region: Region,
    /// The frame's size: a hint is never used on a frame of another size.
    frame: (usize, usize),
}

/// How hard a [`Scanner`] tries on a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Effort {
    /// Camera frames, 30 a second, most with no readable code: scanned
    /// smaller first (720p and 1080p halved), where a frame in
    /// which the finder census (of every other row) sees no symbol's finder
    /// patterns gets no decoder call there (the next frame comes in 33 ms).
    /// A frame that did not read gets a census at full size (one row in
    /// three, thresholded by blocks) for a code still small in view, and
    /// the region two finders mark, if any, is decoded at full size.
    Live,
    /// Photos and files: every decoder and threshold is tried, whatever the
    /// census saw.
    #[default]
    Photo,
}

/// Which decoders a [`Scanner`] runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// The finders' outlines, rxing (when built with the `rxing` feature),
    /// then the rqrr pipeline.
    #[default]
    Full,
    /// The finders' outlines and the rqrr pipeline, without rxing's reader.
    RqrrPipeline,
    /// Only rxing (nothing without the `rxing` feature).
    Rxing,
}

impl Engine {
    /// Whether rxing's reader runs (it is built in and the engine uses it).
    fn uses_rxing(self) -> bool {
        cfg!(feature = "rxing") && self != Engine::RqrrPipeline
    }
}

/// A contiguous grey image, with the scale back to frame coordinates.
struct Work<'a> {
    pixels: &'a [u8],
    width: usize,
    height: usize,
    /// Frame pixels per work pixel.
    scale: usize,
    /// What is left of the frame's [`FIT_BUDGET`].
    fits: &'a Cell<u64>,
    /// The decoders it is given.
    passes: Passes,
}

/// Which decoders a work image is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Passes {
    /// How many of rxing's passes, at most (as the [`Engine`] allows).
    rxing: usize,
    /// rqrr's passes after them (as the [`Engine`] allows).
    rqrr: bool,
}

impl Passes {
    /// Every decoder: photos, and live frames scanned at full size.
    const ALL: Passes = Passes { rxing: usize::MAX, rqrr: true };
    /// rxing's, for a live frame's work image, and for the regions a
    /// closer look at full size finds (see `scan_small`).
    const RXING: Passes = Passes { rxing: usize::MAX, rqrr: false };
    /// rqrr's alone, for a live frame's work image in which rxing read
    /// nothing and no closer region was seen.
    const RQRR: Passes = Passes { rxing: 0, rqrr: true };
    /// The one rxing pass the census calls for (a hinted region: a try
    /// that must cost little when the code has gone, for the usual way
    /// still follows).
    const HINT: Passes = Passes { rxing: 1, rqrr: false };
}

impl Work<'_> {
    /// A code found in the work image, in frame pixels.
    #[cfg_attr(not(feature = "rxing"), allow(dead_code))]
    fn code_to_frame(&self, mut code: ScannedCode) -> ScannedCode {
        let s = self.scale as i32;
        code.corners = code.corners.map(|p| Point { x: p.x * s, y: p.y * s });
        code
    }

    /// A point of an image `up` times the work image's size, in frame pixels.
    fn to_frame(&self, p: rqrr::Point, up: usize) -> Point {
        let f = |v: i32| (i64::from(v) * self.scale as i64 / up as i64) as i32;
        Point { x: f(p.x), y: f(p.y) }
    }
}

impl Scanner {
    /// A scanner with empty buffers, running every decoder.
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// A scanner running only the decoders of `engine` (for measuring them).
    #[cfg(feature = "compare")]
    pub fn with_engine(engine: Engine) -> Scanner {
        Scanner { engine, ..Scanner::default() }
    }

    /// A scanner that tries this hard on every frame.
    pub fn with_effort(effort: Effort) -> Scanner {
        Scanner { effort, ..Scanner::default() }
    }

    /// Tries this hard from the next frame on.
    pub fn set_effort(&mut self, effort: Effort) {
        self.effort = effort;
    }

    /// Finds and decodes every QR code in a frame.
    pub fn scan(&mut self, frame: &LumaFrame<'_>) -> Vec<ScannedCode> {
        self.scan_counted(frame).0
    }

    /// [`Scanner::scan`], with the work it did: the bound on that work is
    /// what keeps a crafted frame from hanging the app (see [`limits`](crate::limits)).
    pub fn scan_counted(&mut self, frame: &LumaFrame<'_>) -> (Vec<ScannedCode>, ScanWork) {
        let mut count = ScanWork::default();
        let found = self.scan_work(frame, &mut count);
        (found, count)
    }

    fn scan_work(&mut self, frame: &LumaFrame<'_>, count: &mut ScanWork) -> Vec<ScannedCode> {
        let short = frame.width().min(frame.height());
        let photo = (short / WORK_SHORT_SIDE).max(1);
        let live = live_scale(short);
        // A frame too narrow, or too long and thin, to leave a work image
        // that could hold a symbol: nothing to read, nothing to do.
        let first = if self.effort == Effort::Live { live } else { photo };
        if short < MIN_SIDE || work_shape(frame.width(), frame.height(), first).is_none() {
            return Vec::new();
        }
        // One budget of rqrr fitting for the frame, however many passes.
        let fits = Cell::new(FIT_BUDGET);
        let found = match self.effort {
            Effort::Photo => self.scan_at(frame, photo, &fits, count, Passes::ALL),
            Effort::Live => {
                // A crowded hinted region (a crafted frame) ends the frame
                // there: the next one has no hint.
                let hinted = self.scan_hint(frame, live, &fits, count);
                count.hinted = !hinted.is_empty();
                if !hinted.is_empty() || count.crowded {
                    hinted
                } else if live == photo {
                    self.scan_at(frame, live, &fits, count, Passes::ALL)
                } else {
                    // A frame scanned smaller: rxing there first. Then, for
                    // finders of small modules, a closer look at full size,
                    // which costs less than rqrr's passes on the whole work
                    // image and sees the modules twice as wide (720p: a
                    // low-contrast frame 24 ms -> 4, a tilted one 28 -> 15),
                    // and rqrr on the work image only if no region is seen;
                    // for larger ones the closer look too (a steeply tilted
                    // code's far finder shows only at full size: 720p, 7.8×
                    // zxing-cpp -> 3.3×), then rqrr on the work image if it
                    // did not read (the region may cut a tilted code's far
                    // corner: two 1080p reads depend on it).
                    let found = self.scan_at(frame, live, &fits, count, Passes::RXING);
                    if !found.is_empty() || count.crowded {
                        found
                    } else if finders::large_modules(&self.work_candidates) {
                        match self.scan_small(frame, &fits, count) {
                            Some(found) if !found.is_empty() => found,
                            _ => self.rqrr_on_work(&fits, count),
                        }
                    } else {
                        match self.scan_small(frame, &fits, count) {
                            Some(found) => found,
                            None => self.rqrr_on_work(&fits, count),
                        }
                    }
                }
            }
        };
        count.fit_samples = FIT_BUDGET - fits.get();
        found
    }

    /// A live frame after one whose small code was read at full size: the
    /// region it was read in, grown by half its size on each side (a hand
    /// moves), is decoded at full size first, by the one rxing pass the
    /// region's census calls for. A code still there costs that, not a
    /// failed decode of the work image, a full-size census and then the
    /// region (3-30 ms at 720p, measured); a code gone costs the region's
    /// census, and that pass if finders are in it, before the usual way.
    /// (With every pass, rqrr's too, a missed hint cost unrelated frames up
    /// to 35 times zxing-cpp's time; with all of rxing's, 5 times.) The
    /// hint is used once: it is set again only by a read at full size.
    fn scan_hint(
        &mut self,
        frame: &LumaFrame<'_>,
        live: usize,
        fits: &Cell<u64>,
        count: &mut ScanWork,
    ) -> Vec<ScannedCode> {
        let Some(hint) = self.hint.take() else {
            return Vec::new();
        };
        if hint.frame != (frame.width(), frame.height()) {
            return Vec::new();
        }
        let r = hint.region;
        let (gx, gy) = (r.width / 2, r.height / 2);
        let (x0, y0) = (r.x.saturating_sub(gx), r.y.saturating_sub(gy));
        let x1 = r.x.saturating_add(r.width).saturating_add(gx).min(frame.width());
        let y1 = r.y.saturating_add(r.height).saturating_add(gy).min(frame.height());
        let grown = Region { x: x0, y: y0, width: x1.saturating_sub(x0), height: y1.saturating_sub(y0) };
        // The work image's size, as `scan_small` bounds its regions by: a
        // code that grew past it reads at the work scale.
        let work_pixels = (frame.width() / live) * (frame.height() / live);
        self.scan_region(frame, grown, work_pixels, (fits, Passes::HINT), count).unwrap_or_default()
    }

    /// A live frame that did not read at the work scale: a code far from
    /// the camera shows finders under two work pixels a module. A census
    /// at the frame's full size looks for them, and the region that two
    /// finders from it or from the work image's census mark, if any, is
    /// scanned at full size (a crop of the frame: far less than the frame).
    /// `None` when there is no such region to scan.
    fn scan_small(
        &mut self,
        frame: &LumaFrame<'_>,
        fits: &Cell<u64>,
        count: &mut ScanWork,
    ) -> Option<Vec<ScannedCode>> {
        let (ww, wh) = self.integral.size();
        let s = self.work_scale;
        // Run on every such frame: on one in two or three, measured, the
        // approach sequences' first reads came one to two frames later.
        let mut census =
            finders::fine_census(frame, &self.integral, s, local_radius(ww, wh), &mut self.census);
        let f = s as f32;
        census.candidates.extend(self.work_candidates.iter().map(|c| finders::Candidate {
            x: c.x * f,
            y: c.y * f,
            module: c.module * f,
            ..*c
        }));
        if census.crowded() || !finders::could_be_a_symbol(&census.candidates) {
            return None;
        }
        // Three finders shaped as a symbol's mark it and its quiet zone;
        // two mark a region as wide as the symbol could be either side.
        let (fw, fh) = (frame.width(), frame.height());
        let symbol = finders::symbol(&census, fw, fh, count);
        let pair = finders::pair_region(&census.candidates, fw, fh);
        let r = symbol.or(pair)?;
        // A symbol's region that does not read may have been marked by a
        // wrong third finder (a data pattern beside a pair whose third the
        // census missed): the pair's region, if it holds more, comes next,
        // within the two work images' worth of pixels a region may cost.
        let area = |r: &Region| r.width * r.height;
        let fallback =
            pair.filter(|p| symbol.is_some() && !r.contains(p) && area(&r) + area(p) <= 2 * ww * wh);
        let candidates = fallback.map(|_| census.candidates.clone());
        // rqrr's passes here only where rxing is not used: on these regions
        // they read none of 839 frames and photos that rxing and the
        // outlines missed, and their grid fitting cost a blurred small
        // code's region 3 ms (a 720p frame nothing reads: 4× zxing-cpp).
        // A frame scanned whole still gets them (a noisy 640×480 code
        // reads only there).
        let passes = if self.engine.uses_rxing() { Passes::RXING } else { Passes::ALL };
        self.found_in_region = Some(census.candidates);
        let mut found = self.scan_region(frame, r, ww * wh, (fits, passes), count);
        if let (Some(p), Some(candidates), Some([])) = (fallback, candidates, found.as_deref()) {
            self.found_in_region = Some(candidates);
            found = self.scan_region(frame, p, ww * wh, (fits, passes), count).or(found);
        }
        self.found_in_region = None;
        found
    }

    /// Decodes a region of the frame at full size, on rxing's 8-pixel block
    /// grid, if it is at most twice `work_pixels` (a larger one holds a code
    /// large enough for the work image), with the codes' corners in frame
    /// pixels (`None` if the region is too large). A code read here leaves
    /// the next live frame a hint.
    fn scan_region(
        &mut self,
        frame: &LumaFrame<'_>,
        r: Region,
        work_pixels: usize,
        (fits, passes): (&Cell<u64>, Passes),
        count: &mut ScanWork,
    ) -> Option<Vec<ScannedCode>> {
        // On rxing's 8-pixel block grid (its binarizer's), where a decode
        // of the whole frame has it: a code on the edge of readability
        // read in one and not in a crop shifted by a few pixels.
        let (x0, y0) = (r.x / 8 * 8, r.y / 8 * 8);
        let x1 = (r.x + r.width).next_multiple_of(8).min(frame.width());
        let y1 = (r.y + r.height).next_multiple_of(8).min(frame.height());
        let r = finders::Region { x: x0, y: y0, width: x1.saturating_sub(x0), height: y1.saturating_sub(y0) };
        // A region larger than twice the work image holds a code large
        // enough to read there: the try is for small codes, and costs at
        // most twice the work image's decode.
        if r.width * r.height > 2 * work_pixels {
            return None;
        }
        let region = frame.crop(r.x, r.y, r.width, r.height)?;
        // Finders a census of the frame found, moved into the region's pixels.
        if let Some(known) = &mut self.found_in_region {
            let (x0, y0) = (r.x as f32, r.y as f32);
            let (w, h) = (r.width as f32, r.height as f32);
            known.retain_mut(|c| {
                (c.x, c.y) = (c.x - x0, c.y - y0);
                (0.0..w).contains(&c.x) && (0.0..h).contains(&c.y)
            });
        }
        let mut found = self.scan_at(&region, 1, fits, count, passes);
        for code in &mut found {
            code.corners = code.corners.map(|p| Point { x: p.x + r.x as i32, y: p.y + r.y as i32 });
        }
        self.hint = bounds(&found).map(|region| Hint { region, frame: (frame.width(), frame.height()) });
        Some(found)
    }

    /// Scans the frame at `scale` (or smaller, for a frame whose work image
    /// would pass [`MAX_WORK_PIXELS`]).
    fn scan_at(
        &mut self,
        frame: &LumaFrame<'_>,
        scale: usize,
        fits: &Cell<u64>,
        count: &mut ScanWork,
        passes: Passes,
    ) -> Vec<ScannedCode> {
        let Some((scale, width, height)) = work_shape(frame.width(), frame.height(), scale) else {
            // Nothing of this image is left for a later pass to read.
            self.work.clear();
            self.work_candidates.clear();
            return Vec::new();
        };
        self.work_scale = scale;
        let mut pixels = std::mem::take(&mut self.work);
        pixels.clear();
        pixels.reserve(width * height);
        if scale == 1 {
            for y in 0..height {
                pixels.extend_from_slice(frame.row(y));
            }
        } else {
            frame.downscale(scale, width, height, &mut self.row_sums, &mut pixels);
        }
        let work = Work { pixels: &pixels, width, height, scale, fits, passes };
        let found = self.decode_work(&work, count);
        self.work = pixels;
        found
    }

    fn decode_work(&mut self, work: &Work<'_>, count: &mut ScanWork) -> Vec<ScannedCode> {
        let (width, height) = (work.width, work.height);

        // The census first: decoders are only given images they can finish.
        self.integral.build(work.pixels, width, height);
        let r = local_radius(width, height);
        // A live frame's census reads every other row (a finder's centre
        // still shows on two): its cost is most of a frame without a code.
        let step = if self.effort == Effort::Live { 2 } else { 1 };
        // A region that the full-size census has just read needs no second
        // census (0.6-0.9 ms for a small code's region at 720p, measured).
        let census = match self.found_in_region.take() {
            Some(candidates) if work.scale == 1 => finders::Census { candidates, ..Default::default() },
            _ => finders::census(work.pixels, width, height, &self.integral, r, step, &mut self.census),
        };
        count.candidates = census.candidates.len();
        self.work_candidates.clear();
        self.work_candidates.extend_from_slice(&census.candidates);
        if census.crowded() {
            count.crowded = true;
            let regions = finders::regions(&census, width, height, count);
            let scratch = Scratch {
                crop: &mut self.crop,
                integral: &self.integral,
                radius: r,
                #[cfg(feature = "rxing")]
                inverted: &mut self.inverted,
                engine: self.engine,
            };
            return crowded(work, &census, &regions, scratch, count);
        }
        // A live frame without a symbol's finder patterns in view: no
        // decoder can read it, and trying costs 20-50 times the census. Two
        // that could be one symbol's (the third too small or faint for the
        // census, as small light-on-dark codes are) are worth the try.
        if self.effort == Effort::Live && !finders::could_be_a_symbol(&census.candidates) {
            return Vec::new();
        }
        // A hinted region without three finders making a symbol that lies
        // wholly inside it: the code moved past its edge, or another code
        // is cut by it. The usual way reads it next. (A pair is not enough
        // here, where it is for a whole frame: the code last read in this
        // region showed all three at full size, and a decoder on a pair
        // the region cut cost a 720p tilted frame 60% more than its own
        // scan, 22.5 M instructions against 14.4 M.)
        if work.passes == Passes::HINT
            && (census.candidates.len() < 3 || finders::symbol(&census, width, height, count).is_none())
        {
            return Vec::new();
        }
        self.decoders(work, count)
    }

    /// rqrr's passes on the last work image again (its table and census
    /// still the scanner's), for a live frame in which rxing read nothing
    /// there and the closer look found no region.
    fn rqrr_on_work(&mut self, fits: &Cell<u64>, count: &mut ScanWork) -> Vec<ScannedCode> {
        let (width, height) = self.integral.size();
        let pixels = std::mem::take(&mut self.work);
        let found = if pixels.len() == width * height && finders::could_be_a_symbol(&self.work_candidates) {
            let work =
                Work { pixels: &pixels, width, height, scale: self.work_scale, fits, passes: Passes::RQRR };
            self.decoders(&work, count)
        } else {
            Vec::new()
        };
        self.work = pixels;
        found
    }

    /// The decoders on a work image whose census (`work_candidates`) and
    /// summed-area table (`integral`) are built: rxing's passes, then rqrr's.
    fn decoders(&mut self, work: &Work<'_>, count: &mut ScanWork) -> Vec<ScannedCode> {
        let (width, height) = (work.width, work.height);
        let r = local_radius(width, height);
        count.decoder_calls += 1;
        count.decoder_pixels += width * height;

        // The finders' outlines first (the first pass of a work image,
        // not rqrr's second look at it): where they read, 0.3-0.6 ms, and
        // they read tilted codes that rxing does not. The other decoders
        // still run if a symbol-shaped triple was left unread.
        let mut outlined = Vec::new();
        if self.engine != Engine::Rxing && work.passes.rxing > 0 {
            let image =
                outlines::Image { pixels: work.pixels, width, height, integral: &self.integral, radius: r };
            let read = outlines::read(&image, &self.work_candidates);
            count.grids += read.grids;
            outlined = read.codes.into_iter().map(|c| work.code_to_frame(c)).collect();
            if !outlined.is_empty() && !read.unread {
                return outlined;
            }
        }
        #[cfg(feature = "rxing")]
        if self.engine != Engine::RqrrPipeline && work.passes.rxing > 0 {
            let cands = &self.work_candidates;
            // A live work image whose census saw two finders, not three:
            // the third is most likely too small or faint at this scale (a
            // tilted code's far corner), and the closer look at full size
            // sees it. rxing's single reader, which takes whatever triple
            // it finds, gets one try here first (the multi reader wants
            // three square-on); the other passes read none of the 839
            // frames and photos that it and the outlines missed, and cost
            // the 720p tilted frame 5 two failed passes (29.0 M -> 22.1 M
            // instructions).
            let pair_only = self.effort == Effort::Live && work.scale > 1 && cands.len() == 2;
            let seen = super::rxing_reader::Seen {
                light: finders::mostly_light(cands),
                dark: cands.iter().all(|c| !c.light),
                faint: finders::faint(cands, &self.integral),
                skewed: pair_only || finders::skewed(cands),
            };
            let most = if pair_only { 1 } else { work.passes.rxing };
            let (ii, line) = (&self.integral, &mut self.line);
            let (found, passes, multi_finders) = super::rxing_reader::read(
                work.pixels,
                (width, height),
                (&mut self.inverted, &mut self.binary),
                (seen, most),
                |out| ii.binarize(work.pixels, r, out, line),
            );
            count.rxing_passes += passes;
            count.multi_finders = count.multi_finders.max(multi_finders);
            if !found.is_empty() || self.engine == Engine::Rxing {
                // A code the outlines read too is kept once.
                let mut found: Vec<ScannedCode> = found.into_iter().map(|c| work.code_to_frame(c)).collect();
                found.retain(|c| !outlined.iter().any(|o| o.bytes == c.bytes));
                outlined.append(&mut found);
                return outlined;
            }
        }
        // rqrr's passes cost milliseconds: not for more codes beside those read.
        if self.engine == Engine::Rxing || !work.passes.rqrr || !outlined.is_empty() {
            return outlined;
        }

        // 1. Global Otsu: evenly lit codes, any contrast.
        let t = otsu(work.pixels);
        let found = detect(work, 1, |x, y| work.pixels[y * width + x] <= t);
        count.decoder_calls += 1;
        count.decoder_pixels += width * height;
        // A live frame that rxing and the outlines missed: rqrr's other
        // passes read none of 839 frames and photos that they missed (16
        // frames ran them), and cost a small code's region 1 ms each.
        if !found.is_empty() || (self.effort == Effort::Live && self.engine.uses_rxing()) {
            return found;
        }
        count.decoder_calls += 3;
        count.decoder_pixels += 3 * width * height;
        // 2. Local mean: shading, glare, gradients.
        let ii = &self.integral;
        let dark = |x: usize, y: usize| u32::from(work.pixels[y * width + x]) + 3 < ii.mean(x, y, r);
        let found = detect(work, 1, dark);
        if !found.is_empty() {
            return found;
        }
        // 2b. A wider window: large codes whose dark areas fill the small one.
        let wide = r * 5 / 2;
        let found = detect(work, 1, |x, y| u32::from(work.pixels[y * width + x]) + 3 < ii.mean(x, y, wide));
        if !found.is_empty() {
            return found;
        }
        // 3. Light-on-dark print: the same threshold, inverted.
        let light = |x: usize, y: usize| u32::from(work.pixels[y * width + x]) > ii.mean(x, y, r) + 3;
        let found = detect(work, 1, light);
        if !found.is_empty() {
            return found;
        }
        // 4. Small codes: upsample 2x (bilinear) so modules are wide enough
        // to sample. Photos only: on live frames, with the finders'
        // outlines first, these passes read nothing that the others missed
        // (839 frames and photos, measured) and cost a 720p blurred frame
        // that nothing reads half its time (27 ms).
        // The upsampled image is at most twice the largest work image (a
        // long, thin one's would be four times it).
        if self.effort == Effort::Photo
            && width.min(height) < UPSCALE_BELOW
            && 4 * width * height <= 2 * MAX_WORK_PIXELS
        {
            count.decoder_calls += 2;
            count.decoder_pixels += 8 * width * height;
            let up = |x: usize, y: usize| {
                let v = bilinear(work.pixels, width, height, x, y);
                v + 6 < 2 * ii.mean(x / 2, y / 2, r)
            };
            let found = detect(work, 2, up);
            if !found.is_empty() {
                return found;
            }
            // 5. rqrr's own running-average threshold, upsampled: it reads
            // some blurred photos that the local mean splits badly.
            return detect_grey(work, |x, y| (bilinear(work.pixels, width, height, x, y) / 2) as u8);
        }
        Vec::new()
    }
}

/// Regions of a crowded frame that rqrr tries (both polarities), where it
/// is the decoder (a build without rxing): its grid fitting costs some 20 ms
/// per decoy triple, so a crafted frame costs such a build up to ~0.3 s.
const RQRR_REGIONS: usize = finders::MAX_REGIONS;

/// What a crowded-frame decode borrows from its [`Scanner`].
struct Scratch<'a> {
    crop: &'a mut Vec<u8>,
    /// The work image's summed-area table and local radius: a region's
    /// local mean is read from it at the region's offset.
    integral: &'a Integral,
    radius: usize,
    #[cfg(feature = "rxing")]
    inverted: &'a mut Vec<u8>,
    engine: Engine,
}

/// A crowded frame (more finder candidates than a decoder may be given):
/// only the regions where three candidates form a symbol's corners are
/// decoded, each holding few candidates, their total area at most twice the
/// work image's. Every code found in them is returned.
fn crowded(
    work: &Work<'_>,
    census: &finders::Census,
    regions: &[Region],
    scratch: Scratch<'_>,
    count: &mut ScanWork,
) -> Vec<ScannedCode> {
    let cands = &census.candidates;
    let mut found: Vec<ScannedCode> = Vec::new();
    let mut budget = 2 * work.width * work.height;
    let mut rqrr_tries = 0;
    for r in regions {
        let area = r.width * r.height;
        if area == 0 || area > budget || finders::inside(cands, r) > finders::DENSE_LIMIT {
            continue;
        }
        budget -= area;
        scratch.crop.clear();
        for y in r.y..r.y + r.height {
            scratch
                .crop
                .extend_from_slice(&work.pixels[y * work.width + r.x..y * work.width + r.x + r.width]);
        }
        let crop = Work { pixels: scratch.crop, width: r.width, height: r.height, scale: 1, ..*work };
        count.decoder_calls += 1;
        count.decoder_pixels += area;
        let mut codes = Vec::new();
        #[cfg(feature = "rxing")]
        if scratch.engine != Engine::RqrrPipeline {
            codes = super::rxing_reader::read_single(crop.pixels, crop.width, crop.height, scratch.inverted);
        }
        // rqrr's grid fitting costs milliseconds per decoy triple: in a
        // crowded frame it runs only where rxing is not used.
        let rqrr_here = !scratch.engine.uses_rxing();
        if codes.is_empty() && rqrr_here && rqrr_tries < RQRR_REGIONS {
            rqrr_tries += 1;
            count.decoder_calls += 1;
            count.decoder_pixels += area;
            let t = otsu(crop.pixels);
            codes = detect(&crop, 1, |x, y| crop.pixels[y * crop.width + x] <= t);
            if codes.is_empty() {
                // Light-on-dark print, which rqrr never reads as it is: the
                // local mean (the pipeline's own light-on-dark try) inverted.
                count.decoder_calls += 1;
                count.decoder_pixels += area;
                let (ii, rad) = (scratch.integral, scratch.radius);
                codes = detect(&crop, 1, |x, y| {
                    u32::from(crop.pixels[y * crop.width + x]) > ii.mean(x + r.x, y + r.y, rad) + 3
                });
            }
        }
        for mut code in codes {
            let s = work.scale as i32;
            code.corners =
                code.corners.map(|p| Point { x: (p.x + r.x as i32) * s, y: (p.y + r.y as i32) * s });
            if !found.iter().any(|f| f.bytes == code.bytes) {
                found.push(code);
            }
        }
    }
    // A dense legitimate code (many candidates in its data area) has no
    // region of few candidates: the single reader, whose work stays small
    // for this many, reads it whole.
    #[cfg(feature = "rxing")]
    if found.is_empty()
        && scratch.engine != Engine::RqrrPipeline
        && !census.overflow
        && cands.len() <= finders::SINGLE_LIMIT
        && count.plausible <= finders::SINGLE_PLAUSIBLE
    {
        count.decoder_calls += 1;
        count.decoder_pixels += work.width * work.height;
        let codes = super::rxing_reader::read_single(work.pixels, work.width, work.height, scratch.inverted);
        found.extend(codes.into_iter().map(|c| work.code_to_frame(c)));
    }
    found
}

/// The scale and size of the work image of a `width` × `height` frame
/// scanned at `scale`, or at the smallest larger scale that keeps it within
/// [`MAX_WORK_PIXELS`]; `None` if a side of it would be under [`MIN_SIDE`]
/// (nothing readable: a region cropped too thin, a frame too long).
fn work_shape(width: usize, height: usize, scale: usize) -> Option<(usize, usize, usize)> {
    let mut scale = scale.max(1);
    let area = |s: usize| (width / s) * (height / s);
    if area(scale) > MAX_WORK_PIXELS {
        // sqrt(area / MAX_WORK_PIXELS) from below, then up to the first that fits.
        let ratio = (width as f64 * height as f64 / MAX_WORK_PIXELS as f64).sqrt();
        scale = scale.max(ratio as usize);
        while area(scale) > MAX_WORK_PIXELS {
            scale += 1;
        }
    }
    let (w, h) = (width / scale, height / scale);
    (w.min(h) >= MIN_SIDE).then_some((scale, w, h))
}

/// Frame pixels per work pixel of a live frame with this short side.
fn live_scale(short: usize) -> usize {
    if short >= LIVE_HALVED_FROM { (short / LIVE_SHORT_SIDE).max(2) } else { 1 }
}

/// The rectangle around the codes' corners (in frame pixels), if any.
fn bounds(codes: &[ScannedCode]) -> Option<Region> {
    let corners = || codes.iter().flat_map(|c| c.corners);
    let (x0, x1) = (corners().map(|p| p.x).min()?, corners().map(|p| p.x).max()?);
    let (y0, y1) = (corners().map(|p| p.y).min()?, corners().map(|p| p.y).max()?);
    let at = |v: i32| usize::try_from(v).unwrap_or(0);
    Some(Region {
        x: at(x0),
        y: at(y0),
        width: at(x1).saturating_sub(at(x0)),
        height: at(y1).saturating_sub(at(y0)),
    })
}

/// Luma at half-pixel positions of a 2x upsampled image, times 2.
fn bilinear(px: &[u8], width: usize, height: usize, x: usize, y: usize) -> u32 {
    let (x0, y0) = (x / 2, y / 2);
    let (x1, y1) = ((x0 + (x & 1)).min(width - 1), (y0 + (y & 1)).min(height - 1));
    let s = u32::from(px[y0 * width + x0])
        + u32::from(px[y0 * width + x1])
        + u32::from(px[y1 * width + x0])
        + u32::from(px[y1 * width + x1]);
    s / 2
}

/// Runs rqrr on a binarised view of `work` at `up` times its size.
fn detect(work: &Work<'_>, up: usize, dark: impl Fn(usize, usize) -> bool) -> Vec<ScannedCode> {
    contained_decode!(
        rqrr::PreparedImage::prepare_from_bitmap(work.width * up, work.height * up, &dark),
        |p: rqrr::Point| work.to_frame(p, up),
        work.fits
    )
}

/// Runs rqrr with its own threshold on a 2x upsampled grey view of `work`.
fn detect_grey(work: &Work<'_>, grey: impl Fn(usize, usize) -> u8) -> Vec<ScannedCode> {
    contained_decode!(
        rqrr::PreparedImage::prepare_from_greyscale(work.width * 2, work.height * 2, &grey),
        |p: rqrr::Point| work.to_frame(p, 2),
        work.fits
    )
}

/// rqrr alone, with its own threshold: the baseline the pipeline is measured against.
#[cfg(feature = "compare")]
pub fn raw_rqrr(frame: &LumaFrame<'_>) -> Vec<ScannedCode> {
    contained_decode!(
        rqrr::PreparedImage::prepare_from_greyscale(frame.width(), frame.height(), |x, y| frame.get(x, y)),
        |p: rqrr::Point| Point { x: p.x, y: p.y },
        &Cell::new(u64::MAX),
        crate::grid::decode_with_rqrr
    )
}
