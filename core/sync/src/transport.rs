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
//! [`HttpFeed`] turns a transport into the engine's [`Fetch`]: feed paths
//! under one base URL, statuses into [`Fetched`], the deadline and
//! cancellation enforced whatever the transport does (each call runs on a
//! thread of its own, and a call that outlives its deadline is left there),
//! transient failures retried with backoff.

use crate::fetch::{CancelToken, Fetch, FetchError, Fetched};
use std::time::{Duration, Instant};

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

/// Timeouts and retries of an [`HttpFeed`].
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
/// How often a backoff wait checks the cancel token.
const BACKOFF_SLICE: Duration = Duration::from_millis(50);

/// A feed at a base URL, fetched through a transport.
#[derive(Debug)]
pub struct HttpFeed<T> {
    base: FeedBase,
    transport: std::sync::Arc<T>,
    config: FeedConfig,
}

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

/// How long past its deadline a transport's call is waited for before the
/// engine gives up on it (a careful transport times itself out first).
const DEADLINE_GRACE: Duration = Duration::from_secs(1);
/// How often the wait for a transport checks the cancel token.
const CANCEL_SLICE: Duration = Duration::from_millis(20);

/// Runs one transport call on a thread of its own and waits for it at most
/// `timeout` (and the grace), or until `cancel` turns on. An app's
/// transport that never returns (issue 30, finding 13) is left to its
/// thread: the sync goes on to its outcome, and the next one starts anew.
fn with_deadline<R: Send + 'static>(
    call: impl FnOnce() -> Result<R, TransportError> + Send + 'static,
    timeout: Duration,
    cancel: &CancelToken,
) -> Result<R, TransportError> {
    let (done, outcome) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("genuine-transport".into())
        .spawn(move || {
            let _ = done.send(call());
        })
        .map_err(|e| TransportError::Failed(format!("no thread for the request: {e}")))?;
    let deadline = Instant::now() + timeout + DEADLINE_GRACE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match outcome.recv_timeout(CANCEL_SLICE.min(left)) {
            Ok(result) => return result,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(TransportError::Failed("the transport failed without an answer".into()));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if cancel.is_cancelled() => {
                return Err(TransportError::Cancelled);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if left.is_zero() => {
                return Err(TransportError::Timeout);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
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

impl<T: Transport + 'static> HttpFeed<T> {
    /// A feed at `base_url` (e.g. `https://feed.example/`) through `transport`.
    pub fn new(base_url: &str, transport: T, config: FeedConfig) -> Result<HttpFeed<T>, FetchError> {
        Ok(HttpFeed { base: FeedBase::new(base_url)?, transport: std::sync::Arc::new(transport), config })
    }

    fn once(
        &self,
        path: &str,
        url: &str,
        cap: u64,
        etag: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let (transport, timeout, asked) =
            (self.transport.clone(), self.config.request_timeout, cancel.clone());
        let (url, etag_held) = (url.to_string(), etag.map(str::to_string));
        let call = move || {
            let request = HttpRequest {
                url: &url,
                if_none_match: etag_held.as_deref(),
                max_bytes: cap,
                timeout,
                cancel: &asked,
            };
            transport.get(&request)
        };
        let outcome = with_deadline(call, timeout, cancel);
        // A transport that ignored what it was told gains nothing by it.
        if outcome.is_ok() && cancel.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        if outcome.is_ok() && started.elapsed() > self.config.request_timeout {
            return Err(FetchError::Timeout(path.into()));
        }
        fetched(path, cap, etag.is_some(), outcome)
    }
}

impl<T: Transport + 'static> Fetch for HttpFeed<T> {
    fn fetch(
        &self,
        path: &str,
        cap: u64,
        etag: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Fetched, FetchError> {
        let url = self.base.url(path)?;
        let mut attempt = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(FetchError::Cancelled);
            }
            match self.once(path, &url, cap, etag, cancel) {
                Err(e) if e.is_transient() && attempt < self.config.retries => {
                    let until = Instant::now() + self.config.backoff.saturating_mul(1 << attempt.min(16));
                    while Instant::now() < until {
                        if cancel.is_cancelled() {
                            return Err(FetchError::Cancelled);
                        }
                        std::thread::sleep(
                            BACKOFF_SLICE.min(until.saturating_duration_since(Instant::now())),
                        );
                    }
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A transport that answers from a script, recording what it was asked.
    struct Scripted {
        answers: Mutex<Vec<Result<HttpResponse, TransportError>>>,
        asked: Mutex<Vec<(String, Option<String>, u64)>>,
    }

    impl Scripted {
        fn new(mut answers: Vec<Result<HttpResponse, TransportError>>) -> Scripted {
            answers.reverse();
            Scripted { answers: Mutex::new(answers), asked: Mutex::default() }
        }
    }

    impl Transport for Scripted {
        fn get(&self, r: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
            self.asked.lock().unwrap().push((r.url.into(), r.if_none_match.map(Into::into), r.max_bytes));
            self.answers.lock().unwrap().pop().unwrap_or(Err(TransportError::Failed("no answer".into())))
        }
    }

    fn ok(status: u16, body: &[u8], etag: Option<&str>) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status, etag: etag.map(Into::into), body: body.to_vec() })
    }

    fn feed(answers: Vec<Result<HttpResponse, TransportError>>) -> HttpFeed<Scripted> {
        let config = FeedConfig { retries: 1, backoff: Duration::from_millis(1), ..FeedConfig::default() };
        HttpFeed::new("https://feed.example/base", Scripted::new(answers), config).unwrap()
    }

    #[test]
    fn statuses_become_what_the_engine_expects() {
        let f = feed(vec![
            ok(200, b"abc", Some("\"e1\"")),
            ok(304, b"", None),
            ok(404, b"", None),
            ok(403, b"", None),
        ]);
        let c = CancelToken::default();
        assert_eq!(
            f.fetch("v1/timestamp", 10, None, &c),
            Ok(Fetched::Body(b"abc".to_vec(), Some("\"e1\"".into())))
        );
        assert_eq!(f.fetch("v1/timestamp", 10, Some("\"e1\""), &c), Ok(Fetched::NotModified));
        assert_eq!(f.fetch("v1/root/2", 10, None, &c), Ok(Fetched::NotFound));
        assert_eq!(
            f.fetch("v1/x", 10, None, &c),
            Err(FetchError::Status { path: "v1/x".into(), status: 403 })
        );
        let asked = f.transport.asked.lock().unwrap();
        assert_eq!(asked[0], ("https://feed.example/base/v1/timestamp".into(), None, 10));
        assert_eq!(asked[1].1.as_deref(), Some("\"e1\""));
    }

    /// A transport is told the cap; one that returns more anyway is refused.
    #[test]
    fn a_body_over_the_cap_is_refused_whatever_the_transport_did() {
        let f = feed(vec![ok(200, &[0; 11], None)]);
        let got = f.fetch("v1/timestamp", 10, None, &CancelToken::default());
        assert_eq!(got, Err(FetchError::TooLarge { path: "v1/timestamp".into(), cap: 10 }));
    }

    /// A 304 we did not ask for is not "unchanged"; a header-breaking ETag is dropped.
    #[test]
    fn unasked_304s_and_hostile_etags_go_no_further() {
        let f = feed(vec![ok(304, b"", None), ok(200, b"x", Some("\"a\"\r\nX-Evil: 1"))]);
        let c = CancelToken::default();
        assert!(matches!(f.fetch("v1/timestamp", 10, None, &c), Err(FetchError::Status { status: 304, .. })));
        assert_eq!(f.fetch("v1/timestamp", 10, None, &c), Ok(Fetched::Body(b"x".to_vec(), None)));
    }

    #[test]
    fn transient_failures_are_retried_and_others_are_not() {
        let f = feed(vec![Err(TransportError::Failed("reset".into())), ok(200, b"x", None)]);
        assert_eq!(
            f.fetch("v1/a", 10, None, &CancelToken::default()),
            Ok(Fetched::Body(b"x".to_vec(), None))
        );
        let f = feed(vec![Err(TransportError::TooLarge), ok(200, b"x", None)]);
        assert!(matches!(
            f.fetch("v1/a", 10, None, &CancelToken::default()),
            Err(FetchError::TooLarge { .. })
        ));
        assert_eq!(f.transport.asked.lock().unwrap().len(), 1);
    }

    /// A transport that never returns and never looks at its cancel token.
    struct Hung;

    impl Transport for Hung {
        fn get(&self, _: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
            loop {
                std::thread::park();
            }
        }
    }

    /// Issue 30, finding 13: the engine's deadline and cancel hold whatever
    /// the transport does.
    #[test]
    fn a_transport_that_never_returns_times_out_or_is_cancelled() {
        let config =
            FeedConfig { request_timeout: Duration::from_millis(100), retries: 0, ..FeedConfig::default() };
        let f = HttpFeed::new("https://feed.example/", Hung, config).unwrap();
        let c = CancelToken::default();
        assert_eq!(f.fetch("v1/timestamp", 10, None, &c), Err(FetchError::Timeout("v1/timestamp".into())));
        let cancel = c.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
        });
        let f = HttpFeed::new("https://feed.example/", Hung, FeedConfig::default()).unwrap();
        assert_eq!(f.fetch("v1/timestamp", 10, None, &c), Err(FetchError::Cancelled));
    }

    #[test]
    fn a_cancelled_token_asks_nothing_and_bad_paths_and_urls_are_refused() {
        let f = feed(vec![ok(200, b"x", None)]);
        let c = CancelToken::default();
        c.cancel();
        assert_eq!(f.fetch("v1/a", 10, None, &c), Err(FetchError::Cancelled));
        for path in ["/etc/passwd", "v1/../x", "v1/a?b", "v1/a b"] {
            assert!(matches!(
                f.fetch(path, 10, None, &CancelToken::default()),
                Err(FetchError::Transport(..))
            ));
        }
        assert!(f.transport.asked.lock().unwrap().is_empty());
        for url in ["ftp://x/", "https://user@x/", "https://x/?q", "https:///", "feed.example"] {
            assert!(HttpFeed::new(url, Scripted::new(vec![]), FeedConfig::default()).is_err(), "{url}");
        }
    }
}
