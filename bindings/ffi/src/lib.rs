//! Genuine for Kotlin and Swift: one thread-safe `Verifier` object, a
//! `ScanSession` for scanner screens and the shopper-facing `Wording`, over
//! the `genuine` crate, generated with uniffi proc-macros. This crate only
//! converts; every rule lives in the core.
//!
//! Kotlin's `close()` (AutoCloseable) and Swift's `deinit` free the object
//! and close its store. Every export returns a `Result`, and every body runs behind
//! `catch_unwind`, so a panic becomes `GenuineError.Internal` instead of
//! crossing into the JVM or Swift.
//!
//! The library has no HTTP or TLS code: `sync()` moves its bytes through the
//! app's own HTTP stack, an [`HttpTransport`] the app passes to
//! `Verifier.open` (the SDK ships one on `HttpURLConnection` for Kotlin and
//! one on `URLSession` for Swift).

mod events;
mod session;
mod transport;
mod types;

pub use events::{GenuineLogger, LogEvent, LogLevel, StatusListener, set_logger};
use genuine::{
    CancelToken, FeedConfig, HttpFeed, LumaFrame, PublicKey, Scanner, Store, TrustAnchor, UnixTime,
};
pub use session::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
pub use transport::*;
pub use types::*;
use types::{signed, signed32};

uniffi::setup_scaffolding!();

/// What a caller can act on.
/// Kotlin's `toString()` and Swift's `description` (and, through the facade,
/// `LocalizedError.errorDescription`) are its `Display`: "network: ... (try
/// again later)", never a type's field dump.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum GenuineError {
    /// The input is wrong (a frame's size, a bundle, a config): fix the call.
    #[error("bad input to the Genuine SDK: {detail}")]
    BadInput {
        /// What is wrong.
        detail: String,
    },
    /// The on-device store failed (disk full, file corrupt, closed).
    #[error("the Genuine SDK's storage failed: {detail}")]
    Storage {
        /// What failed.
        detail: String,
    },
    /// The network failed. `retryable`: try again later as it is.
    #[error("could not fetch the feed: {detail}{}", retry_hint(*.retryable))]
    Network {
        /// What failed.
        detail: String,
        /// Worth retrying later.
        retryable: bool,
    },
    /// The feed was refused: rollback, mix-and-match, freeze, fork or a bad
    /// signature. Nothing changed; report it, do not retry in a loop.
    #[error("an update was refused by a safety check, nothing changed: {detail}")]
    FeedRefused {
        /// Which protection refused it.
        detail: String,
    },
    /// A bug: please report it.
    #[error("internal error in the Genuine SDK (please report it): {detail}")]
    Internal {
        /// What happened.
        detail: String,
    },
}

type Result<T> = std::result::Result<T, GenuineError>;

fn retry_hint(retryable: bool) -> &'static str {
    if retryable { " (try again later)" } else { "" }
}

fn bad(e: impl std::fmt::Display) -> GenuineError {
    GenuineError::BadInput { detail: e.to_string() }
}

fn storage(e: impl std::fmt::Display) -> GenuineError {
    GenuineError::Storage { detail: e.to_string() }
}

/// The sync thread ended without an answer (it cannot: `guard` catches panics).
fn stopped() -> GenuineError {
    GenuineError::Internal { detail: "the sync thread stopped".into() }
}

/// Runs `f`, turning a panic into `GenuineError::Internal`.
fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    genuine::catch_panic(f).unwrap_or_else(|detail| Err(GenuineError::Internal { detail }))
}

/// How to open a verifier.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifierConfig {
    /// Path of the SQLite store (created if missing), in the app's files dir.
    pub db_path: String,
    /// The pinned root keys, 64 hex digits each.
    pub root_keys: Vec<String>,
    /// How many of them must sign the first root.
    pub root_threshold: i32,
    /// The feed's base URL, for `sync()`; none: the verifier works on its
    /// bundle alone.
    #[uniffi(default = None)]
    pub feed_url: Option<String>,
    /// Seconds a feed request may take, body included (0: 20 s). The
    /// transport is told it on each request and the sync holds it to it.
    #[uniffi(default = 0)]
    pub request_timeout_seconds: i32,
}

/// The pinned root keys, as [`VerifierConfig`] takes them.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PinnedRoots {
    /// The root keys, 64 hex digits each.
    pub root_keys: Vec<String>,
    /// How many of them must sign the first root.
    pub root_threshold: i32,
}

