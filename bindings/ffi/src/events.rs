//! What the SDK tells the app: log events for the app's own logger, and
//! trust-status changes for its UI (Kotlin wraps them as a `Flow`, Swift as
//! an `AsyncStream`). A callback that throws never reaches the library: its
//! error is dropped, and a panic is contained.

use crate::lock;
use crate::types::TrustStatus;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

/// How much an event matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// Routine: a sync that brought news, an import.
    Info,
    /// Worth a look: a brand's documents refused, a store rebuilt.
    Warn,
    /// Something the app should surface or report: a feed refused.
    Error,
}

/// One thing that happened inside the SDK.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LogEvent {
    /// How much it matters.
    pub level: LogLevel,
    /// What part of the SDK: `open`, `import`, `sync`.
    pub topic: String,
    /// What happened, for a person reading the app's logs.
    pub message: String,
    /// How long it took, where that means something (a sync).
    pub millis: Option<i64>,
}

/// The app's logger (Timber, `android.util.Log`, `os.Logger`, SLF4J...).
/// Called on the SDK's threads; keep it quick.
#[uniffi::export(with_foreign)]
pub trait GenuineLogger: Send + Sync {
    /// One event.
    fn log(&self, event: LogEvent);
}

/// Hears about every change of what a verifier trusts (a sync, an import).
#[uniffi::export(with_foreign)]
pub trait StatusListener: Send + Sync {
    /// The status after the change.
    fn on_status(&self, status: TrustStatus);
}

static LOGGER: Mutex<Option<Arc<dyn GenuineLogger>>> = Mutex::new(None);

/// Sends the SDK's events to `logger` (one for the process); `None` stops.
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn GenuineLogger>>) {
    *lock(&LOGGER) = logger;
}

/// Logs an event, if the app set a logger. A logger that panics or throws
/// costs its event, nothing more.
pub(crate) fn log(level: LogLevel, topic: &str, message: impl Into<String>, millis: Option<i64>) {
    let Some(logger) = lock(&LOGGER).clone() else { return };
    let event = LogEvent { level, topic: topic.into(), message: message.into(), millis };
    let _ = catch_unwind(AssertUnwindSafe(|| logger.log(event)));
}

/// A verifier's status listeners, each under the handle it was added with.
#[derive(Default)]
pub(crate) struct Listeners {
    next: i64,
    all: Vec<(i64, Arc<dyn StatusListener>)>,
}

impl Listeners {
    pub(crate) fn add(&mut self, listener: Arc<dyn StatusListener>) -> i64 {
        self.next += 1;
        self.all.push((self.next, listener));
        self.next
    }

    pub(crate) fn remove(&mut self, handle: i64) {
        self.all.retain(|(h, _)| *h != handle);
    }

    /// Everyone to tell, taken out so no lock is held while they run.
    pub(crate) fn snapshot(&self) -> Vec<Arc<dyn StatusListener>> {
        self.all.iter().map(|(_, l)| Arc::clone(l)).collect()
    }
}

/// Tells each listener; one that panics or throws does not stop the others.
pub(crate) fn notify(listeners: &Mutex<Listeners>, status: &TrustStatus) {
    let all = lock(listeners).snapshot();
    for listener in all {
        let status = status.clone();
        let _ = catch_unwind(AssertUnwindSafe(|| listener.on_status(status)));
    }
}
