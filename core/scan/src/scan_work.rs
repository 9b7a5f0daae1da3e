//! What one scan did, counted: the bound on it is what keeps a crafted
//! frame from hanging the app (see [`limits`](crate::limits)).

/// What one scan did, counted so that tests can hold it to a bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanWork {
    /// Finder candidates the census confirmed (capped at [`MAX_CANDIDATES`](crate::limits::MAX_CANDIDATES)).
    pub candidates: usize,
    /// Triples of candidates the crowded-frame search considered.
    pub triples: usize,
    /// Of those, the ones shaped like a symbol's three finders.
    pub plausible: usize,
    /// Decoder calls (rxing or rqrr, each try counts).
    pub decoder_calls: usize,
    /// Pixels handed to decoders, summed over the calls.
    pub decoder_pixels: usize,
    /// rxing reader passes (a multi or single read of one image).
    pub rxing_passes: usize,
    /// The most finder centres, counted on the very bits it reads, in an
    /// image rxing's multi reader was given (its work is cubic in them).
    pub multi_finders: usize,
    /// Module grids the finder-outline reader sampled and decoded (at most
    /// 9 per image it is given, each at most 177 x 177 modules).
    pub grids: usize,
    /// The frame was crowded: decoders saw only regions of it.
    pub crowded: bool,
    /// A live frame read in the region where the last frame's small code
    /// was (the scanner's hint).
    pub hinted: bool,
    /// rqrr's grid fitting, in cell samples (at most the pipeline's `FIT_BUDGET`).
    pub fit_samples: u64,
}