/// Reads an anchor file (`threshold N` and `key HEX` lines, `#` comments),
/// the form in which a brand ships its pinned roots with the app. The same
/// parser and checks as the CLI's, so no app re-implements them.
#[uniffi::export]
pub fn parse_anchor(text: String) -> Result<PinnedRoots> {
    guard(|| {
        let anchor = TrustAnchor::from_text(&text).map_err(bad)?;
        Ok(PinnedRoots {
            root_keys: anchor.keys.iter().map(|k| k.to_hex()).collect(),
            root_threshold: i32::from(anchor.threshold),
        })
    })
}

/// The one object an app holds: verify, scan, sync. Thread-safe.
#[derive(uniffi::Object)]
pub struct Verifier {
    store: Mutex<Store>,
    scanner: Mutex<Scanner>,
    sync: Arc<SyncSetup>,
}

/// What a sync needs, shared with the thread it runs on.
struct SyncSetup {
    db_path: PathBuf,
    /// The store file was damaged at open and started afresh.
    rebuilt: bool,
    /// Who hears about status changes (the sync thread tells them too).
    listeners: Mutex<events::Listeners>,
    anchor: TrustAnchor,
    feed_url: Option<String>,
    timeout: Duration,
    /// The app's HTTP stack; `None`: no sync (a verifier on its bundle alone).
    transport: Option<Arc<dyn HttpTransport>>,
    /// The sync in flight, if any: one at a time, and a second caller joins
    /// it (unless it is being cancelled: then a new one starts).
    flight: Mutex<Option<Arc<Mutex<Flight>>>>,
}

/// One sync in flight and the callers waiting for its outcome.
struct Flight {
    cancel: CancelToken,
    waiters: Vec<tokio::sync::oneshot::Sender<Result<SyncReport>>>,
    /// Callers still waiting: when the last one stops (a Kotlin coroutine
    /// cancelled, a Swift task gone), the sync is cancelled.
    interested: usize,
}

/// A caller's interest in a flight; dropping the last one cancels it.
struct Interest(Arc<Mutex<Flight>>);

impl Drop for Interest {
    fn drop(&mut self) {
        let mut flight = lock(&self.0);
        flight.interested = flight.interested.saturating_sub(1);
        if flight.interested == 0 {
            flight.cancel.cancel();
        }
    }
}

fn now() -> UnixTime {
    genuine::device_now()
}

/// A camera's luma plane as the scanner takes it; a bad size (negative
/// included) is bad input.
fn luma_frame(buffer: &[u8], width: i32, height: i32, row_stride: i32) -> Result<LumaFrame<'_>> {
    let size = |v: i32, what: &str| usize::try_from(v).map_err(|_| bad(format!("{what} {v} is negative")));
    LumaFrame::new(buffer, size(width, "width")?, size(height, "height")?, size(row_stride, "row stride")?)
        .map_err(bad)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock was already turned into an error; the
    // data behind it is consistent (the store is transactional).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Verifier {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        f(&mut lock(&self.store))
    }

    /// Starts a sync, or joins the one in flight: the caller's interest (its
    /// drop may cancel the flight) and where its outcome arrives.
    fn take_off(&self) -> (Interest, tokio::sync::oneshot::Receiver<Result<SyncReport>>) {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let (flight, start) = {
            let mut current = lock(&self.sync.flight);
            match current.as_ref().filter(|f| !lock(f).cancel.is_cancelled()) {
                Some(f) => {
                    let mut joined = lock(f);
                    joined.waiters.push(done);
                    joined.interested += 1;
                    (Arc::clone(f), None)
                }
                None => {
                    let cancel = CancelToken::default();
                    let f = Arc::new(Mutex::new(Flight {
                        cancel: cancel.clone(),
                        waiters: vec![done],
                        interested: 1,
                    }));
                    *current = Some(Arc::clone(&f));
                    (f, Some(cancel))
                }
            }
        };
        let interest = Interest(Arc::clone(&flight));
        // A new flight: its thread, with the token the callers' interest cancels.
        if let Some(token) = start {
            let setup = Arc::clone(&self.sync);
            let landing = Arc::clone(&flight);
            let spawned = std::thread::Builder::new().name("genuine-sync".into()).spawn(move || {
                let result = guard(|| setup.run(&token));
                setup.land(&landing, result);
            });
            if let Err(e) = spawned {
                self.sync
                    .land(&flight, Err(GenuineError::Internal { detail: format!("no sync thread: {e}") }));
            }
        }
        (interest, outcome)
    }

    /// Scans a frame and verifies its codes. The scanner's lock is let go
    /// before the store's is taken, so a scan never waits on a verify.
    fn scan_and_verify_frame(&self, frame: &LumaFrame<'_>) -> Result<Vec<genuine::ScannedVerdict>> {
        let codes = lock(&self.scanner).scan(frame);
        self.with_store(|s| genuine::verify_codes(s, codes, now()).map_err(storage))
    }

    /// Queues a report of a scan already verified (when reporting is on and
    /// the verdict is GENUINE or REVOKED); says whether it did.
    fn queue_scan_report(&self, text: &str, verdict: &genuine::Verdict, place: Option<&str>) -> Result<bool> {
        self.with_store(|s| genuine::reporting::record_scan(s, text, verdict, now(), place).map_err(storage))
    }
}

