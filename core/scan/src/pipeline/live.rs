//! The live path's looks beyond the work image: the hinted region, the
//! closer look at full size, and rqrr's passes on the last work image.

use super::passes::Stage;
use super::state::{FrameState, Hint, Scan};
use super::work::Work;
use crate::binarize::local_radius;
use crate::finders::{self, Candidate, Region};
use crate::{LumaFrame, Point, ScannedCode};

impl Scan<'_> {
    /// A live frame after one whose small code was read at full size: the
    /// region it was read in, grown by half its size on each side (a hand
    /// moves), is decoded at full size first, by the one rxing pass the
    /// region's census calls for. A code still there costs that, not a
    /// failed decode of the work image, a full-size census and then the
    /// region; a code gone costs the region's census, and that pass if
    /// finders are in it, before the usual way.
    pub(super) fn scan_hint(
        &mut self,
        frame: &LumaFrame<'_>,
        hint: Option<Hint>,
        live: usize,
        state: &mut FrameState,
    ) -> Vec<ScannedCode> {
        let Some(hint) = hint else {
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
        // The work image's size, as `scan_closer` bounds its regions by: a
        // code that grew past it reads at the work scale.
        let work_pixels = (frame.width() / live) * (frame.height() / live);
        self.scan_region(frame, grown, work_pixels, Stage::Hinted, None, state).unwrap_or_default()
    }

    /// A live frame that did not read at the work scale: a code far from
    /// the camera shows finders under two work pixels a module. A census
    /// at the frame's full size looks for them (on every such frame: on
    /// one in two or three, approach sequences read a frame or two later),
    /// and the region that two finders from it or from the work image's
    /// census mark, if any, is scanned at full size (a crop of the frame:
    /// far less than the frame). `None` when there is no such region.
    pub(super) fn scan_closer(
        &mut self,
        frame: &LumaFrame<'_>,
        state: &mut FrameState,
    ) -> Option<Vec<ScannedCode>> {
        let (ww, wh) = self.buffers.integral.size();
        let s = state.work_scale;
        let b = &mut self.buffers;
        let mut census = finders::fine_census(frame, &b.integral, s, local_radius(ww, wh), &mut b.census);
        let f = s as f32;
        census.candidates.extend(state.work_candidates.iter().map(|c| Candidate {
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
        let symbol = finders::symbol(&census, fw, fh, &mut state.count);
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
        let mut found = self.scan_region(frame, r, ww * wh, Stage::Closer, Some(census.candidates), state);
        if let (Some(p), Some(candidates), Some([])) = (fallback, candidates, found.as_deref()) {
            found = self.scan_region(frame, p, ww * wh, Stage::Closer, Some(candidates), state).or(found);
        }
        found
    }

    /// Decodes a region of the frame at full size, on rxing's 8-pixel block
    /// grid, if it is at most twice `work_pixels` (a larger one holds a code
    /// large enough for the work image), with the codes' corners in frame
    /// pixels (`None` if the region is too large). `known`: finders a
    /// census of the frame found, in its pixels. A code read here leaves
    /// the next live frame a hint.
    fn scan_region(
        &mut self,
        frame: &LumaFrame<'_>,
        r: Region,
        work_pixels: usize,
        stage: Stage,
        mut known: Option<Vec<Candidate>>,
        state: &mut FrameState,
    ) -> Option<Vec<ScannedCode>> {
        // On rxing's 8-pixel block grid (its binarizer's), where a decode
        // of the whole frame has it: a code on the edge of readability
        // read in one and not in a crop shifted by a few pixels.
        let (x0, y0) = (r.x / 8 * 8, r.y / 8 * 8);
        let x1 = (r.x + r.width).next_multiple_of(8).min(frame.width());
        let y1 = (r.y + r.height).next_multiple_of(8).min(frame.height());
        let r = Region { x: x0, y: y0, width: x1.saturating_sub(x0), height: y1.saturating_sub(y0) };
        // A region larger than twice the work image holds a code large
        // enough to read there: the try is for small codes, and costs at
        // most twice the work image's decode.
        if r.width * r.height > 2 * work_pixels {
            return None;
        }
        let region = frame.crop(r.x, r.y, r.width, r.height)?;
        // Finders a census of the frame found, moved into the region's pixels.
        if let Some(known) = &mut known {
            let (x0, y0) = (r.x as f32, r.y as f32);
            let (w, h) = (r.width as f32, r.height as f32);
            known.retain_mut(|c| {
                (c.x, c.y) = (c.x - x0, c.y - y0);
                (0.0..w).contains(&c.x) && (0.0..h).contains(&c.y)
            });
        }
        let mut found = self.scan_at(&region, 1, stage, known, state);
        for code in &mut found {
            code.corners = code.corners.map(|p| Point { x: p.x + r.x as i32, y: p.y + r.y as i32 });
        }
        state.next_hint =
            bounds(&found).map(|region| Hint { region, frame: (frame.width(), frame.height()) });
        Some(found)
    }

    /// rqrr's passes on the last work image again (its table and census
    /// still the scanner's buffers and the frame's state), for a live frame
    /// in which rxing read nothing there and the closer look did not read.
    pub(super) fn rqrr_again(&mut self, state: &mut FrameState) -> Vec<ScannedCode> {
        let (width, height) = self.buffers.integral.size();
        let pixels = std::mem::take(&mut self.buffers.work);
        let found = if pixels.len() == width * height && finders::could_be_a_symbol(&state.work_candidates) {
            let work = Work { pixels: &pixels, width, height, scale: state.work_scale, fits: &state.fits };
            self.decoders(&work, Stage::Again, &state.work_candidates, &mut state.count)
        } else {
            Vec::new()
        };
        self.buffers.work = pixels;
        found
    }
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
