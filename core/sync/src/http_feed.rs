//! [`HttpFeed`] turns a [`Transport`] into the engine's [`Fetch`]: feed paths
//! under one base URL, statuses into [`Fetched`], the deadline and
//! cancellation enforced whatever the transport does (each call runs on a
//! thread of its own, and a call that outlives its deadline is left there),
//! transient failures retried with backoff.
//!
//! Not built for wasm32: a browser has no threads to wait on, and there the
//! page's script moves the bytes with `fetch`, whose own `AbortController`
//! timer is the deadline (bindings/wasm/pkg/index.js); the module runs the
//! planner in rounds ([`crate::sync_round`]) and never blocks.

use crate::fetch::{CancelToken, Fetch, FetchError, Fetched};
use crate::transport::{FeedBase, FeedConfig, HttpRequest, Transport, TransportError, fetched};
use std::time::{Duration, Instant};

/// How often a backoff wait checks the cancel token.
const BACKOFF_SLICE: Duration = Duration::from_millis(50);

/// A feed at a base URL, fetched through a transport.
#[derive(Debug)]
pub struct HttpFeed<T> {
    base: FeedBase,
    transport: std::sync::Arc<T>,
    config: FeedConfig,
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
    use crate::transport::HttpResponse;
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