#[uniffi::export]
impl Verifier {
    /// Opens (or creates) the store and pins the root keys. `transport` is
    /// the app's HTTP stack, which `sync()` moves the feed's bytes through
    /// (Kotlin: `HttpUrlConnectionTransport()` or the app's OkHttp client;
    /// Swift: `URLSessionTransport()`); without one, `sync()` is refused.
    #[uniffi::constructor(default(transport = None))]
    pub fn open(config: VerifierConfig, transport: Option<Arc<dyn HttpTransport>>) -> Result<Arc<Verifier>> {
        guard(|| {
            let keys = config
                .root_keys
                .iter()
                .map(|k| PublicKey::from_hex(k).ok_or_else(|| bad(format!("root key {k}"))))
                .collect::<Result<Vec<_>>>()?;
            let threshold = u8::try_from(config.root_threshold)
                .map_err(|_| bad(format!("root threshold {} is out of range", config.root_threshold)))?;
            let anchor = TrustAnchor { keys, threshold };
            // The same checks as an anchor file.
            let anchor = TrustAnchor::from_text(&anchor.to_text()).map_err(bad)?;
            let db_path = PathBuf::from(&config.db_path);
            // A damaged file is moved aside and the store starts empty: the app
            // sees `rootVersion == null` and `rebuiltAfterCorruption`, imports its
            // bundle, and the next sync brings the rest.
            let (store, rebuilt) = Store::open_or_rebuild(&db_path, &anchor).map_err(storage)?;
            let timeout = match u64::try_from(config.request_timeout_seconds) {
                Ok(0) => FeedConfig::default().request_timeout,
                Ok(s) => Duration::from_secs(s),
                Err(_) => return Err(bad("request_timeout_seconds is negative")),
            };
            if rebuilt {
                events::log(
                    LogLevel::Warn,
                    "open",
                    "the store file was damaged: moved aside, started afresh",
                    None,
                );
            }
            Ok(Arc::new(Verifier {
                store: Mutex::new(store),
                // Camera frames are what the SDK is given (issue 17): live.
                scanner: Mutex::new(Scanner::with_effort(genuine::Effort::Live)),
                sync: Arc::new(SyncSetup {
                    db_path,
                    rebuilt,
                    listeners: Mutex::new(events::Listeners::default()),
                    anchor,
                    feed_url: config.feed_url,
                    timeout,
                    transport,
                    flight: Mutex::new(None),
                }),
            }))
        })
    }

    /// How hard `scanLuma`, `scanAndVerify` and `ScanSession.scanFrame` try
    /// on each frame from now on (`LIVE` until changed; `PHOTO` for a
    /// photo from the gallery, where a second or so is fine).
    pub fn set_scan_effort(&self, effort: ScanEffort) {
        lock(&self.scanner).set_effort(effort.into());
    }

    /// Finds and decodes every QR code in a luma plane (CameraX plane 0 with
    /// its `rowStride`; AVFoundation plane 0 with `bytesPerRow`). Zero-copy:
    /// in Kotlin pass a direct `ByteBuffer` at position 0.
    pub fn scan_luma(
        &self,
        buffer: &[u8],
        width: i32,
        height: i32,
        row_stride: i32,
    ) -> Result<Vec<ScanResult>> {
        guard(|| {
            let frame = luma_frame(buffer, width, height, row_stride)?;
            let codes = lock(&self.scanner).scan(&frame);
            Ok(codes
                .into_iter()
                .map(|c| ScanResult {
                    text: c.text,
                    bytes: c.bytes,
                    corners: c.corners.iter().map(|p| Corner { x: p.x, y: p.y }).collect(),
                })
                .collect())
        })
    }

