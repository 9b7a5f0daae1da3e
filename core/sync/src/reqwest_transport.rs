//! A [`Transport`] on reqwest, for the CLI and Rust embedders (the `reqwest`
//! feature): rustls on the ring provider with the platform's certificate
//! verifier (no OpenSSL, no aws-lc), HTTP/2 where the server offers it,
//! connections reused across the files of a sync, the system's proxy
//! settings. Apps on phones plug in their own HTTP stack instead.
//!
//! The request runs on a small tokio runtime the transport owns; the calling
//! thread waits for it and drops it at the deadline or on cancel (which
//! closes its connection), so neither waits on a stalled server.

use crate::fetch::CancelToken;
use crate::transport::{HttpRequest, HttpResponse, PostRequest, Transport, TransportError};
use rustls_platform_verifier::BuilderVerifierExt;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

/// How often a waiting request checks the cancel token.
const POLL: Duration = Duration::from_millis(50);

/// Sync over reqwest. Create it once and reuse it: it holds the connection
/// pool. Like the sync, it blocks: call it from a thread of your own, and
/// drop it outside any async runtime (tokio refuses to drop its runtime there).
#[derive(Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

/// TLS as the feed needs it: the platform's trust store (and its user-added
/// CAs where the platform honours them), ring, HTTP/2 by ALPN.
fn tls_config() -> Result<rustls::ClientConfig, TransportError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| TransportError::Failed(format!("TLS setup: {e}")))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

impl ReqwestTransport {
    /// A transport with a 5-second connect timeout and at most 5 redirects.
    pub fn new() -> Result<ReqwestTransport, TransportError> {
        let client = ReqwestTransport::client_builder()?
            .build()
            .map_err(|e| TransportError::Failed(format!("HTTP client setup: {e}")))?;
        ReqwestTransport::with_client(client)
    }

    /// The client [`ReqwestTransport::new`] uses, still to be built: an
    /// embedder adds what it needs (a header, a proxy) and passes the result
    /// to [`ReqwestTransport::with_client`], keeping the TLS setup.
    pub fn client_builder() -> Result<reqwest::ClientBuilder, TransportError> {
        Ok(reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("genuine/", env!("CARGO_PKG_VERSION"))))
    }

    /// A transport on the embedder's own client (its proxy, TLS roots, pinning).
    pub fn with_client(client: reqwest::Client) -> Result<ReqwestTransport, TransportError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("genuine-http")
            .enable_all()
            .build()
            .map_err(|e| TransportError::Failed(format!("HTTP runtime: {e}")))?;
        Ok(ReqwestTransport { client, runtime })
    }
}

fn failed(e: reqwest::Error) -> TransportError {
    // The chain says what went wrong (connect refused, TLS, a bad chunk).
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        why.push_str(&format!(": {s}"));
        source = s.source();
    }
    TransportError::Failed(why)
}

/// The GET itself, streaming the body against the cap.
async fn fetch(
    client: reqwest::Client,
    url: String,
    etag: Option<String>,
    max_bytes: u64,
) -> Result<HttpResponse, TransportError> {
    let mut request = client.get(&url).header(reqwest::header::ACCEPT_ENCODING, "identity");
    if let Some(etag) = etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    let response = request.send().await.map_err(failed)?;
    let status = response.status().as_u16();
    let etag =
        response.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
    // Only a 200's body is used; any other answer is its status, and its
    // body (endless, perhaps) is never read: the connection is dropped.
    if status != 200 {
        return Ok(HttpResponse { status, etag, body: Vec::new() });
    }
    Ok(HttpResponse { status, etag, body: read_capped(response, max_bytes).await? })
}

impl ReqwestTransport {
    /// Runs one request on the transport's runtime, within `timeout`,
    /// stopping when `cancel` is cancelled.
    fn run(
        &self,
        work: impl std::future::Future<Output = Result<HttpResponse, TransportError>> + Send + 'static,
        timeout: Duration,
        cancel: &CancelToken,
    ) -> Result<HttpResponse, TransportError> {
        let deadline = Instant::now() + timeout;
        let (done, result) = sync_channel(1);
        let task = self.runtime.spawn(async move {
            let _ = done.send(work.await);
        });
        loop {
            if cancel.is_cancelled() {
                task.abort();
                return Err(TransportError::Cancelled);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                task.abort();
                return Err(TransportError::Timeout);
            }
            match result.recv_timeout(POLL.min(left)) {
                Ok(answer) => return answer,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(TransportError::Failed("the request task stopped".into()));
                }
            }
        }
    }
}

/// Reads an answer's body against the cap.
async fn read_capped(mut response: reqwest::Response, max_bytes: u64) -> Result<Vec<u8>, TransportError> {
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(TransportError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        let total = (body.len() as u64).checked_add(chunk.len() as u64);
        if total.is_none_or(|n| n > max_bytes) {
            return Err(TransportError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Transport for ReqwestTransport {
    fn get(&self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        let work = fetch(
            self.client.clone(),
            request.url.to_string(),
            request.if_none_match.map(str::to_string),
            request.max_bytes,
        );
        self.run(work, request.timeout, request.cancel)
    }

    fn post(&self, request: &PostRequest<'_>) -> Result<HttpResponse, TransportError> {
        let (client, url, body, cap) =
            (self.client.clone(), request.url.to_string(), request.body.to_vec(), request.max_bytes);
        let work = async move {
            let response = client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(failed)?;
            let status = response.status().as_u16();
            Ok(HttpResponse { status, etag: None, body: read_capped(response, cap).await? })
        };
        self.run(work, request.timeout, request.cancel)
    }
}
