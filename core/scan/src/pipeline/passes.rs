//! The decoder cascade, chosen in one place: which looks a frame gets
//! (its [`Stage`]s), what a work image's census must show before its
//! decoders run ([`Needs`]), and which decoders each look runs, in order
//! ([`Pass`]). Every choice the effort and the engine make is here; the
//! rest of the pipeline runs what these functions return.

use super::settings::{Effort, Engine};
use super::work::MAX_WORK_PIXELS;

/// Images whose short side is below this also get a 2x upscaled try: rqrr
/// samples modules badly when they are only 2-4 pixels wide.
const UPSCALE_BELOW: usize = 640;

/// One look at a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Live, after a frame whose small code was read at full size: the
    /// region it was read in, grown, at full size. A try that must cost
    /// little when the code has gone, for the usual way still follows.
    Hinted,
    /// The whole frame at its work scale, every decoder: photos, and live
    /// frames too small to be scanned smaller.
    Whole,
    /// A live frame scanned smaller (720p and up): rxing and the outlines.
    Smaller,
    /// Live, when the smaller image did not read: a census at full size,
    /// and the region two finders mark decoded at full size, for a code
    /// still small in view.
    Closer,
    /// rqrr's passes on the last work image decoded (the smaller image, or
    /// the region of the closer look if it decoded one), when the closer
    /// look did not read.
    Again,
}

/// The looks a frame gets, in order: each runs until one reads (see
/// [`ends_after`]).
pub(super) fn stages(effort: Effort, scanned_smaller: bool) -> &'static [Stage] {
    match effort {
        Effort::Photo => &[Stage::Whole],
        Effort::Live if scanned_smaller => &[Stage::Hinted, Stage::Smaller, Stage::Closer, Stage::Again],
        Effort::Live => &[Stage::Hinted, Stage::Whole],
    }
}

/// What the closer look found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Looked {
    /// Not the closer look.
    NotCloser,
    /// No region to decode at full size.
    NoRegion,
    /// A region was decoded; `large_modules`: the smaller image's finders
    /// have modules large enough for rqrr there (see
    /// [`large_modules`](crate::finders::large_modules)).
    Region { large_modules: bool },
}

/// Whether a frame's scan ends after `stage`, which `read` a code or not,
/// and left the frame `crowded` or not. A crowded look (a crafted frame)
/// ends the frame: the next one has no hint. After a closer look at large
/// modules that read nothing, rqrr on the smaller image still follows (the
/// region may cut a tilted code's far corner); after one at small modules,
/// it follows only if there was no region to look at.
pub(super) fn ends_after(stage: Stage, read: bool, crowded: bool, looked: Looked) -> bool {
    match stage {
        Stage::Hinted | Stage::Smaller => read || crowded,
        Stage::Closer => match looked {
            Looked::Region { large_modules } => read || !large_modules,
            Looked::NoRegion | Looked::NotCloser => false,
        },
        Stage::Whole | Stage::Again => true,
    }
}

/// Rows a work image's census reads: every other one on a live frame (a
/// finder's centre still shows on two), whose census is most of the cost
/// of a frame without a code.
pub(super) fn census_step(effort: Effort) -> usize {
    match effort {
        Effort::Live => 2,
        Effort::Photo => 1,
    }
}

/// What a work image's census must show for any decoder to be given it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Needs {
    /// A symbol's finders: three, or two that could be one symbol's (the
    /// third too small or faint for the census, as small light-on-dark
    /// codes are). A frame or photo without them costs no decoder call: no
    /// decoder could read it, and trying costs many times the census.
    FindersOfASymbol,
    /// Three finders making a symbol that lies wholly inside the image: a
    /// hinted region without them holds a code that moved past its edge,
    /// or another code it cuts, and the usual way reads it next. (A pair is
    /// not enough here, where it is for a whole frame: the code last read
    /// in this region showed all three at full size.)
    ASymbolWhole,
}

