//! A real HTTP/1.1 server on 127.0.0.1 for sync tests: it serves a feed
//! directory like any static host (with ETags and 304s) and, per path, can
//! misbehave the ways a hostile or broken server does.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server answers one path.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// This status, empty body.
    Status(u16),
    /// A body that never ends.
    Endless,
    /// Headers and a few bytes, then silence.
    Stall,
    /// Declares a length, sends half, closes.
    Truncate,
    /// These bytes instead of the file.
    Body(Vec<u8>),
    /// Chunked, with a first chunk size of 2^64 - 1 ("endless data" in the framing).
    HugeChunk,
    /// A head of 1 MiB of headers before the file.
    HugeHead,
    /// This status, with a body that never ends.
    EndlessStatus(u16),
}

/// The header that lets a page on another origin read an answer.
const CORS: &str = "Access-Control-Allow-Origin: *\r\n";

/// Answers `/_lab/...` requests (a test's remote control): status and body.
pub type Control = Arc<dyn Fn(&str) -> (u16, Vec<u8>) + Send + Sync>;

#[derive(Default)]
struct Shared {
    dir: PathBuf,
    control: Option<Control>,
    overrides: HashMap<String, Behavior>,
    hits: HashMap<String, u32>,
    not_modified: u32,
}

/// The server; it lives until the test process ends.
#[derive(Clone)]
pub struct FeedServer {
    shared: Arc<Mutex<Shared>>,
    /// `http://127.0.0.1:PORT/`
    pub url: String,
}

impl FeedServer {
    /// Serves `dir` on a free loopback port.
    pub fn start(dir: PathBuf) -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let shared = Arc::new(Mutex::new(Shared { dir, ..Shared::default() }));
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // Heads and bodies go out in separate writes on kept-alive
                // connections: without this, Nagle and delayed ACKs add 40 ms
                // to each response (a CDN's server does the same).
                let _ = stream.set_nodelay(true);
                let s = Arc::clone(&s);
                std::thread::spawn(move || {
                    let _ = handle(stream, &s);
                });
            }
        });
        FeedServer { shared, url }
    }

    /// Serves another directory from now on (e.g. an older copy: rollback).
    pub fn set_dir(&self, dir: PathBuf) {
        self.lock().dir = dir;
    }

    /// Makes `path` (like `v1/timestamp`) misbehave.
    pub fn set(&self, path: &str, behavior: Behavior) {
        self.lock().overrides.insert(format!("/{path}"), behavior);
    }

    /// Hands `/_lab/...` requests to `control`.
    pub fn set_control(&self, control: Control) {
        self.lock().control = Some(control);
    }

    /// Back to serving files only.
    pub fn clear(&self) {
        self.lock().overrides.clear();
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> u32 {
        self.lock().hits.get(&format!("/{path}")).copied().unwrap_or(0)
    }

    /// 304 answers so far.
    pub fn not_modified(&self) -> u32 {
        self.lock().not_modified
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Serves requests on one connection, kept alive while it serves files (as
/// a CDN does); a misbehaviour ends it.
fn handle(stream: TcpStream, shared: &Mutex<Shared>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    while serve_one(&mut reader, &stream, shared)? {}
    Ok(())
}

/// One request; `Ok(true)` when the connection may serve another.
fn serve_one(
    reader: &mut BufReader<TcpStream>,
    stream: &TcpStream,
    shared: &Mutex<Shared>,
) -> std::io::Result<bool> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(false);
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut if_none_match = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(value.trim().to_string());
        }
    }
    let (behavior, file, control) = {
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        *s.hits.entry(path.clone()).or_default() += 1;
        (s.overrides.get(&path).cloned(), s.dir.join(path.trim_start_matches('/')), s.control.clone())
    };
    let mut out = stream;
    let misbehaving = behavior.is_some();
    let head = |status: &str, len: Option<usize>, etag: Option<&str>| {
        let close = if misbehaving { "Connection: close\r\n" } else { "" };
        // Feeds are public: a landing page on another host reads them (CORS).
        let mut h = format!("HTTP/1.1 {status}\r\n{close}{CORS}");
        if let Some(n) = len {
            h.push_str(&format!("Content-Length: {n}\r\n"));
        }
        if let Some(e) = etag {
            h.push_str(&format!("ETag: {e}\r\n"));
        }
        h + "\r\n"
    };
    if let (Some(lab), Some(control)) = (path.strip_prefix("/_lab/"), control) {
        let (status, body) = control(lab);
        out.write_all(head(&format!("{status} Lab"), Some(body.len()), None).as_bytes())?;
        out.write_all(&body)?;
        return Ok(true);
    }
    let misbehaved = match behavior {
        Some(Behavior::Status(code)) => {
            out.write_all(head(&format!("{code} Oops"), Some(0), None).as_bytes())
        }
        Some(Behavior::Endless) => {
            out.write_all(head("200 OK", None, None).as_bytes())?;
            let chunk = vec![0xA5u8; 64 << 10];
            loop {
                out.write_all(&chunk)?;
            }
        }
        Some(Behavior::EndlessStatus(code)) => {
            out.write_all(head(&format!("{code} Oops"), None, None).as_bytes())?;
            let chunk = vec![0x5Au8; 64 << 10];
            loop {
                out.write_all(&chunk)?;
            }
        }
        Some(Behavior::Stall) => {
            out.write_all(head("200 OK", Some(10), None).as_bytes())?;
            out.write_all(b"abc")?;
            out.flush()?;
            std::thread::sleep(Duration::from_secs(60));
            Ok(())
        }
        Some(Behavior::Truncate) => {
            let body = std::fs::read(&file).unwrap_or_else(|_| vec![0; 100]);
            out.write_all(head("200 OK", Some(body.len()), None).as_bytes())?;
            out.write_all(&body[..body.len() / 2])
        }
        Some(Behavior::Body(body)) => {
            out.write_all(head("200 OK", Some(body.len()), None).as_bytes())?;
            out.write_all(&body)
        }
        Some(Behavior::HugeChunk) => {
            let h =
                format!("HTTP/1.1 200 OK\r\nConnection: close\r\n{CORS}Transfer-Encoding: chunked\r\n\r\n");
            out.write_all(h.as_bytes())?;
            out.write_all(b"ffffffffffffffff\r\n")?;
            out.write_all(&vec![0xA5u8; 1 << 20])
        }
        Some(Behavior::HugeHead) => {
            let body = std::fs::read(&file).unwrap_or_default();
            let mut h = format!("HTTP/1.1 200 OK\r\nConnection: close\r\n{CORS}");
            while h.len() < 1 << 20 {
                h.push_str(&format!("X-Padding-{}: {}\r\n", h.len(), "p".repeat(1000)));
            }
            h.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            out.write_all(h.as_bytes())?;
            out.write_all(&body)
        }
        None => match std::fs::read(&file) {
            Ok(body) => {
                let etag = format!("\"{}\"", genuine_format::keys::hex(&Sha256::digest(&body)[..16]));
                if if_none_match.as_deref() == Some(etag.as_str()) {
                    shared.lock().unwrap_or_else(|e| e.into_inner()).not_modified += 1;
                    out.write_all(head("304 Not Modified", Some(0), Some(&etag)).as_bytes())?;
                    return Ok(true);
                }
                out.write_all(head("200 OK", Some(body.len()), Some(&etag)).as_bytes())?;
                out.write_all(&body)?;
                return Ok(true);
            }
            Err(_) => {
                out.write_all(head("404 Not Found", Some(0), None).as_bytes())?;
                return Ok(true);
            }
        },
    };
    misbehaved.map(|()| false)
}