    /// Finds every QR code in a luma plane and verifies each: one call per
    /// camera frame instead of `scanLuma` and a `verify` per code. Zero-copy
    /// like `scanLuma`. For a scanner screen, `ScanSession.scanFrame` also
    /// follows the code aimed at and keeps the history.
    pub fn scan_and_verify(
        &self,
        buffer: &[u8],
        width: i32,
        height: i32,
        row_stride: i32,
    ) -> Result<Vec<ScannedVerdict>> {
        guard(|| {
            let frame = luma_frame(buffer, width, height, row_stride)?;
            let found = self.scan_and_verify_frame(&frame)?;
            Ok(session::scanned(&found, genuine::wording::english()))
        })
    }

    /// Verifies a scanned text offline. A verdict is a value: only a broken
    /// store is an error.
    pub fn verify(&self, text: String) -> Result<Verdict> {
        guard(|| self.with_store(|s| genuine::verify(s, &text, now()).map(Into::into).map_err(storage)))
    }

    /// Turns opt-in scan reports on or off (docs/CLONES.md). Off by default:
    /// turn them on only with the shopper's consent. Off drops every report
    /// not yet sent, and nothing more is ever sent.
    pub fn set_reporting(&self, enabled: bool) -> Result<()> {
        guard(|| self.with_store(|s| s.set_reporting(enabled).map_err(storage)))
    }

    /// Whether scan reports are on.
    pub fn reporting(&self) -> Result<bool> {
        guard(|| self.with_store(|s| s.reporting().map_err(storage)))
    }

    /// Verifies `text` and, when reporting is on and the code is GENUINE or
    /// REVOKED, queues a report for its brand's collector; says whether it
    /// did. `place`, only with the shopper's consent for it: a geohash, cut
    /// to 5 characters (about 5 km).
    #[uniffi::method(default(place = None))]
    pub fn report_scan(&self, text: String, place: Option<String>) -> Result<bool> {
        guard(|| {
            let verdict = self.with_store(|s| genuine::verify(s, &text, now()).map_err(storage))?;
            self.queue_scan_report(&text, &verdict, place.as_deref())
        })
    }

    /// Sends the queued reports to their brands' collectors through the
    /// app's transport. Blocking: call it off the main thread (`sync()`
    /// sends them too, after a good sync). With reporting off it makes no
    /// request.
    pub fn upload_reports(&self) -> Result<ReportUpload> {
        guard(|| {
            let transport = self.sync.app_transport()?;
            let mut store = self.sync.own_store()?;
            let cancel = CancelToken::default();
            let done = genuine::reporting::upload_reports(&mut store, &transport, self.sync.timeout, &cancel)
                .map_err(storage)?;
            Ok(done.into())
        })
    }

    /// Sends a shopper's report of a suspected fake to the brand's
    /// collector at once (docs/CLONES.md): their explicit act, so it needs
    /// no scan-reporting consent, and it carries only what they gave — the
    /// code, a reason, their note, at most one JPEG of 512 KiB, and a place
    /// (a geohash, cut to 5 characters) only if the app passes one.
    /// Blocking: call it off the main thread.
    #[uniffi::method(default(note = "", photo = None, place = None))]
    pub fn report_suspected_fake(
        &self,
        text: String,
        reason: FakeReason,
        note: String,
        photo: Option<Vec<u8>>,
        place: Option<String>,
    ) -> Result<()> {
        use genuine::reporting::FakeReportError as E;
        guard(|| {
            let transport = self.sync.app_transport()?;
            let mut store = self.sync.own_store()?;
            genuine::reporting::report_fake(
                &mut store,
                &transport,
                &text,
                reason.as_str(),
                &note,
                photo.as_deref(),
                place.as_deref(),
                now(),
                self.sync.timeout,
                &CancelToken::default(),
            )
            .map_err(|e| match e {
                E::Network(detail) => GenuineError::Network { retryable: true, detail },
                E::Store(e) => storage(e),
                e => bad(e),
            })
        })
    }

    /// Imports a trust bundle (the one shipped with the app, on first launch).
    pub fn import_bundle(&self, bundle: Vec<u8>) -> Result<ImportReport> {
        guard(|| {
            let (report, status) = self.with_store(|s| {
                let r = s.import_bundle(&bundle, now()).map_err(|e| match e {
                    genuine::ImportError::Store(e) => storage(e),
                    e => {
                        events::log(LogLevel::Error, "import", format!("bundle refused: {e}"), None);
                        bad(e)
                    }
                })?;
                let report = ImportReport {
                    roots_added: r.roots_added.into_iter().map(signed32).collect(),
                    documents_updated: signed32(r.brands_updated.len() + r.keysets_updated.len()),
                    unchanged: signed32(r.unchanged),
                    refused: r
                        .refused
                        .into_iter()
                        .map(|r| RefusedBrand { brand_id: r.brand_id, reason: r.error.to_string() })
                        .collect(),
                };
                let changed = !report.roots_added.is_empty() || report.documents_updated > 0;
                let status = if changed { Some(self.sync.status_of(s)?) } else { None };
                Ok((report, status))
            })?;
            events::log(
                LogLevel::Info,
                "import",
                format!(
                    "bundle: {} document(s) updated, {} unchanged",
                    report.documents_updated, report.unchanged
                ),
                None,
            );
            for refused in &report.refused {
                let message = format!("brand '{}' refused: {}", refused.brand_id, refused.reason);
                events::log(LogLevel::Warn, "import", message, None);
            }
            // Told outside the store's lock: a listener may call back in.
            if let Some(status) = status {
                events::notify(&self.sync.listeners, &status);
            }
            Ok(report)
        })
    }

