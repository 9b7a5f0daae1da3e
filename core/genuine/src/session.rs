//! One frame in, every code with its verdict out; and the session that turns
//! a stream of such frames into what a scanner screen shows.
//!
//! Both apps used to pick the aimed code, dedupe the history and choose a
//! card's wording on their own; it lives here once, and the bindings hand
//! Kotlin and Swift the same [`ScanSession`].

use crate::UnixTime;
use crate::verify;
use crate::wording::{VerdictCard, Wording};
use genuine_format::verdict::Verdict;
use genuine_scan::{LumaFrame, Point, ScannedCode, Scanner};
use genuine_store::{Store, StoreError};
use std::collections::VecDeque;

/// A code found in a frame, with its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedVerdict {
    /// The code's text.
    pub text: String,
    /// Its corners in the frame: top-left, top-right, bottom-right, bottom-left.
    pub corners: [Point; 4],
    /// What verification found.
    pub verdict: Verdict,
}

impl ScannedVerdict {
    /// The code's area in the frame (pixels²): the largest code is the one
    /// the shopper aims at.
    pub fn area(&self) -> f32 {
        let c = self.corners.map(|p| (f64::from(p.x), f64::from(p.y)));
        let twice: f64 = (0..4).map(|i| c[i].0 * c[(i + 1) % 4].1 - c[(i + 1) % 4].0 * c[i].1).sum();
        (twice.abs() / 2.0) as f32
    }
}

/// Scans a frame and verifies every code in it: one call per camera frame.
pub fn scan_and_verify(
    scanner: &mut Scanner,
    store: &Store,
    frame: &LumaFrame<'_>,
    device_now: UnixTime,
) -> Result<Vec<ScannedVerdict>, StoreError> {
    verify_codes(store, scanner.scan(frame), device_now)
}

/// Verifies codes already found (by [`Scanner::scan`]).
pub fn verify_codes(
    store: &Store,
    codes: Vec<ScannedCode>,
    device_now: UnixTime,
) -> Result<Vec<ScannedVerdict>, StoreError> {
    codes
        .into_iter()
        .map(|code| {
            let verdict = verify(store, &code.text, device_now)?;
            Ok(ScannedVerdict { text: code.text, corners: code.corners, verdict })
        })
        .collect()
}

/// One code as the card and the history show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEntry {
    /// The code's text.
    pub text: String,
    /// Its verdict when it was scanned.
    pub verdict: Verdict,
    /// What the shopper reads.
    pub card: VerdictCard,
    /// When it was last in view (milliseconds on the caller's clock).
    pub seen_at_millis: u64,
}

/// What one frame changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionUpdate {
    /// The card now on screen is another code (or a new scan of the same one).
    pub card_changed: bool,
    /// The history has a new entry on top.
    pub history_changed: bool,
}

/// The card on screen and the history of recent scans, updated frame by
/// frame: the card follows the code aimed at (the largest in view); a code
/// held in view stays one history entry, and comes back to the top when it
/// is scanned again after a pause.
#[derive(Debug, Clone)]
pub struct ScanSession {
    wording: Wording,
    same_scan_millis: u64,
    history_size: usize,
    shown: Option<SessionEntry>,
    recent: VecDeque<SessionEntry>,
}

impl ScanSession {
    /// How long a code may leave the view and still count as the same scan.
    pub const SAME_SCAN_MILLIS: u64 = 3_000;
    /// Entries the history keeps.
    pub const HISTORY_SIZE: usize = 50;

    /// A session in `wording`, with the default pause and history size.
    pub fn new(wording: Wording) -> ScanSession {
        ScanSession::with_limits(wording, Self::SAME_SCAN_MILLIS, Self::HISTORY_SIZE)
    }

    /// A session with its own pause and history size (at least one entry).
    pub fn with_limits(wording: Wording, same_scan_millis: u64, history_size: usize) -> ScanSession {
        ScanSession {
            wording,
            same_scan_millis,
            history_size: history_size.max(1),
            shown: None,
            recent: VecDeque::new(),
        }
    }

    /// A frame's codes, at `now_millis` on the caller's monotonic clock.
    pub fn on_frame(&mut self, found: &[ScannedVerdict], now_millis: u64) -> SessionUpdate {
        let Some(aimed) = found.iter().max_by(|a, b| a.area().total_cmp(&b.area())) else {
            return SessionUpdate::default();
        };
        if let Some(current) = &mut self.shown
            && current.text == aimed.text
            && now_millis.saturating_sub(current.seen_at_millis) < self.same_scan_millis
        {
            current.seen_at_millis = now_millis;
            return SessionUpdate::default();
        }
        let entry = SessionEntry {
            text: aimed.text.clone(),
            verdict: aimed.verdict.clone(),
            card: self.wording.describe(&aimed.verdict),
            seen_at_millis: now_millis,
        };
        self.recent.retain(|e| e.text != entry.text);
        self.recent.push_front(entry.clone());
        self.recent.truncate(self.history_size);
        self.shown = Some(entry);
        SessionUpdate { card_changed: true, history_changed: true }
    }

    /// The card on screen, if any.
    pub fn card(&self) -> Option<&SessionEntry> {
        self.shown.as_ref()
    }

    /// Recent scans, newest first, one entry per code.
    pub fn history(&self) -> impl ExactSizeIterator<Item = &SessionEntry> {
        self.recent.iter()
    }

    /// A history entry tapped: its card again. False if it is no longer held.
    pub fn show(&mut self, text: &str) -> bool {
        match self.recent.iter().find(|e| e.text == text) {
            Some(entry) => {
                self.shown = Some(entry.clone());
                true
            }
            None => false,
        }
    }

    /// The card closed; the same code still in view brings it back.
    pub fn dismiss(&mut self) {
        self.shown = None;
    }

    /// The wording the cards are written in.
    pub fn wording(&self) -> &Wording {
        &self.wording
    }
}
