//! The collector end to end: phones' batches through real HTTP on
//! loopback (keep-alive connections, one network each), verified, checked
//! against the quotas and stored, on SQLite and PostgreSQL, in batches of 1
//! and 100 events. Beside it, what each part costs alone: HTTP with a
//! refused body (no verification, no store), verification without a store
//! write (forged codes), and the store without HTTP (the quota-checked
//! write of the same batches).
//!
//! `cargo bench -p genuine-collector --bench ingest` (PostgreSQL from
//! `GENUINE_TEST_POSTGRES`, which tests/run sets); under `cargo test` it
//! runs a few hundred events so that it cannot rot. Prints a table.

use genuine_collector::db::{Db, NewSighting, Quotas};
use genuine_collector::network::{NetworkKey, Origin};
use genuine_collector::server::{Collector, Config, Trust};
use genuine_format::gs1::Gs1Data;
use genuine_issuer::Authority;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

/// One keep-alive connection from a network of its own.
struct Client {
    stream: BufReader<TcpStream>,
    host: String,
}

impl Client {
    fn connect(from: IpAddr, to: SocketAddr) -> Client {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.bind(&SocketAddr::new(from, 0).into()).unwrap();
        socket.connect(&to.into()).unwrap();
        let stream: TcpStream = socket.into();
        stream.set_nodelay(true).unwrap();
        Client { stream: BufReader::new(stream), host: to.to_string() }
    }

    /// POSTs `body` and reads the answer; its status.
    fn post(&mut self, path: &str, body: &[u8]) -> u16 {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        let s = self.stream.get_mut();
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut answer = vec![0; length];
        self.stream.read_exact(&mut answer).unwrap();
        status
    }
}

struct Brand {
    a: Authority,
    dir: tempfile::TempDir,
    codes: Vec<String>,
}

fn brand(codes: usize) -> Brand {
    let now = genuine::device_now().as_secs();
    let mut rng = genuine_tests::demo::seeded("ingest bench");
    let mut a = Authority::new(3, 2, now + 86_400 * 3650, now - 60, &mut rng).unwrap();
    a.add_brand("tea", "Tea Co", vec!["4012345".into()], vec!["t.example".into()], 1, 1, now - 60, &mut rng)
        .unwrap();
    a.new_claim_key("tea", None, (now - 60, now + 86_400, now + 86_400 * 700), now - 60, &mut rng).unwrap();
    let codes = (0..codes)
        .map(|i| {
            let mut data = Gs1Data::new(genuine_issuer::authority::parse_gtin("4012345000009").unwrap());
            data.insert("21", &format!("B{i:08}")).unwrap();
            a.issue("tea", data, None, None, now, false).unwrap()
        })
        .collect();
    Brand { a, dir: tempfile::tempdir().unwrap(), codes }
}

/// A collector over `location`, on a loopback port.
fn serve(b: &Brand, location: &str, runtime: &tokio::runtime::Runtime) -> SocketAddr {
    let path = b.dir.path().join(format!("trust-{}.db", location.len()));
    let mut store = genuine::Store::open(&path, &b.a.anchor).unwrap();
    store.import(&b.a.bundle().unwrap(), genuine::device_now()).unwrap();
    let trust = Trust { path, anchor: b.a.anchor.clone() };
    let config = Config { per_network_per_minute: u32::MAX, ..Config::default() };
    let collector = Arc::new(Collector::new(location, trust, config, NetworkKey::new([1; 32])).unwrap());
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(genuine_collector::server::serve(listener, collector));
    addr
}