/// What `stage`'s work image must show (see [`Needs`]).
pub(super) fn needs(effort: Effort, stage: Stage) -> Needs {
    match (effort, stage) {
        (_, Stage::Hinted) => Needs::ASymbolWhole,
        // A photo without them is not read by any decoder either: a
        // marketplace's photos are mostly of that kind.
        (Effort::Live | Effort::Photo, _) => Needs::FindersOfASymbol,
    }
}

/// One decoder's try on a work image. Each runs only while nothing is
/// read, but for the outlines, after which the others still run if a
/// symbol-shaped triple was left unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    /// The finders' outlines, sampled as module grids: cheap where they
    /// read, and they read tilted codes that rxing does not.
    Outlines,
    /// rxing's reader, at most `most` of its own passes (in the order the
    /// census calls for).
    Rxing { most: usize },
    /// rxing's single reader once, first: a live work image scanned
    /// smaller whose census saw two finders, not three (the third most
    /// likely too small or faint at this scale, a tilted code's far
    /// corner, which the closer look sees). The single reader takes
    /// whatever triple it finds; the multi reader wants three square-on.
    RxingPair,
    /// rqrr at Otsu's global threshold: evenly lit codes, any contrast.
    RqrrGlobal,
    /// rqrr at the local mean (shading, glare, gradients), a wider window
    /// (large codes whose dark areas fill the small one), and the local
    /// mean inverted (light-on-dark print).
    RqrrLocal,
    /// rqrr on the image upsampled 2x (small codes: modules wide enough to
    /// sample), at the local mean, then at rqrr's own running average
    /// (some blurred photos that the local mean splits badly).
    RqrrUpsampled,
}

/// What the choice of passes knows of a work image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Image {
    pub width: usize,
    pub height: usize,
    /// Frame pixels per work pixel.
    pub scale: usize,
    /// Finder candidates its census saw.
    pub candidates: usize,
}

/// Which rxing passes and whether rqrr's follow, for a stage.
struct Decoders {
    rxing: usize,
    rqrr: bool,
}

/// The decoders `stage`'s work image is given, in order, as the effort
/// and the engine choose them.
pub(super) fn passes(effort: Effort, engine: Engine, stage: Stage, image: Image) -> Vec<Pass> {
    let all = Decoders { rxing: usize::MAX, rqrr: true };
    let Decoders { rxing, rqrr } = match stage {
        Stage::Whole => all,
        // rqrr's passes only on the smaller image again, and only if the
        // closer look does not read.
        Stage::Smaller => Decoders { rxing: usize::MAX, rqrr: false },
        // The one rxing pass the census calls for: a try that must cost
        // little when the code has gone.
        Stage::Hinted => Decoders { rxing: 1, rqrr: false },
        // rqrr's passes here only where rxing is not used: on these
        // regions they read nothing that rxing and the outlines missed,
        // and their grid fitting is slow on a blurred small code's region.
        Stage::Closer if engine.uses_rxing() => Decoders { rxing: usize::MAX, rqrr: false },
        Stage::Closer => all,
        Stage::Again => Decoders { rxing: 0, rqrr: true },
    };
    let mut list = Vec::with_capacity(6);
    if rxing > 0 && engine != Engine::Rxing {
        list.push(Pass::Outlines);
    }
    if rxing > 0 && engine.uses_rxing() {
        let pair_only = effort == Effort::Live && image.scale > 1 && image.candidates == 2;
        list.push(if pair_only { Pass::RxingPair } else { Pass::Rxing { most: rxing } });
    }
    if !rqrr || engine == Engine::Rxing {
        return list;
    }
    list.push(Pass::RqrrGlobal);
    // A live frame that rxing and the outlines missed: rqrr's other passes
    // read nothing more there, and cost a small code's region dearly.
    if effort == Effort::Live && engine.uses_rxing() {
        return list;
    }
    list.push(Pass::RqrrLocal);
    // Photos only: on live frames, with the finders' outlines first, the
    // upsampled passes read nothing that the others missed, and cost a
    // blurred frame that nothing reads half its time. The upsampled image
    // is at most twice the largest work image (a long, thin one's would be
    // four times it).
    let (w, h) = (image.width, image.height);
    if effort == Effort::Photo && w.min(h) < UPSCALE_BELOW && 4 * w * h <= 2 * MAX_WORK_PIXELS {
        list.push(Pass::RqrrUpsampled);
    }
    list
}

