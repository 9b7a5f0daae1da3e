//! The app's HTTP stack, plugged into the sync as a uniffi foreign trait
//! (as Mozilla's application-services does with viaduct): Kotlin and Swift
//! implement [`HttpTransport`] and pass it to `Verifier.open`.
//!
//! The transport is trusted with nothing but moving bytes: the core re-checks
//! the cap on what it returns and checks every hash, signature and version
//! (genuine-sync's `transport`). Each request says what a careful
//! transport enforces itself: the byte cap while streaming, the deadline, and
//! a [`CancelSignal`] that turns on when the app stops waiting for the sync.

use genuine as sync;
use genuine::CancelToken;
use std::sync::Arc;

/// One GET, as the sync asks the app's HTTP stack for it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpRequest {
    /// The absolute URL (the feed URL and a feed path).
    pub url: String,
    /// Send as `If-None-Match` when present.
    pub if_none_match: Option<String>,
    /// Stop reading past this many body bytes and throw `TooLarge`.
    pub max_bytes: i64,
    /// For the whole request, body included; then throw `Timeout`.
    pub timeout_millis: i64,
    /// Turns on when the sync is cancelled; then stop and throw `Cancelled`.
    pub cancel: Arc<CancelSignal>,
}

/// One POST of JSON to a brand's collector: opt-in scan reports, only ever
/// asked for when the shopper agreed (`Verifier.setReporting(true)`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct PostRequest {
    /// The absolute URL (the brand's collector and `/v1/events`).
    pub url: String,
    /// The JSON body (`Content-Type: application/json`).
    pub body: Vec<u8>,
    /// Stop reading the answer past this many bytes and throw `TooLarge`.
    pub max_bytes: i64,
    /// For the whole request; then throw `Timeout`.
    pub timeout_millis: i64,
    /// Turns on when the upload is cancelled; then stop and throw `Cancelled`.
    pub cancel: Arc<CancelSignal>,
}

/// What the server answered (any status: a 304, 404 or 500 is an answer).
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpResponse {
    /// The HTTP status, after any redirects.
    pub status: i32,
    /// The `ETag` header, if any.
    pub etag: Option<String>,
    /// The body (empty for 304).
    pub body: Vec<u8>,
}

/// Why a transport gave up. Anything else it throws counts as `Failed`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    /// The request's `cancel` signal turned on.
    #[error("cancelled")]
    Cancelled,
    /// The deadline passed.
    #[error("timed out")]
    Timeout,
    /// The body passed `max_bytes`.
    #[error("over the byte cap")]
    TooLarge,
    /// No connection, TLS refused, a cut-short or malformed answer.
    #[error("{detail}")]
    Failed {
        /// What failed.
        detail: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Failed { detail: e.reason }
    }
}

/// Moves the bytes of one GET; called on the sync's own thread, and may block.
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    /// Performs `request`.
    fn get(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Performs one POST of JSON (opt-in scan reports to a brand's collector).
    fn post(&self, request: PostRequest) -> Result<HttpResponse, TransportError>;
}

/// Turns on when the sync a request belongs to is cancelled.
#[derive(Debug, uniffi::Object)]
pub struct CancelSignal(CancelToken);

#[uniffi::export]
impl CancelSignal {
    /// Has the app stopped waiting for the sync?
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// The app's transport as the core's.
#[derive(Clone)]
pub(crate) struct AppTransport(pub(crate) Arc<dyn HttpTransport>);

impl sync::Transport for AppTransport {
    fn get(&self, r: &sync::HttpRequest<'_>) -> Result<sync::HttpResponse, sync::TransportError> {
        let request = HttpRequest {
            url: r.url.to_string(),
            if_none_match: r.if_none_match.map(str::to_string),
            max_bytes: i64::try_from(r.max_bytes).unwrap_or(i64::MAX),
            timeout_millis: i64::try_from(r.timeout.as_millis()).unwrap_or(i64::MAX),
            cancel: Arc::new(CancelSignal(r.cancel.clone())),
        };
        answer(self.0.get(request))
    }

    fn post(&self, r: &sync::PostRequest<'_>) -> Result<sync::HttpResponse, sync::TransportError> {
        let request = PostRequest {
            url: r.url.to_string(),
            body: r.body.to_vec(),
            max_bytes: i64::try_from(r.max_bytes).unwrap_or(i64::MAX),
            timeout_millis: i64::try_from(r.timeout.as_millis()).unwrap_or(i64::MAX),
            cancel: Arc::new(CancelSignal(r.cancel.clone())),
        };
        answer(self.0.post(request))
    }
}

/// The app transport's answer as the core's.
fn answer(result: Result<HttpResponse, TransportError>) -> Result<sync::HttpResponse, sync::TransportError> {
    match result {
        // A status outside 0..=65535 is no HTTP status: it fails as one.
        Ok(a) => Ok(sync::HttpResponse {
            status: u16::try_from(a.status).unwrap_or(0),
            etag: a.etag,
            body: a.body,
        }),
        Err(TransportError::Cancelled) => Err(sync::TransportError::Cancelled),
        Err(TransportError::Timeout) => Err(sync::TransportError::Timeout),
        Err(TransportError::TooLarge) => Err(sync::TransportError::TooLarge),
        Err(TransportError::Failed { detail }) => Err(sync::TransportError::Failed(detail)),
    }
}
