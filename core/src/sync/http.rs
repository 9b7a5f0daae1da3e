//! The feed over HTTP/1.1: blocking, rustls on the ring provider (it
//! cross-builds for Android and iOS, where aws-lc does not) with the
//! platform's certificate verifier; no OpenSSL.
//!
//! A deliberately small client: GET only, one connection per file, no
//! redirects, no compression, no proxies, no cookies. The feed is a handful of
//! static files whose every byte is signed, so what the client must get right
//! is bounds and time, and all of it is here to audit. (reqwest, hyper and
//! tokio cost 1.6 MB of the 5 MB mobile library; see docs/BENCHMARKS.md.)
//!
//! - "Slow retrieval": a connect timeout, and a deadline for the whole request,
//!   body included, checked at least every [`SLICE`].
//! - "Endless data": the head is capped at [`MAX_HEAD`] bytes; a body is
//!   refused as soon as its declared length, a chunk size or the bytes so far
//!   pass the file's cap.
//! - A body cut short (early close, or TLS without `close_notify`) is an error,
//!   never a short file.
//! - Transient failures (timeouts, broken connections, 5xx, 429) are retried
//!   with exponential backoff; the timestamp is fetched with `If-None-Match`.
//! - A [`CancelToken`] stops a request within a slice.

use super::{CancelToken, Fetch, FetchError, Fetched};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use rustls_platform_verifier::BuilderVerifierExt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most bytes of status line and headers.
pub const MAX_HEAD: usize = 16 << 10;
/// How often a blocked read or write wakes to check the deadline and the cancel token.
pub const SLICE: Duration = Duration::from_millis(200);
/// Most bytes of a chunk-size or trailer line.
const MAX_LINE: usize = 1024;

/// Timeouts, retries and cancellation.
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
    /// Stops requests (and backoff waits) when cancelled.
    pub cancel: CancelToken,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(250),
            cancel: CancelToken::default(),
        }
    }
}

/// Where the feed lives: `http(s)://host[:port]/base/path/`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    tls: bool,
    host: String,
    port: u16,
    /// Starts and ends with `/`.
    path: String,
}

/// Characters allowed in a path: RFC 3986 unreserved, `/` and `%`-escapes.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~/%".contains(c)
}

impl Origin {
    fn parse(url: &str) -> Result<Origin, String> {
        let (scheme, rest) = url.split_once("://").ok_or("not an absolute URL")?;
        let (tls, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "https" => (true, 443),
            "http" => (false, 80),
            _ => return Err(format!("scheme {scheme}: only http and https")),
        };
        if rest.contains(['?', '#']) {
            return Err("a feed URL has no query or fragment".into());
        }
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
        if authority.contains('@') {
            return Err("a feed URL has no user info".into());
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or("unclosed IPv6 literal")?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let host_ok = |c: char| c.is_ascii_alphanumeric() || "-.:".contains(c);
        if host.is_empty() || !host.chars().all(host_ok) {
            return Err(format!("bad host {host:?}"));
        }
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))?,
            None => default_port,
        };
        if !path.chars().all(is_path_char) {
            return Err(format!("bad path {path:?}"));
        }
        let path = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
        Ok(Origin { tls, host: host.to_ascii_lowercase(), port, path })
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        match (self.tls, self.port) {
            (true, 443) | (false, 80) => host,
            (_, port) => format!("{host}:{port}"),
        }
    }
}

/// A feed served over HTTP(S) at a base URL.
pub struct HttpFeed {
    origin: Origin,
    tls: Option<Arc<ClientConfig>>,
    config: HttpConfig,
}

impl HttpFeed {
    /// A feed at `base_url` (e.g. `https://feed.example/`).
    pub fn new(base_url: &str, config: HttpConfig) -> Result<HttpFeed, FetchError> {
        let bad = |e: String| FetchError::Transport(base_url.to_string(), e);
        let origin = Origin::parse(base_url).map_err(bad)?;
        let tls = if origin.tls {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let tls = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .and_then(|b| b.with_platform_verifier())
                .map_err(|e| bad(e.to_string()))?
                .with_no_client_auth();
            Some(Arc::new(tls))
        } else {
            None
        };
        Ok(HttpFeed { origin, tls, config })
    }

