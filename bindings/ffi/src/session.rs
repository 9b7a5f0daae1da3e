//! The scan session and the shopper-facing wording, for Kotlin and Swift:
//! conversions around `genuine::ScanSession` and `genuine::wording`, so both
//! apps show the same cards in the same words from one table.

use crate::types::{Corner, TrustStatus, Verdict};
use crate::{GenuineError, Result, Verifier, bad, guard, lock, luma_frame};
use genuine::wording as core;
use std::sync::{Arc, Mutex};

/// What the shopper should feel; each card has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Tone {
    /// The brand minted it and nothing is wrong.
    Genuine,
    /// Genuine with something to know (expired), or not checkable yet.
    Caution,
    /// A real signature on a link the brand never registered: the landing
    /// page may be a look-alike.
    LookAlikeLink,
    /// Revoked, recalled, copied or fake.
    Danger,
    /// Not a Genuine code.
    Neutral,
}

/// A labelled line of product data.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Detail {
    /// "Serial", "Batch", ...
    pub label: String,
    /// Its value.
    pub value: String,
}

/// Everything a verdict's card shows, in the wording's language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerdictCard {
    /// Two or three words.
    pub title: String,
    /// How it should look.
    pub tone: Tone,
    /// The tone's colour, ARGB.
    pub tone_argb: i32,
    /// The tone's name, for a badge or an accessibility label.
    pub tone_label: String,
    /// What the check found.
    pub explanation: String,
    /// What to do now.
    pub next_step: String,
    /// The product as signed (or, for a fake, as claimed).
    pub details: Vec<Detail>,
    /// The clock, how current the recall lists are.
    pub notes: Vec<String>,
}

impl From<core::VerdictCard> for VerdictCard {
    fn from(c: core::VerdictCard) -> Self {
        VerdictCard {
            title: c.title,
            tone: match c.tone {
                core::Tone::Genuine => Tone::Genuine,
                core::Tone::Caution => Tone::Caution,
                core::Tone::LookAlikeLink => Tone::LookAlikeLink,
                core::Tone::Danger => Tone::Danger,
                core::Tone::Neutral => Tone::Neutral,
            },
            // The ARGB bits as Android's `Color` takes them (an `Int`).
            tone_argb: c.tone.argb() as i32,
            tone_label: c.tone_label,
            explanation: c.explanation,
            next_step: c.next_step,
            details: c.details.into_iter().map(|d| Detail { label: d.label, value: d.value }).collect(),
            notes: c.notes,
        }
    }
}

/// A code found in a frame, with its verdict and card.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScannedVerdict {
    /// The code's text.
    pub text: String,
    /// Corners in frame pixels, for an overlay.
    pub corners: Vec<Corner>,
    /// What verification found.
    pub verdict: Verdict,
    /// What the shopper reads.
    pub card: VerdictCard,
}

pub(crate) fn scanned(found: &[genuine::ScannedVerdict], wording: &core::Wording) -> Vec<ScannedVerdict> {
    found
        .iter()
        .map(|f| ScannedVerdict {
            text: f.text.clone(),
            corners: f.corners.iter().map(|p| Corner { x: p.x, y: p.y }).collect(),
            verdict: f.verdict.clone().into(),
            card: wording.describe(&f.verdict).into(),
        })
        .collect()
}

/// One code as the card and the history show it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SessionEntry {
    /// The code's text.
    pub text: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// What the shopper reads.
    pub card: VerdictCard,
    /// When it was last in view (the caller's milliseconds).
    pub seen_at_millis: i64,
}

impl From<&genuine::SessionEntry> for SessionEntry {
    fn from(e: &genuine::SessionEntry) -> Self {
        SessionEntry {
            text: e.text.clone(),
            verdict: e.verdict.clone().into(),
            card: e.card.clone().into(),
            seen_at_millis: crate::types::signed(e.seen_at_millis),
        }
    }
}

/// One frame through a session.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FrameReport {
    /// Every code in the frame, with its verdict and card.
    pub codes: Vec<ScannedVerdict>,
    /// The card on screen changed: redraw it.
    pub card_changed: bool,
    /// The history has a new entry on top.
    pub history_changed: bool,
}

/// A wording table: every message a card shows, in one language.
#[derive(Debug, uniffi::Object)]
pub struct Wording(core::Wording);

#[uniffi::export]
impl Wording {
    /// The English wording shipped with the library.
    #[uniffi::constructor]
    pub fn english() -> Arc<Wording> {
        Arc::new(Wording(core::Wording::english()))
    }

    /// A translation: `id = text` lines with the English table's ids and,
    /// in each message, the same `{placeholders}`; anything else is refused.
    #[uniffi::constructor]
    pub fn parse(table: String) -> Result<Arc<Wording>> {
        guard(|| Ok(Arc::new(Wording(core::Wording::parse(&table).map_err(bad)?))))
    }

    /// The card for a verdict.
    pub fn describe(&self, verdict: Verdict) -> VerdictCard {
        self.0.describe(&verdict.into()).into()
    }