    /// What the verifier trusts and how fresh its revocation data is.
    pub fn status(&self) -> Result<TrustStatus> {
        guard(|| self.with_store(|s| self.sync.status_of(s)))
    }

    /// Calls `listener` with the new status after every change of what this
    /// verifier trusts (a sync that changed something, an import), on the
    /// thread that made the change. Returns a handle for
    /// `remove_status_listener`. Kotlin: `statusUpdates()`; Swift:
    /// `statusUpdates()`.
    pub fn add_status_listener(&self, listener: Arc<dyn StatusListener>) -> i64 {
        lock(&self.sync.listeners).add(listener)
    }

    /// Stops calling the listener added under `handle`.
    pub fn remove_status_listener(&self, handle: i64) {
        lock(&self.sync.listeners).remove(handle);
    }

    /// Fetches new keys and revocations from the feed through the app's
    /// transport, on a thread of its own (the transport blocks), so it needs
    /// no async runtime: Kotlin `suspend`, Swift `async`. Cancel-safe:
    /// everything is checked before one transaction, and when the caller
    /// stops waiting (a Kotlin coroutine cancel) the request's `CancelSignal`
    /// turns on, which the transport watches, with nothing written.
    /// Verification goes on meanwhile, from the other connection.
    ///
    /// One sync runs at a time: a `sync()` while one is in flight joins it
    /// and gets the same report (or error), with no second fetch. The sync is
    /// cancelled only when every caller waiting for it has stopped waiting.
    pub async fn sync(&self) -> Result<SyncReport> {
        let (_interest, outcome) = self.take_off();
        outcome.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// `sync()` for callers without coroutines (a Java backend, a worker
    /// thread): blocks the calling thread until the sync is over. Never call
    /// it on a UI thread. It joins a sync in flight like `sync()`.
    pub fn sync_blocking(&self) -> Result<SyncReport> {
        let (_interest, outcome) = self.take_off();
        outcome.blocking_recv().unwrap_or_else(|_| Err(stopped()))
    }

    /// Cancels the sync in flight: it stops at its next check (its
    /// transport sees the request's `CancelSignal` turn on) with nothing
    /// written, and every caller waiting for it gets `Network(retryable)`.
    /// For Swift, whose `async` calls into the library cannot be cancelled by
    /// a `Task` cancel: the facade's `syncCancellable()` calls this from a
    /// cancellation handler.
    pub fn cancel_sync(&self) {
        if let Some(f) = lock(&self.sync.flight).as_ref() {
            lock(f).cancel.cancel();
        }
    }
}

impl SyncSetup {
    /// The app's HTTP stack, for a sync or an upload.
    fn app_transport(&self) -> Result<AppTransport> {
        let transport = self.transport.clone().ok_or_else(|| bad("no transport given to Verifier.open"))?;
        Ok(AppTransport(transport))
    }

    /// A store connection of its own, for work that waits on the network
    /// (verifies keep the shared one meanwhile).
    fn own_store(&self) -> Result<Store> {
        Store::open(&self.db_path, &self.anchor).map_err(storage)
    }

    /// What a store trusts, as the bindings show it.
    fn status_of(&self, store: &Store) -> Result<TrustStatus> {
        let sum = store.summary(now()).map_err(storage)?;
        Ok(TrustStatus {
            root_version: sum.root_version.map(signed32),
            brands: sum.brands.into_iter().map(|b| b.brand_id).collect(),
            timestamp_version: sum.timestamp_version.map(signed),
            last_sync: sum.last_timestamp.map(|t| signed(t.as_secs())),
            sync_expires: sum.timestamp_expires.map(|t| signed(t.as_secs())),
            freshness: sum.freshness.into(),
            rebuilt_after_corruption: self.rebuilt,
        })
    }