    fn once(&self, path: &str, cap: u64, etag: Option<&str>) -> Result<Fetched, FetchError> {
        if path.starts_with('/') || !path.chars().all(is_path_char) || path.split('/').any(|s| s == "..") {
            return Err(FetchError::Transport(path.into(), "not a feed path".into()));
        }
        let clock =
            Clock { deadline: Instant::now() + self.config.request_timeout, config: &self.config, path };
        let mut stream = self.connect(&clock)?;
        let mut request = format!(
            "GET {}{path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: genuine/{}\r\nAccept-Encoding: identity\r\nConnection: close\r\n",
            self.origin.path,
            self.origin.host_header(),
            env!("CARGO_PKG_VERSION"),
        );
        if let Some(etag) = etag.filter(|e| e.chars().all(|c| c.is_ascii_graphic() || c == ' ')) {
            request.push_str(&format!("If-None-Match: {etag}\r\n"));
        }
        request.push_str("\r\n");
        let mut sent = 0;
        while sent < request.len() {
            match clock.io(|| stream.write(&request.as_bytes()[sent..]))? {
                0 => return Err(clock.transport("connection closed while sending")),
                n => sent += n,
            }
        }
        clock.io(|| stream.flush())?;
        let mut reader = Reader { stream, buf: Vec::new(), clock: &clock, read: 0, wire_cap: wire_cap(cap) };
        reader.response(cap)
    }

    fn connect(&self, clock: &Clock) -> Result<Stream, FetchError> {
        let o = &self.origin;
        // Name resolution is the system's (blocking, its own timeouts).
        let addrs = (o.host.as_str(), o.port).to_socket_addrs().map_err(|e| clock.transport(e))?;
        let mut last = None;
        for addr in addrs {
            clock.check()?;
            let wait = self.config.connect_timeout.min(clock.remaining()).max(Duration::from_millis(1));
            match TcpStream::connect_timeout(&addr, wait) {
                Ok(tcp) => {
                    let setup = || -> io::Result<()> {
                        tcp.set_nodelay(true)?;
                        tcp.set_read_timeout(Some(SLICE))?;
                        tcp.set_write_timeout(Some(SLICE))
                    };
                    setup().map_err(|e| clock.transport(e))?;
                    return match &self.tls {
                        None => Ok(Stream::Plain(tcp)),
                        Some(tls) => {
                            let name =
                                ServerName::try_from(o.host.clone()).map_err(|e| clock.transport(e))?;
                            let conn = ClientConnection::new(Arc::clone(tls), name)
                                .map_err(|e| clock.transport(e))?;
                            Ok(Stream::Tls(Box::new(StreamOwned::new(conn, tcp))))
                        }
                    };
                }
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) if e.kind() == ErrorKind::TimedOut => FetchError::Timeout(clock.path.into()),
            Some(e) => clock.transport(e),
            None => clock.transport("no address for the host"),
        })
    }
}

