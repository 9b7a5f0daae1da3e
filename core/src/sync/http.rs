//! The feed over HTTPS with reqwest: rustls on the ring provider (it
//! cross-builds for Android and iOS, where aws-lc does not) and the
//! platform's certificate verifier; no OpenSSL.
//!
//! Every request has a connect timeout and a total timeout that includes the
//! body ("slow retrieval"); every body is counted against its cap while it
//! streams ("endless data"); transient failures (timeouts, broken
//! connections, 5xx, 429) are retried with exponential backoff; the timestamp
//! is fetched with `If-None-Match`.

use super::{Fetch, FetchError, Fetched};
use reqwest::header::{ETAG, IF_NONE_MATCH};
use std::time::Duration;

/// Timeouts and retries.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// To open a connection.
    pub connect_timeout: Duration,
    /// For a whole request, body included.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for transient failures only.
    pub retries: u32,
    /// Wait before the first retry; doubled each time.
    pub backoff: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(250),
        }
    }
}

/// A feed served over HTTP(S) at a base URL.
pub struct HttpFeed {
    client: reqwest::Client,
    base: reqwest::Url,
    config: HttpConfig,
}

impl HttpFeed {
    /// A feed at `base_url` (e.g. `https://feed.example/`).
    pub fn new(base_url: &str, config: HttpConfig) -> Result<HttpFeed, FetchError> {
        // reqwest's rustls needs a process-wide provider: ring, unless the
        // app installed another first (then `install_default` says so; fine).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let bad = |e: String| FetchError::Transport(base_url.to_string(), e);
        let mut base = reqwest::Url::parse(base_url).map_err(|e| bad(e.to_string()))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("genuine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(HttpFeed { client, base, config })
    }

    async fn once(&self, path: &str, cap: u64, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let url = self.base.join(path).map_err(|e| FetchError::Transport(path.into(), e.to_string()))?;
        let mut request = self.client.get(url).timeout(self.config.request_timeout);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let classify = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout(path.into())
            } else {
                FetchError::Transport(path.into(), e.to_string())
            }
        };
        let mut response = request.send().await.map_err(classify)?;
        match response.status().as_u16() {
            200 => {}
            304 => return Ok(Fetched::NotModified),
            404 => return Ok(Fetched::NotFound),
            status => return Err(FetchError::Status { path: path.into(), status }),
        }
        let too_large = || FetchError::TooLarge { path: path.into(), cap };
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let etag = response.headers().get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > cap {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body(body, etag))
    }
}

impl Fetch for HttpFeed {
    async fn fetch(&self, path: &str, cap: u64, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            match self.once(path, cap, etag).await {
                Err(e) if e.is_transient() && attempt < self.config.retries => {
                    tokio::time::sleep(self.config.backoff * 2u32.pow(attempt)).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}