    /// The status line under a scanner.
    pub fn status(&self, status: TrustStatus) -> String {
        let last = status.last_sync.map(|t| genuine::UnixTime::from_secs(u64::try_from(t).unwrap_or(0)));
        self.0.status(last, &status.freshness.into())
    }

    /// Why an update failed, in words a shopper can act on.
    pub fn sync_problem(&self, error: GenuineError) -> String {
        let problem = match error {
            GenuineError::Network { retryable: true, .. } => core::SyncProblem::NetworkRetry,
            GenuineError::Network { retryable: false, .. } => core::SyncProblem::NetworkBadAnswer,
            GenuineError::FeedRefused { .. } => core::SyncProblem::FeedRefused,
            GenuineError::Storage { .. } => core::SyncProblem::Storage,
            GenuineError::BadInput { detail } => core::SyncProblem::BadInput(detail),
            GenuineError::Internal { .. } => core::SyncProblem::Internal,
        };
        self.0.sync_problem(&problem)
    }
}

/// What a scanner screen shows as frames arrive: the card of the code aimed
/// at (the largest in view), and a history with one entry per code, newest
/// first. Thread-safe: frames from the camera thread, taps from the UI.
#[derive(uniffi::Object)]
pub struct ScanSession {
    verifier: Arc<Verifier>,
    inner: Mutex<genuine::ScanSession>,
    /// The coarse place scan reports carry, if the app gave one.
    place: Mutex<Option<String>>,
}

#[uniffi::export]
impl ScanSession {
    /// A session over `verifier`. `same_scan_millis`: how long a code may
    /// leave the view and still be the same scan; `history_size`: entries kept.
    #[uniffi::constructor(default(wording = None, same_scan_millis = 3000, history_size = 50))]
    pub fn new(
        verifier: Arc<Verifier>,
        wording: Option<Arc<Wording>>,
        same_scan_millis: i64,
        history_size: i32,
    ) -> Arc<ScanSession> {
        let wording = wording.map_or_else(core::Wording::english, |w| w.0.clone());
        // Negative limits read as the smallest ones (no pause, one entry).
        let pause = u64::try_from(same_scan_millis).unwrap_or(0);
        let inner =
            genuine::ScanSession::with_limits(wording, pause, usize::try_from(history_size).unwrap_or(1));
        Arc::new(ScanSession { verifier, inner: Mutex::new(inner), place: Mutex::new(None) })
    }

    /// One camera frame (a luma plane, as `Verifier.scanLuma` takes it):
    /// every code with its verdict, and what changed on screen. `now_millis`
    /// is a monotonic clock (Android `SystemClock.elapsedRealtime`, iOS
    /// `ProcessInfo.systemUptime`).
    pub fn scan_frame(
        &self,
        buffer: &[u8],
        width: i32,
        height: i32,
        row_stride: i32,
        now_millis: i64,
    ) -> Result<FrameReport> {
        guard(|| {
            let frame = luma_frame(buffer, width, height, row_stride)?;
            let found = self.verifier.scan_and_verify_frame(&frame)?;
            let (report, new_scan) = {
                let mut session = lock(&self.inner);
                let update = session.on_frame(&found, u64::try_from(now_millis).unwrap_or(0));
                let new_scan = update.history_changed.then(|| session.card().cloned()).flatten();
                let report = FrameReport {
                    codes: scanned(&found, session.wording()),
                    card_changed: update.card_changed,
                    history_changed: update.history_changed,
                };
                (report, new_scan)
            };
            // A new scan (not every frame a code stays in view) is reported
            // when the shopper opted in; reporting never fails a frame.
            if let Some(entry) = new_scan {
                let place = lock(&self.place).clone();
                if let Err(e) = self.verifier.queue_scan_report(&entry.text, &entry.verdict, place.as_deref())
                {
                    crate::events::log(
                        crate::events::LogLevel::Warn,
                        "reports",
                        format!("scan report not queued: {e}"),
                        None,
                    );
                }
            }
            Ok(report)
        })
    }

    /// The coarse place the session's scan reports carry (a geohash, cut to
    /// 5 characters, about 5 km), or null for none. Give one only with the
    /// shopper's consent to share it; reports need reporting on
    /// (`Verifier.setReporting`) at all.
    pub fn set_place(&self, place: Option<String>) {
        *lock(&self.place) = place;
    }

    /// The card on screen, if any.
    pub fn card(&self) -> Option<SessionEntry> {
        lock(&self.inner).card().map(Into::into)
    }

    /// Recent scans, newest first, one entry per code.
    pub fn history(&self) -> Vec<SessionEntry> {
        lock(&self.inner).history().map(Into::into).collect()
    }

    /// A history entry tapped: its card again (false if it is gone).
    pub fn show(&self, text: String) -> bool {
        lock(&self.inner).show(&text)
    }

    /// The card closed; the same code still in view brings it back.
    pub fn dismiss(&self) {
        lock(&self.inner).dismiss();
    }
}