impl Fetch for HttpFeed {
    fn fetch(&self, path: &str, cap: u64, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            match self.once(path, cap, etag) {
                Err(e) if e.is_transient() && attempt < self.config.retries => {
                    let wait = self.config.backoff * 2u32.pow(attempt);
                    let until = Instant::now() + wait;
                    while Instant::now() < until {
                        if self.config.cancel.is_cancelled() {
                            return Err(FetchError::Cancelled);
                        }
                        std::thread::sleep(SLICE.min(until.saturating_duration_since(Instant::now())));
                    }
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// One request's deadline and cancel token.
struct Clock<'a> {
    deadline: Instant,
    config: &'a HttpConfig,
    path: &'a str,
}

impl Clock<'_> {
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn check(&self) -> Result<(), FetchError> {
        if self.config.cancel.is_cancelled() {
            Err(FetchError::Cancelled)
        } else if Instant::now() >= self.deadline {
            Err(FetchError::Timeout(self.path.into()))
        } else {
            Ok(())
        }
    }

    fn transport(&self, e: impl std::fmt::Display) -> FetchError {
        FetchError::Transport(self.path.into(), e.to_string())
    }

    /// Runs a socket operation, retrying when a slice passes without progress.
    fn io<T>(&self, mut op: impl FnMut() -> io::Result<T>) -> Result<T, FetchError> {
        loop {
            self.check()?;
            match op() {
                Ok(v) => return Ok(v),
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(self.transport(e)),
            }
        }
    }
}

/// A response being read: bytes received but not yet consumed, then the socket.
struct Reader<'a> {
    stream: Stream,
    buf: Vec<u8>,
    clock: &'a Clock<'a>,
    /// Bytes read off the wire so far, and the most a response may take.
    read: u64,
    wire_cap: u64,
}

/// The most bytes one response may take off the wire for a body `cap`:
/// the body, an eighth more for chunk framing (a size line per chunk,
/// extensions, trailers; real servers use far less), and the head. Without
/// it, one-byte chunks with 1 KiB extensions, or endless trailers, move
/// gigabytes while the body stays under its cap.
fn wire_cap(cap: u64) -> u64 {
    cap.saturating_add(cap / 8).saturating_add(2 * MAX_HEAD as u64)
}

/// How the body's end is marked.
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

impl Reader<'_> {
    /// Reads more from the socket into `buf`; false at end of stream.
    fn fill(&mut self) -> Result<bool, FetchError> {
        let mut chunk = [0u8; 16 << 10];
        let n = self.clock.io(|| self.stream.read(&mut chunk))?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.wire_cap {
            return Err(FetchError::TooLarge { path: self.clock.path.into(), cap: self.wire_cap });
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    fn cut_short(&self) -> FetchError {
        self.clock.transport("the connection closed before the end of the response")
    }

    /// Takes bytes up to and including `delimiter`, which must end within the
    /// first `max` bytes: the cap is exact, whatever size the reads come in.
    fn take_until(&mut self, delimiter: &[u8], max: usize) -> Result<Vec<u8>, FetchError> {
        let mut searched = 0;
        loop {
            let window = &self.buf[..self.buf.len().min(max)];
            if let Some(i) = window[searched..].windows(delimiter.len()).position(|w| w == delimiter) {
                let end = searched + i + delimiter.len();
                return Ok(self.buf.drain(..end).collect());
            }
            if self.buf.len() >= max {
                return Err(self.clock.transport(format!("a header or chunk line over {max} bytes")));
            }
            searched = self.buf.len().saturating_sub(delimiter.len() - 1);
            if !self.fill()? {
                return Err(self.cut_short());
            }
        }
    }

    fn response(&mut self, cap: u64) -> Result<Fetched, FetchError> {
        let head = self.take_until(b"\r\n\r\n", MAX_HEAD)?;
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Err(self.cut_short()),
            Err(e) => return Err(self.clock.transport(format!("bad response head: {e}"))),
        }
        let clock = self.clock;
        let status = response.code.unwrap_or(0);
        match status {
            200 => {}
            304 => return Ok(Fetched::NotModified),
            404 => return Ok(Fetched::NotFound),
            _ => return Err(FetchError::Status { path: clock.path.into(), status }),
        }
        let header = |name: &str| {
            let mut values = response.headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name));
            values
                .next()
                .map(|h| (String::from_utf8_lossy(h.value).trim().to_string(), values.next().is_some()))
        };
        let bad = |why: &str| clock.transport(why);
        let framing = match (header("transfer-encoding"), header("content-length")) {
            (Some((te, _)), _) if te.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            (Some((te, _)), _) => return Err(bad(&format!("transfer encoding {te} not supported"))),
            (None, Some((_, true))) => return Err(bad("more than one Content-Length")),
            (None, Some((n, false))) => {
                Framing::Length(n.parse().map_err(|_| bad("Content-Length is not a number"))?)
            }
            (None, None) => Framing::UntilClose,
        };
        if let Some((encoding, _)) =
            header("content-encoding").filter(|(e, _)| !e.eq_ignore_ascii_case("identity"))
        {
            return Err(bad(&format!("content encoding {encoding} was not asked for")));
        }
        let etag = header("etag").map(|(e, _)| e);
        let too_large = || FetchError::TooLarge { path: clock.path.into(), cap };
        let body = match framing {
            Framing::Length(n) if n > cap => return Err(too_large()),
            Framing::Length(n) => self.exactly(usize::try_from(n).map_err(|_| too_large())?)?,
            Framing::UntilClose => loop {
                if self.buf.len() as u64 > cap {
                    return Err(too_large());
                }
                if !self.fill()? {
                    break std::mem::take(&mut self.buf);
                }
            },
            Framing::Chunked => self.chunked(cap)?,
        };
        Ok(Fetched::Body(body, etag))
    }

    fn exactly(&mut self, n: usize) -> Result<Vec<u8>, FetchError> {
        while self.buf.len() < n {
            if !self.fill()? {
                return Err(self.cut_short());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn chunked(&mut self, cap: u64) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        loop {
            let line = self.take_until(b"\r\n", MAX_LINE)?;
            let line = String::from_utf8_lossy(&line);
            let size = line.trim_end().split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16)
                .map_err(|_| self.clock.transport(format!("bad chunk size {size:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while self.take_until(b"\r\n", MAX_LINE)? != b"\r\n" {}
                return Ok(body);
            }
            // Checked: a chunk size near u64::MAX must not wrap past the cap
            // (release builds do not trap on overflow).
            let total = (body.len() as u64).checked_add(size).filter(|t| *t <= cap);
            let size = total
                .and_then(|_| usize::try_from(size).ok())
                .ok_or_else(|| FetchError::TooLarge { path: self.clock.path.into(), cap })?;
            body.extend(self.exactly(size)?);
            if self.exactly(2)? != b"\r\n" {
                return Err(self.clock.transport("a chunk not followed by CRLF"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn feed_urls() {
        let o = Origin::parse("https://Feed.Example/genuine").unwrap();
        assert_eq!(
            (o.tls, o.host.as_str(), o.port, o.path.as_str()),
            (true, "feed.example", 443, "/genuine/")
        );
        assert_eq!(o.host_header(), "feed.example");
        let o = Origin::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((o.port, o.path.as_str(), o.host_header().as_str()), (8080, "/", "127.0.0.1:8080"));
        let o = Origin::parse("http://[::1]:9/x/").unwrap();
        assert_eq!((o.host.as_str(), o.host_header().as_str()), ("::1", "[::1]:9"));
        for bad in [
            "feed.example/",
            "ftp://feed.example/",
            "https://user@feed.example/",
            "https://feed.example/?q=1",
            "https://feed.example:99999/",
            "https://fe ed.example/",
            "https:///path",
            "https://feed.example/a b/",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    /// Answers one connection with `response`, and hands back the request it got.
    fn serve_once(response: Vec<u8>) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/feed/", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8];
            while !request.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap() == 1 {
                request.push(byte[0]);
            }
            let _ = s.write_all(&response);
            String::from_utf8(request).unwrap()
        });
        (url, handle)
    }

    fn fetch(response: &[u8], cap: u64) -> (Result<Fetched, FetchError>, String) {
        let (url, server) = serve_once(response.to_vec());
        let config =
            HttpConfig { retries: 0, request_timeout: Duration::from_secs(5), ..HttpConfig::default() };
        let result = HttpFeed::new(&url, config).unwrap().fetch("v1/timestamp", cap, Some("\"e1\""));
        (result, server.join().unwrap())
    }

    #[test]
    fn sends_a_plain_conditional_get() {
        let (result, request) = fetch(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n", 100);
        assert_eq!(result, Ok(Fetched::NotModified));
        assert!(request.starts_with("GET /feed/v1/timestamp HTTP/1.1\r\nHost: 127.0.0.1:"), "{request}");
        assert!(request.contains("\r\nIf-None-Match: \"e1\"\r\n") && request.contains("Connection: close"));
    }

    #[test]
    fn reads_each_framing() {
        let (r, _) = fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello", 5);
        assert_eq!(r, Ok(Fetched::Body(b"hello".to_vec(), Some("\"x\"".into()))));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(fetch(chunked, 5).0, Ok(Fetched::Body(b"hello".to_vec(), None)));
        assert_eq!(fetch(b"HTTP/1.0 200 OK\r\n\r\nhello", 5).0, Ok(Fetched::Body(b"hello".to_vec(), None)));
        assert_eq!(
            fetch(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnope", 5).0,
            Ok(Fetched::NotFound)
        );
    }

    #[test]
    fn refuses_what_is_over_the_cap_or_malformed() {
        let too_large =
            |r: Result<Fetched, FetchError>| matches!(r, Err(FetchError::TooLarge { cap: 4, .. }));
        assert!(too_large(fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 4).0));
        assert!(too_large(
            fetch(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 4).0
        ));
        assert!(too_large(fetch(b"HTTP/1.1 200 OK\r\n\r\nhello", 4).0));
        let transport = |r: Result<Fetched, FetchError>| matches!(r, Err(FetchError::Transport(..)));
        // Cut short, doubly framed, compressed, unparseable, endless head, bad chunk size.
        assert!(transport(fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", 100).0));
        assert!(transport(
            fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nhi", 100).0
        ));
        assert!(transport(
            fetch(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\nhi", 100).0
        ));
        assert!(transport(fetch(b"SMTP ready\r\n\r\n", 100).0));
        let mut endless = b"HTTP/1.1 200 OK\r\nX-Pad: ".to_vec();
        endless.extend(vec![b'a'; MAX_HEAD + 10]);
        assert!(transport(fetch(&endless, 100).0));
        assert!(transport(fetch(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100).0));
        // Redirects are not followed: the feed URL must be where the files are.
        let moved =
            fetch(b"HTTP/1.1 301 Moved\r\nLocation: http://elsewhere/\r\nContent-Length: 0\r\n\r\n", 100).0;
        assert!(matches!(moved, Err(FetchError::Status { status: 301, .. })));
    }

    /// Finding 5 of the security review: a chunk size near u64::MAX wrapped
    /// `body.len() + size` past the cap in release builds, and the server
    /// then streamed gigabytes into memory.
    #[test]
    fn a_chunk_size_that_would_wrap_is_over_the_cap() {
        let too_large = |r: Result<Fetched, FetchError>| matches!(r, Err(FetchError::TooLarge { .. }));
        for size in ["FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFE", "8000000000000000", "10001"] {
            let response =
                format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n{size}\r\nbbbb");
            assert!(too_large(fetch(response.as_bytes(), 64 << 10).0), "chunk size {size}");
        }
        // More hex digits than a u64 holds is not a size at all.
        let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n";
        assert!(matches!(fetch(response, 100).0, Err(FetchError::Transport(..))));
    }

    /// The head and chunk-line caps are exact: before, a head that arrived in
    /// one read was accepted up to one read (16 KiB) past the cap.
    #[test]
    fn head_and_chunk_line_caps_are_exact() {
        let head_of = |len: usize| {
            let mut head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ".to_vec();
            head.resize(len - 4, b'a');
            head.extend_from_slice(b"\r\n\r\nhi");
            head
        };
        assert_eq!(fetch(&head_of(MAX_HEAD), 100).0, Ok(Fetched::Body(b"hi".to_vec(), None)));
        for len in [MAX_HEAD + 1, MAX_HEAD + (4 << 10), 20_000] {
            assert!(matches!(fetch(&head_of(len), 100).0, Err(FetchError::Transport(..))), "head {len}");
        }
        let line_of = |len: usize| {
            let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;".to_vec();
            r.resize(r.len() + len - 4, b'x');
            r.extend_from_slice(b"\r\nhi\r\n0\r\n\r\n");
            r
        };
        assert_eq!(fetch(&line_of(MAX_LINE), 100).0, Ok(Fetched::Body(b"hi".to_vec(), None)));
        assert!(matches!(fetch(&line_of(MAX_LINE + 1), 100).0, Err(FetchError::Transport(..))));
    }

    /// The class behind finding 5: no framing moves more than about the
    /// cap off the wire. One-byte chunks with 1 KiB extensions (a thousand
    /// wire bytes per body byte), and endless trailers, are cut.
    #[test]
    fn framing_cannot_move_more_than_the_cap_off_the_wire() {
        let mut padded = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..200 {
            padded.extend_from_slice(b"1;");
            padded.extend(vec![b'x'; 1000]);
            padded.extend_from_slice(b"\r\na\r\n");
        }
        assert!(matches!(fetch(&padded, 1000).0, Err(FetchError::TooLarge { .. })));
        let mut trailers = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n".to_vec();
        for _ in 0..200 {
            trailers.extend_from_slice(b"X-Pad: ");
            trailers.extend(vec![b'y'; 1000]);
            trailers.extend_from_slice(b"\r\n");
        }
        assert!(matches!(fetch(&trailers, 1000).0, Err(FetchError::TooLarge { .. })));
        // Ordinary chunking stays well inside.
        let mut fine = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..10 {
            fine.extend_from_slice(b"64\r\n");
            fine.extend(vec![b'z'; 100]);
            fine.extend_from_slice(b"\r\n");
        }
        fine.extend_from_slice(b"0\r\n\r\n");
        assert_eq!(fetch(&fine, 1000).0, Ok(Fetched::Body(vec![b'z'; 1000], None)));
    }

    #[test]
    fn a_cancel_stops_a_stalled_request() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let _server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
            std::thread::sleep(Duration::from_secs(30));
        });
        let cancel = CancelToken::default();
        let config = HttpConfig {
            cancel: cancel.clone(),
            request_timeout: Duration::from_secs(60),
            ..Default::default()
        };
        let feed = HttpFeed::new(&url, config).unwrap();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            cancel.cancel();
        });
        // Without the cancel this would wait out the 60 s deadline and then time out.
        assert_eq!(feed.fetch("v1/timestamp", 100, None), Err(FetchError::Cancelled));
        canceller.join().unwrap();
    }
}
