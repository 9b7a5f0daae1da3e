//! The collector's test world: a brand, its trust store, a collector over
//! real HTTP on 127.0.0.1, and clients on distinct loopback networks
//! (127.G.N.1: one /24 each, in group /16 127.G) standing in for phones.

#![allow(dead_code)]

use genuine_collector::db::Db;
use genuine_collector::network::NetworkKey;
use genuine_collector::server::{Collector, Config, Trust};
use genuine_format::gs1::Gs1Data;
use genuine_issuer::Authority;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub struct World {
    pub dir: tempfile::TempDir,
    pub location: String,
    pub addr: SocketAddr,
    pub a: Authority,
    pub now: u64,
    pub collector: Arc<Collector>,
    _runtime: tokio::runtime::Runtime,
}

/// Where a test's collector keeps its data: a SQLite file, or a fresh
/// database on the PostgreSQL server tests/run starts.
#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn world(backend: Backend, config: Config) -> World {
    let now = genuine::device_now().as_secs();
    let mut rng = genuine_tests::demo::seeded("collector world");
    let mut a = Authority::new(3, 2, now + 86_400 * 3650, now - 60, &mut rng).unwrap();
    a.add_brand("tea", "Tea Co", vec!["4012345".into()], vec!["t.example".into()], 1, 1, now - 60, &mut rng)
        .unwrap();
    a.new_claim_key("tea", None, (now - 60, now + 86_400, now + 86_400 * 700), now - 60, &mut rng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trust = Trust { path: dir.path().join("trust.db"), anchor: a.anchor.clone() };
    let mut store = genuine::Store::open(&trust.path, &a.anchor).unwrap();
    store.import(&a.bundle().unwrap(), genuine::UnixTime::from_secs(now)).unwrap();
    let location = match backend {
        Backend::Sqlite => dir.path().join("collector.db").display().to_string(),
        Backend::Postgres => genuine_tests::postgres::fresh_database(),
    };
    let collector = Arc::new(Collector::new(&location, trust, config, NetworkKey::new([9; 32])).unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(genuine_collector::server::serve(listener, Arc::clone(&collector)));
    World { dir, location, addr, a, now, collector, _runtime: runtime }
}

/// A client's address: network `net` of group `group` (127.group.net.1).
pub fn client(group: u8, net: u8) -> IpAddr {
    IpAddr::from([127, group, net, 1])
}

/// A TCP connection to `to` from the local address `from`.
pub fn connect(from: IpAddr, to: SocketAddr) -> std::net::TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::new(from, 0).into()).unwrap();
    socket.connect(&to.into()).unwrap();
    socket.into()
}

impl World {
    pub fn code(&self, serial: &str) -> String {
        let mut data = Gs1Data::new(genuine_issuer::authority::parse_gtin("4012345000009").unwrap());
        data.insert("21", serial).unwrap();
        self.a.issue("tea", data, None, None, self.now, false).unwrap()
    }

    /// POSTs `body` to `path` from `from` with extra header lines; (status, JSON answer).
    pub fn post_with(
        &self,
        from: IpAddr,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let mut stream = connect(from, self.addr);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: collector\r\n{headers}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        // A server refusing an oversized body may close before reading it all.
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
    }

    /// POSTs `body` to `path` from network 127.0.`net`.1.
    pub fn post(&self, net: u8, path: &str, body: impl Into<Vec<u8>>) -> (u16, serde_json::Value) {
        self.post_with(client(0, net), path, "", &body.into())
    }

    /// A batch of events from one install.
    pub fn batch(install: &str, events: &[(&str, u64, &str)]) -> String {
        let events: Vec<_> = events
            .iter()
            .map(|(code, hour, place)| serde_json::json!({"code": code, "verdict": "genuine", "hour": hour, "place": place}))
            .collect();
        serde_json::json!({"install": install, "events": events}).to_string()
    }

    pub fn events(&self, net: u8, install: &str, events: &[(&str, u64, &str)]) -> (u16, serde_json::Value) {
        self.post(net, "/v1/events", World::batch(install, events))
    }

    pub fn events_from(
        &self,
        from: IpAddr,
        install: &str,
        events: &[(&str, u64, &str)],
    ) -> (u16, serde_json::Value) {
        self.post_with(from, "/v1/events", "", World::batch(install, events).as_bytes())
    }

    pub fn db(&self) -> Db {
        Db::open(&self.location).unwrap()
    }

    pub fn hour(&self) -> u64 {
        self.now / 3600
    }
}

pub const BERLIN: &str = "u33db";
pub const PARIS: &str = "u09tv";
/// Far places: Berlin, Paris, London, New York, San Francisco, Beijing, Sydney, Seattle.
pub const FAR: [&str; 8] = ["u33db", "u09tv", "gcpvj", "dr5ru", "9q8yy", "wx4g0", "r3gx2", "c23nb"];

/// A real JPEG (a 48×32 gradient, from the `image` crate's encoder) with
/// `segments` (whole marker segments) placed right after its start marker,
/// where phones put EXIF.
pub fn jpeg(segments: &[Vec<u8>]) -> Vec<u8> {
    let pixels: Vec<u8> = (0..48 * 32).map(|i| ((i % 48) * 5 + (i / 48) * 3) as u8).collect();
    let mut encoded = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut encoded, 90)
        .encode(&pixels, 48, 32, image::ExtendedColorType::L8)
        .unwrap();
    let mut out = encoded[..2].to_vec();
    for segment in segments {
        out.extend_from_slice(segment);
    }
    out.extend_from_slice(&encoded[2..]);
    out
}

/// An APP1 EXIF segment carrying a GPS position, as a phone camera writes one.
pub fn exif_with_gps() -> Vec<u8> {
    let payload =
        b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 52/1 31/1 1234/100 N GPSLongitude 13/1 24/1 5678/100 E";
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(payload);
    segment
}