    /// The flight is over: every caller that waited for it gets its
    /// outcome, and the next `sync()` starts a new one.
    fn land(&self, flight: &Arc<Mutex<Flight>>, result: Result<SyncReport>) {
        {
            let mut current = lock(&self.flight);
            if current.as_ref().is_some_and(|f| Arc::ptr_eq(f, flight)) {
                *current = None;
            }
        }
        let waiters = std::mem::take(&mut lock(flight).waiters);
        for waiter in waiters {
            let _ = waiter.send(result.clone());
        }
    }

    fn run(&self, cancel: &CancelToken) -> Result<SyncReport> {
        let url = self.feed_url.as_deref().ok_or_else(|| bad("no feed_url in the config"))?;
        let transport = self.app_transport()?;
        let config = FeedConfig { request_timeout: self.timeout, ..FeedConfig::default() };
        let feed = HttpFeed::new(url, transport.clone(), config).map_err(bad)?;
        // Its own connection: verifies keep running during the fetch.
        let mut store = self.own_store()?;
        let started = std::time::Instant::now();
        let result = genuine::sync(&mut store, &feed, now(), cancel);
        let millis = Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
        let report = result.map_err(|e| {
            use genuine::SyncError as E;
            let error = match e {
                E::Fetch(f) => GenuineError::Network { retryable: f.is_transient(), detail: f.to_string() },
                E::Concurrent | E::Cancelled => {
                    GenuineError::Network { retryable: true, detail: e.to_string() }
                }
                E::Store(s) => storage(s),
                e => GenuineError::FeedRefused { detail: e.to_string() },
            };
            let level = match &error {
                GenuineError::Network { .. } => LogLevel::Warn,
                _ => LogLevel::Error,
            };
            events::log(level, "sync", format!("sync failed, nothing changed: {error}"), millis);
            error
        })?;
        let summary = format!(
            "synced: timestamp v{}{}, {} byte(s) in {} file(s), {} revocation entr{}",
            report.timestamp_version,
            if report.not_modified { " (not modified)" } else { "" },
            report.bytes_fetched,
            report.files_fetched,
            report.revocations.iter().map(|r| r.entries).sum::<usize>(),
            if report.revocations.iter().map(|r| r.entries).sum::<usize>() == 1 { "y" } else { "ies" },
        );
        events::log(LogLevel::Info, "sync", summary, millis);
        for refused in &report.refused {
            let message = format!("brand '{}' refused, kept as it was: {}", refused.brand_id, refused.reason);
            events::log(LogLevel::Warn, "sync", message, None);
        }
        if !report.not_modified {
            events::notify(&self.listeners, &self.status_of(&store)?);
        }
        // Opt-in scan reports ride along a good sync; a failure keeps them
        // queued for the next one and never fails the sync.
        if store.reporting().unwrap_or(false) {
            let sent = genuine::reporting::upload_reports(&mut store, &transport, self.timeout, cancel);
            let (level, message) = match sent {
                Ok(u) => {
                    (LogLevel::Info, format!("scan reports: {} sent, {} kept for later", u.sent, u.kept))
                }
                Err(e) => (LogLevel::Warn, format!("scan reports kept for later: {e}")),
            };
            events::log(level, "reports", message, None);
        }
        Ok(SyncReport {
            timestamp_version: signed(report.timestamp_version),
            not_modified: report.not_modified,
            roots_added: report.trust.roots_added.into_iter().map(signed32).collect(),
            documents_updated: signed32(
                report.trust.brands_updated.len() + report.trust.keysets_updated.len(),
            ),
            revocation_entries: signed(report.revocations.iter().map(|r| r.entries as u64).sum()),
            bytes_fetched: signed(report.bytes_fetched),
            refused: report
                .refused
                .into_iter()
                .map(|r| RefusedBrand { brand_id: r.brand_id, reason: r.reason })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_verifier(dir: &std::path::Path) -> Arc<Verifier> {
        let roots = parse_anchor(include_str!("../../../cli/demo/anchor.txt").into()).unwrap();
        let v = Verifier::open(
            VerifierConfig {
                db_path: dir.join("g.db").to_string_lossy().into(),
                root_keys: roots.root_keys,
                root_threshold: roots.root_threshold,
                feed_url: None,
                request_timeout_seconds: 0,
            },
            None,
        )
        .unwrap();
        v.import_bundle(include_bytes!("../../../cli/demo/trust.bundle").to_vec()).unwrap();
        v
    }

    /// The path every export takes: a panic inside becomes `Internal`, and the
    /// lock it poisoned does not break the calls after it.
    #[test]
    fn a_panic_becomes_internal_and_the_verifier_keeps_working() {
        let dir = tempfile::tempdir().unwrap();
        let v = demo_verifier(dir.path());
        let r: Result<()> = guard(|| v.with_store(|_| panic!("boom in the store")));
        assert!(matches!(r, Err(GenuineError::Internal { detail }) if detail == "boom in the store"));
        let r: Result<()> = guard(|| panic!("{}", String::from("formatted")));
        assert!(matches!(r, Err(GenuineError::Internal { detail }) if detail == "formatted"));
        assert!(matches!(
            v.verify("https://example.com/".into()),
            Ok(Verdict::NotSigned { product_link: false })
        ));
        assert_eq!(v.status().unwrap().root_version, Some(1));
    }

    /// What the app's transport is asked, and what it answers goes no further
    /// than the engine allows: a body over the cap it was told is refused.
    #[test]
    fn the_apps_transport_is_told_the_cap_and_deadline_and_held_to_them() {
        struct Careless(Mutex<Vec<HttpRequest>>);
        impl HttpTransport for Careless {
            fn get(&self, request: HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
                let body = vec![0; request.max_bytes as usize + 1];
                lock(&self.0).push(request);
                Ok(HttpResponse { status: 200, etag: None, body })
            }
            fn post(&self, _: PostRequest) -> std::result::Result<HttpResponse, TransportError> {
                Err(TransportError::Failed { detail: "no reports in this test".into() })
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let transport = Arc::new(Careless(Mutex::new(Vec::new())));
        let v = feed_verifier(dir.path(), "https://feed.example/base", 7, transport.clone());
        let r = guard(|| v.sync.run(&CancelToken::default()));
        assert!(
            matches!(&r, Err(GenuineError::Network { detail, retryable: false }) if detail.contains("cap")),
            "{r:?}"
        );
        let asked = lock(&transport.0);
        assert_eq!(asked.len(), 1, "refused, not retried");
        assert_eq!(asked[0].url, "https://feed.example/base/v1/root/2");
        assert_eq!(asked[0].timeout_millis, 7_000);
        assert!(!asked[0].cancel.is_cancelled());
    }

    /// A transport that answers after `delay` with a body over the cap, and
    /// counts the requests and the cancellations it saw.
    #[derive(Debug)]
    struct Slow {
        delay: Duration,
        asked: std::sync::atomic::AtomicUsize,
        cancelled: std::sync::atomic::AtomicUsize,
    }

    impl HttpTransport for Slow {
        fn post(&self, _: PostRequest) -> std::result::Result<HttpResponse, TransportError> {
            Err(TransportError::Failed { detail: "no reports in this test".into() })
        }

        fn get(&self, request: HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
            use std::sync::atomic::Ordering::SeqCst;
            self.asked.fetch_add(1, SeqCst);
            let start = std::time::Instant::now();
            while start.elapsed() < self.delay {
                if request.cancel.is_cancelled() {
                    self.cancelled.fetch_add(1, SeqCst);
                    return Err(TransportError::Cancelled);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(HttpResponse { status: 200, etag: None, body: vec![0; request.max_bytes as usize + 1] })
        }
    }

    /// A verifier on the demo trust, syncing from `feed_url` through `transport`.
    fn feed_verifier(
        dir: &std::path::Path,
        feed_url: &str,
        timeout_seconds: i32,
        transport: Arc<dyn HttpTransport>,
    ) -> Arc<Verifier> {
        let roots = parse_anchor(include_str!("../../../cli/demo/anchor.txt").into()).unwrap();
        let config = VerifierConfig {
            db_path: dir.join("g.db").to_string_lossy().into(),
            root_keys: roots.root_keys,
            root_threshold: roots.root_threshold,
            feed_url: Some(feed_url.into()),
            request_timeout_seconds: timeout_seconds,
        };
        let v = Verifier::open(config, Some(transport)).unwrap();
        v.import_bundle(include_bytes!("../../../cli/demo/trust.bundle").to_vec()).unwrap();
        v
    }

    fn slow_verifier(dir: &std::path::Path, delay: Duration) -> (Arc<Verifier>, Arc<Slow>) {
        let transport = Arc::new(Slow { delay, asked: Default::default(), cancelled: Default::default() });
        (feed_verifier(dir, "https://feed.example/", 0, transport.clone()), transport)
    }

    /// A second `sync()` while one runs joins it: one fetch, one outcome for both.
    #[test]
    fn a_second_sync_joins_the_one_in_flight() {
        use std::sync::atomic::Ordering::SeqCst;
        let dir = tempfile::tempdir().unwrap();
        let (v, transport) = slow_verifier(dir.path(), Duration::from_millis(300));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (a, b) = rt.block_on(async { tokio::join!(v.sync(), v.sync()) });
        let detail = |r: &Result<SyncReport>| match r {
            Err(GenuineError::Network { detail, retryable: false }) => detail.clone(),
            other => panic!("expected the transport's over-cap refusal, got {other:?}"),
        };
        assert_eq!(detail(&a), detail(&b));
        assert_eq!(transport.asked.load(SeqCst), 1, "joined, not fetched twice");
        // The flight is over: the next sync is a new one.
        let c = rt.block_on(v.sync());
        assert_eq!(detail(&c), detail(&a));
        assert_eq!(transport.asked.load(SeqCst), 2);
    }

    /// One caller giving up does not cancel the sync another still waits for;
    /// the last one giving up does.
    #[test]
    fn a_joined_sync_is_cancelled_only_when_nobody_waits() {
        use std::sync::atomic::Ordering::SeqCst;
        let dir = tempfile::tempdir().unwrap();
        let (v, transport) = slow_verifier(dir.path(), Duration::from_millis(400));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (gave_up, waited) = rt.block_on(async {
            tokio::join!(tokio::time::timeout(Duration::from_millis(50), v.sync()), v.sync())
        });
        assert!(gave_up.is_err(), "the first caller stopped waiting");
        assert!(matches!(waited, Err(GenuineError::Network { retryable: false, .. })), "{waited:?}");
        assert_eq!(transport.cancelled.load(SeqCst), 0, "the sync ran on for the caller still waiting");

        // Alone, giving up while the transport works on the request.
        let asked = transport.asked.load(SeqCst);
        rt.block_on(async {
            tokio::select! {
                r = v.sync() => panic!("the request takes 400 ms: {r:?}"),
                _ = async {
                    while transport.asked.load(SeqCst) == asked {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                } => {}
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while transport.cancelled.load(SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(transport.cancelled.load(SeqCst), 1, "nobody waits: the transport saw the cancel");
        // A sync being cancelled is not joined: the next one starts afresh.
        let next = rt.block_on(v.sync());
        assert!(matches!(next, Err(GenuineError::Network { retryable: false, .. })), "{next:?}");
    }

    /// An app transport that never returns (and never looks at its cancel
    /// signal): the engine's deadline ends the flight anyway.
    #[derive(Debug)]
    struct Hung;

    impl HttpTransport for Hung {
        fn post(&self, _: PostRequest) -> std::result::Result<HttpResponse, TransportError> {
            Err(TransportError::Failed { detail: "no reports in this test".into() })
        }

        fn get(&self, _: HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
            loop {
                std::thread::park();
            }
        }
    }

    /// Issue 30, finding 13: a transport that never returned hung `sync()`,
    /// every later `sync()` joined the hung flight, and `cancelSync` did not
    /// release the callers waiting for it.
    #[test]
    fn a_transport_that_never_returns_cannot_hold_sync() {
        let dir = tempfile::tempdir().unwrap();
        let v = feed_verifier(dir.path(), "https://feed.example/", 1, Arc::new(Hung));
        // Each outcome is awaited on a thread of its own, so that a hang fails the test.
        let waiter = |v: &Arc<Verifier>| {
            let (tx, rx) = std::sync::mpsc::channel();
            let v = Arc::clone(v);
            std::thread::spawn(move || {
                let _ = tx.send(v.sync_blocking());
            });
            rx
        };
        let (first, joined) = (waiter(&v), waiter(&v));
        for outcome in [first, joined] {
            let r = outcome.recv_timeout(Duration::from_secs(20)).expect("sync() hung on a hung transport");
            assert!(matches!(&r, Err(GenuineError::Network { retryable: true, .. })), "{r:?}");
        }
        // A later sync is a new flight, and cancelSync releases its callers.
        let waiting = [waiter(&v), waiter(&v)];
        std::thread::sleep(Duration::from_millis(200));
        v.cancel_sync();
        for outcome in waiting {
            let r = outcome.recv_timeout(Duration::from_secs(5)).expect("cancelSync left a caller waiting");
            assert!(matches!(&r, Err(GenuineError::Network { retryable: true, .. })), "{r:?}");
        }
    }

    /// A sync without a feed is a caller's mistake, reported from the sync thread.
    #[test]
    fn a_sync_without_a_feed_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let v = demo_verifier(dir.path());
        let setup = Arc::clone(&v.sync);
        let r = guard(|| setup.run(&CancelToken::default()));
        assert!(matches!(r, Err(GenuineError::BadInput { .. })));
    }
}
