//! What sync asks of the network: one GET at a time (and, for opt-in scan
//! reports, a POST to a brand's collector), through a [`Transport`]
//! the embedder plugs in — the app's own HTTP stack on phones (its proxy,
//! certificate pinning, Android's network security config, ATS), reqwest in
//! Rust (the `reqwest` feature).
//!
//! A transport is trusted with nothing but moving bytes. What it returns is
//! checked here and by the engine whatever it is: the cap again on the body
//! it hands back (a transport that returns more is refused, not trusted),
//! then hashes, signatures and versions (docs/SECURITY.md). What it is asked
//! to do is on each request, so that a careful transport stops early:
//!
//! - "Endless data": stop reading past [`HttpRequest::max_bytes`];
//! - "Slow retrieval": give up at [`HttpRequest::timeout`], body included;
//! - stop when [`HttpRequest::cancel`] is cancelled.
//!
//! [`fetched`] turns one GET's outcome into the engine's [`Fetched`] however
//! the bytes moved; [`crate::HttpFeed`] (not on wasm32) puts a transport's
//! calls under the engine's own deadline.

use crate::fetch::{CancelToken, FetchError, Fetched};
use std::time::Duration;

/// One POST of a JSON body; the answer is capped like a GET's.
#[derive(Debug)]
pub struct PostRequest<'a> {
    /// The absolute URL.
    pub url: &'a str,
    /// The JSON body.
    pub body: &'a [u8],
    /// The most answer bytes to read.
    pub max_bytes: u64,
    /// For the whole request.
    pub timeout: Duration,
    /// Stops it early.
    pub cancel: &'a CancelToken,
}

/// One GET.
#[derive(Debug)]
pub struct HttpRequest<'a> {
    /// The absolute URL.
    pub url: &'a str,
    /// The ETag we hold, for a conditional request (`If-None-Match`).
    pub if_none_match: Option<&'a str>,
    /// Most body bytes the caller will accept: stop reading past them and
    /// return [`TransportError::TooLarge`].
    pub max_bytes: u64,
    /// For the whole request, body included.
    pub timeout: Duration,
    /// Stop (and return [`TransportError::Cancelled`]) once cancelled.
    pub cancel: &'a CancelToken,
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status (after any redirects the transport followed).
    pub status: u16,
    /// The `ETag` header, if any.
    pub etag: Option<String>,
    /// The body (empty for 304).
    pub body: Vec<u8>,
}

/// Why a transport gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request's cancel token was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The deadline passed.
    #[error("timed out")]
    Timeout,
    /// The body passed `max_bytes`.
    #[error("over the byte cap")]
    TooLarge,
    /// Anything else: no connection, TLS, a malformed or cut-short answer.
    #[error("{0}")]
    Failed(String),
}

/// Moves the bytes of one GET. Blocking: the sync runs on a thread of its own.
pub trait Transport: Send + Sync {
    /// Performs `request`; any status is a response, not an error.
    fn get(&self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError>;

    /// One POST of JSON (opt-in scan reports to a brand's collector). A
    /// transport that does not implement it sends no reports.
    fn post(&self, request: &PostRequest<'_>) -> Result<HttpResponse, TransportError> {
        let _ = request;
        Err(TransportError::Failed("this transport cannot send reports (no POST)".into()))
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn get(&self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        (**self).get(request)
    }
    fn post(&self, request: &PostRequest<'_>) -> Result<HttpResponse, TransportError> {
        (**self).post(request)
    }
}

impl<T: Transport + ?Sized> Transport for &T {
    fn get(&self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        (**self).get(request)
    }
    fn post(&self, request: &PostRequest<'_>) -> Result<HttpResponse, TransportError> {
        (**self).post(request)
    }
}

/// Timeouts and retries of an [`HttpFeed`](crate::HttpFeed).
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// For each request, body included.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for transient failures only.
    pub retries: u32,
    /// Wait before the first retry; doubled each time.
    pub backoff: Duration,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            request_timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(250),
        }
    }
}

/// Longest ETag kept: it goes back to the server in a header.
const MAX_ETAG: usize = 256;

/// A feed's base URL, checked, and the URLs of its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedBase(String);

impl FeedBase {
    /// Checks a feed's base URL: http(s), a host, no user info, query or fragment.
    pub fn new(url: &str) -> Result<FeedBase, FetchError> {
        check_base(url).map(FeedBase).map_err(|e| FetchError::Transport(url.to_string(), e))
    }

    /// The URL of a feed file; anything but a plain relative path under the
    /// base is refused, so no answer can steer a fetch elsewhere.
    pub fn url(&self, path: &str) -> Result<String, FetchError> {
        if path.starts_with('/') || !path.chars().all(is_path_char) || path.split('/').any(|s| s == "..") {
            return Err(FetchError::Transport(path.into(), "not a feed path".into()));
        }
        Ok(format!("{}{path}", self.0))
    }
}

/// What one GET's outcome means to the engine, however the bytes moved (a
/// [`Transport`], a browser's `fetch`): statuses become [`Fetched`] or a
/// [`FetchError`], the cap holds whatever the transport did, a 304 counts
/// only when an ETag was sent, and a header-breaking ETag is dropped.
pub fn fetched(
    path: &str,
    cap: u64,
    sent_etag: bool,
    outcome: Result<HttpResponse, TransportError>,
) -> Result<Fetched, FetchError> {
    let response = outcome.map_err(|e| match e {
        TransportError::Cancelled => FetchError::Cancelled,
        TransportError::Timeout => FetchError::Timeout(path.into()),
        TransportError::TooLarge => FetchError::TooLarge { path: path.into(), cap },
        TransportError::Failed(why) => FetchError::Transport(path.into(), why),
    })?;
    match response.status {
        200 if response.body.len() as u64 > cap => Err(FetchError::TooLarge { path: path.into(), cap }),
        200 => {
            let etag = response
                .etag
                .filter(|e| e.len() <= MAX_ETAG && e.chars().all(|c| c.is_ascii_graphic() || c == ' '));
            Ok(Fetched::Body(response.body, etag))
        }
        304 if sent_etag => Ok(Fetched::NotModified),
        404 => Ok(Fetched::NotFound),
        status => Err(FetchError::Status { path: path.into(), status }),
    }
}

/// Characters allowed in a URL path: RFC 3986 unreserved, `/` and `%`-escapes.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~/%".contains(c)
}

/// Checks a feed's base URL: http(s), a host, no user info, query or fragment.
fn check_base(url: &str) -> Result<String, String> {
    let (scheme, rest) = url.split_once("://").ok_or("not an absolute URL")?;
    if !["http", "https"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(format!("scheme {scheme}: only http and https"));
    }
    if rest.contains(['?', '#', '@']) {
        return Err("a feed URL has no user info, query or fragment".into());
    }
    let (host, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host_ok = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
    if host.is_empty() || !host.chars().all(host_ok) {
        return Err(format!("bad host {host:?}"));
    }
    if !path.chars().all(is_path_char) {
        return Err(format!("bad path {path:?}"));
    }
    Ok(if url.ends_with('/') { url.to_string() } else { format!("{url}/") })
}