/// The decoders each region of a crowded frame gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct InRegions {
    /// rxing's single reader (one best triple, one decode attempt), and
    /// it on the whole image if no region read.
    pub rxing: bool,
    /// rqrr at Otsu's threshold and at the local mean inverted, in at most
    /// a few regions: its grid fitting costs milliseconds per decoy
    /// triple, so it runs only where rxing is not used.
    pub rqrr: bool,
}

/// The decoders the regions of a crowded frame get (see [`InRegions`]).
pub(super) fn in_crowded_regions(engine: Engine) -> InRegions {
    InRegions { rxing: engine.uses_rxing(), rqrr: !engine.uses_rxing() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Pass::*;

    const MOST: usize = usize::MAX;

    fn image(width: usize, height: usize, scale: usize, candidates: usize) -> Image {
        Image { width, height, scale, candidates }
    }

    /// A 1080p photo is scanned whole at 1920×1080 (no upsampling); a
    /// 1080p live frame at 960×540.
    const PHOTO_1080P: Image = Image { width: 1920, height: 1080, scale: 1, candidates: 3 };
    const LIVE_1080P: Image = Image { width: 960, height: 540, scale: 2, candidates: 3 };

    #[test]
    fn a_photo_is_one_look_and_a_live_frame_up_to_four() {
        assert_eq!(stages(Effort::Photo, false), [Stage::Whole]);
        assert_eq!(stages(Effort::Live, false), [Stage::Hinted, Stage::Whole]);
        assert_eq!(stages(Effort::Live, true), [Stage::Hinted, Stage::Smaller, Stage::Closer, Stage::Again]);
    }

    #[test]
    fn a_look_that_reads_or_finds_a_crowd_ends_the_frame() {
        for stage in [Stage::Hinted, Stage::Smaller] {
            assert!(!ends_after(stage, false, false, Looked::NotCloser), "{stage:?}");
            assert!(ends_after(stage, true, false, Looked::NotCloser), "{stage:?}");
            assert!(ends_after(stage, false, true, Looked::NotCloser), "{stage:?}: crowded");
        }
        assert!(ends_after(Stage::Whole, false, false, Looked::NotCloser));
        assert!(ends_after(Stage::Again, false, false, Looked::NotCloser));
    }

    /// rqrr on the smaller image follows a closer look only if it had no
    /// region, or had one at large modules that did not read.
    #[test]
    fn the_closer_look_decides_whether_rqrr_follows() {
        let closer = |read, looked| ends_after(Stage::Closer, read, false, looked);
        assert!(!closer(false, Looked::NoRegion));
        assert!(closer(false, Looked::Region { large_modules: false }));
        assert!(!closer(false, Looked::Region { large_modules: true }));
        assert!(closer(true, Looked::Region { large_modules: true }));
        assert!(closer(true, Looked::Region { large_modules: false }));
        // Crowded or not: the closer look's own region decides.
        assert!(!ends_after(Stage::Closer, false, true, Looked::Region { large_modules: true }));
    }

    #[test]
    fn live_censuses_read_every_other_row() {
        assert_eq!(census_step(Effort::Live), 2);
        assert_eq!(census_step(Effort::Photo), 1);
    }

    #[test]
    fn decoders_need_finders_and_a_hinted_region_a_whole_symbol() {
        assert_eq!(needs(Effort::Photo, Stage::Whole), Needs::FindersOfASymbol);
        for stage in [Stage::Whole, Stage::Smaller, Stage::Closer, Stage::Again] {
            assert_eq!(needs(Effort::Live, stage), Needs::FindersOfASymbol, "{stage:?}");
        }
        assert_eq!(needs(Effort::Live, Stage::Hinted), Needs::ASymbolWhole);
    }

    #[cfg(feature = "rxing")]
    #[test]
    fn a_photo_gets_every_decoder_and_a_small_one_the_upsampled_passes() {
        let photo = |image| passes(Effort::Photo, Engine::Full, Stage::Whole, image);
        assert_eq!(photo(PHOTO_1080P), [Outlines, Rxing { most: MOST }, RqrrGlobal, RqrrLocal]);
        let small = [Outlines, Rxing { most: MOST }, RqrrGlobal, RqrrLocal, RqrrUpsampled];
        assert_eq!(photo(image(1280, 720, 1, 3)), small[..4]);
        assert_eq!(photo(image(640, 480, 1, 3)), small);
        // A pair that could be one symbol's gets every decoder too (a photo
        // without one gets none: `needs`).
        assert_eq!(photo(image(600, 480, 1, 2)), small);
        // A long, thin image whose upsampled copy would pass twice the largest work image.
        assert_eq!(photo(image(4000, 600, 1, 3)), small[..4]);
    }

    #[cfg(feature = "rxing")]
    #[test]
    fn a_live_frame_gets_rqrr_once_and_only_after_the_closer_look() {
        let live = |stage, image| passes(Effort::Live, Engine::Full, stage, image);
        // Scanned whole (under 720p): one rqrr pass after rxing.
        assert_eq!(live(Stage::Whole, image(640, 480, 1, 3)), [Outlines, Rxing { most: MOST }, RqrrGlobal]);
        // Scanned smaller: no rqrr on the first look.
        assert_eq!(live(Stage::Smaller, LIVE_1080P), [Outlines, Rxing { most: MOST }]);
        // A pair of finders at the work scale: the single reader once.
        assert_eq!(live(Stage::Smaller, image(960, 540, 2, 2)), [Outlines, RxingPair]);
        // At full size a pair is just a pair.
        assert_eq!(live(Stage::Closer, image(400, 300, 1, 2)), [Outlines, Rxing { most: MOST }]);
        assert_eq!(live(Stage::Closer, image(400, 300, 1, 3)), [Outlines, Rxing { most: MOST }]);
        assert_eq!(live(Stage::Hinted, image(400, 300, 1, 3)), [Outlines, Rxing { most: 1 }]);
        assert_eq!(live(Stage::Again, LIVE_1080P), [RqrrGlobal]);
    }

    /// Without rxing (the rqrr pipeline), rqrr's passes stand in for it
    /// wherever rxing's would have run.
    #[test]
    fn without_rxing_rqrr_takes_its_place() {
        let live = |stage, image| passes(Effort::Live, Engine::RqrrPipeline, stage, image);
        assert_eq!(live(Stage::Whole, image(640, 480, 1, 3)), [Outlines, RqrrGlobal, RqrrLocal]);
        assert_eq!(live(Stage::Smaller, LIVE_1080P), [Outlines]);
        assert_eq!(live(Stage::Smaller, image(960, 540, 2, 2)), [Outlines]);
        assert_eq!(live(Stage::Closer, image(400, 300, 1, 3)), [Outlines, RqrrGlobal, RqrrLocal]);
        assert_eq!(live(Stage::Hinted, image(400, 300, 1, 3)), [Outlines]);
        assert_eq!(live(Stage::Again, LIVE_1080P), [RqrrGlobal, RqrrLocal]);
        let photo = passes(Effort::Photo, Engine::RqrrPipeline, Stage::Whole, image(600, 480, 1, 3));
        assert_eq!(photo, [Outlines, RqrrGlobal, RqrrLocal, RqrrUpsampled]);
        assert_eq!(in_crowded_regions(Engine::RqrrPipeline), InRegions { rxing: false, rqrr: true });
    }

    /// rxing alone runs rxing's passes and nothing else.
    #[cfg(feature = "rxing")]
    #[test]
    fn the_rxing_engine_runs_rxing_alone() {
        for effort in [Effort::Photo, Effort::Live] {
            assert_eq!(passes(effort, Engine::Rxing, Stage::Whole, PHOTO_1080P), [Rxing { most: MOST }]);
            assert_eq!(passes(effort, Engine::Rxing, Stage::Again, PHOTO_1080P), []);
        }
        assert_eq!(in_crowded_regions(Engine::Rxing), InRegions { rxing: true, rqrr: false });
        assert_eq!(in_crowded_regions(Engine::Full), InRegions { rxing: true, rqrr: false });
    }
}
