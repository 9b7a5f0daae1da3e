//! How hard a scanner tries on a frame, and which decoders it runs.

/// How hard a [`Scanner`](crate::Scanner) tries on a frame.
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

/// Which decoders a [`Scanner`](crate::Scanner) runs.
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
    pub(super) fn uses_rxing(self) -> bool {
        cfg!(feature = "rxing") && self != Engine::RqrrPipeline
    }
}