/// The bodies `clients` clients send: batches of `batch` events, each
/// client's events of its own codes.
fn bodies(codes: &[String], clients: usize, batch: usize, forged: bool) -> Vec<Vec<Vec<u8>>> {
    let hour = genuine::device_now().as_secs() / 3600;
    let per_client = codes.len() / clients;
    (0..clients)
        .map(|c| {
            codes[c * per_client..(c + 1) * per_client]
                .chunks(batch)
                .enumerate()
                .map(|(i, chunk)| {
                    let events: Vec<_> = chunk
                        .iter()
                        .map(|code| {
                            // Another serial under the same signature: a full verify that fails.
                            let code = if forged { code.replace("/21/B", "/21/C") } else { code.clone() };
                            serde_json::json!({"code": code, "verdict": "genuine", "hour": hour, "place": "u33db"})
                        })
                        .collect();
                    let install = format!("install-bench-{c:03}-{i:06}");
                    serde_json::json!({"install": install, "events": events}).to_string().into_bytes()
                })
                .collect()
        })
        .collect()
}

/// Events per second: every client posts its bodies over its connection.
fn drive(addr: SocketAddr, bodies: Vec<Vec<Vec<u8>>>, events: usize, expect: u16) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for (c, mine) in bodies.into_iter().enumerate() {
            s.spawn(move || {
                let mut client = Client::connect(IpAddr::from([127, 1, c as u8, 1]), addr);
                for body in mine {
                    assert_eq!(client.post("/v1/events", &body), expect);
                }
            });
        }
    });
    events as f64 / start.elapsed().as_secs_f64()
}

/// Events per second into the store alone, the same batches, one network each.
fn store_only(location: &str, codes: &[String], clients: usize, batch: usize) -> f64 {
    let hour = genuine::device_now().as_secs() / 3600;
    let per_client = codes.len() / clients;
    let mut db = Db::open(location).unwrap();
    let quotas = Quotas { per_network_per_day: u64::MAX, ..Quotas::default() };
    let start = Instant::now();
    for c in 0..clients {
        let origin = Origin { network: format!("k:store-{c}"), group: format!("k:g{c}") };
        for (i, chunk) in (0..per_client).collect::<Vec<_>>().chunks(batch).enumerate() {
            let rows: Vec<NewSighting> = chunk
                .iter()
                .map(|k| NewSighting {
                    brand: "tea".into(),
                    gtin: "04012345000009".into(),
                    serial: format!("S{c:03}{k:08}"),
                    install: format!("install-store-{c:03}-{i:06}"),
                    hour,
                    place: Some("u33db".into()),
                })
                .collect();
            db.record_sightings(&origin, &rows, &quotas, hour).unwrap();
        }
    }
    (clients * per_client) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (events, clients) = if full { (20_000, 8) } else { (400, 4) };
    let b = brand(events);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut stores = vec![("SQLite", b.dir.path().join("collector.db").display().to_string())];
    match std::env::var("GENUINE_TEST_POSTGRES") {
        Ok(_) => stores.push(("PostgreSQL", genuine_tests::postgres::fresh_database())),
        Err(_) => println!("(no GENUINE_TEST_POSTGRES: PostgreSQL not measured; tests/run sets it)"),
    }
    println!(
        "| store | batch | end to end (HTTP, verify, store) | HTTP alone (refused body) | HTTP + verify (forged codes) | store alone |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, location) in &stores {
        let addr = serve(&b, location, &runtime);
        for batch in [1, 100] {
            let count = if batch == 1 { events / 4 } else { events };
            let codes = &b.codes[..count];
            let http = drive(addr, vec![vec![b"{}".to_vec(); count / clients]; clients], count, 400);
            let verify = drive(addr, bodies(codes, clients, batch, true), count, 200);
            let full_path = drive(addr, bodies(codes, clients, batch, false), count, 200);
            let store_location = if location.contains("://") {
                genuine_tests::postgres::fresh_database()
            } else {
                b.dir.path().join(format!("store-{batch}.db")).display().to_string()
            };
            let store = store_only(&store_location, codes, clients, batch);
            println!(
                "| {name} | {batch} | {full_path:.0} events/s | {http:.0} requests/s | {verify:.0} events/s | {store:.0} events/s |"
            );
        }
    }
    println!(
        "\n({events} events at batch 100, a quarter at batch 1; {clients} clients, one /24 each, keep-alive)"
    );
}
