//! The second security review's attacks on the collector (issue 30), each
//! replayed over real HTTP on 127.0.0.1 as the reviewer made it, with the
//! variants an attacker would try next. Clients stand on loopback networks
//! 127.G.N.1: one /24 each, in group (/16) 127.G.

mod common;

use common::{BERLIN, Backend, FAR, PARIS, World, client, connect, world};
use genuine_collector::db::Quotas;
use genuine_collector::limits::ConnectionLimits;
use genuine_collector::network::{Cidr, TrustedProxies};
use genuine_collector::rules::Rules;
use genuine_collector::server::Config;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn candidates(w: &World) -> Vec<genuine_collector::Candidate> {
    genuine_collector::candidates(&mut w.db(), &Rules::default()).unwrap()
}

/// The collector behind the operator's proxy at 127.0.0.1 (nginx with
/// `$proxy_add_x_forwarded_for`: it appends the address that connected).
fn behind_proxy(backend: Backend) -> World {
    let proxies = TrustedProxies::new(vec![Cidr::parse("127.0.0.1/32").unwrap()]);
    world(backend, Config { trusted_proxies: proxies, ..Config::default() })
}

/// A request as the proxy forwards it: what the client wrote, then the
/// client's real address, appended.
fn via_proxy(w: &World, client_wrote: &str, real: &str, body: &str) -> (u16, serde_json::Value) {
    let header = if client_wrote.is_empty() {
        format!("X-Forwarded-For: {real}\r\n")
    } else {
        format!("X-Forwarded-For: {client_wrote}, {real}\r\n")
    };
    w.post_with(client(0, 0), "/v1/events", &header, body.as_bytes())
}

/// Finding 1 (HIGH): behind an appending proxy, a client wrote the first
/// `X-Forwarded-For` entry itself and became "4 installs on 4 networks
/// [auto]" — `clones approve --auto` revoked a genuine serial.
#[test]
fn a_client_behind_a_proxy_cannot_choose_its_network_sqlite() {
    a_client_behind_a_proxy_cannot_choose_its_network(Backend::Sqlite);
}

#[test]
fn a_client_behind_a_proxy_cannot_choose_its_network_postgres() {
    a_client_behind_a_proxy_cannot_choose_its_network(Backend::Postgres);
}

fn a_client_behind_a_proxy_cannot_choose_its_network(backend: Backend) {
    let w = behind_proxy(backend);
    let code = w.code("GENUINE234");
    let h = w.hour();
    // The replay: one client, four claimed networks, four far places.
    for (i, place) in FAR[..4].iter().enumerate() {
        let body = World::batch(&format!("install-framer-{i:04}"), &[(&code, h, place)]);
        let claimed = format!("203.0.{i}.1");
        assert_eq!(via_proxy(&w, &claimed, "198.51.100.7", &body).0, 200);
    }
    // Variants: a header split over lines, an IPv4-mapped IPv6 spelling,
    // a port, claimed entries in the middle of a chain of our proxies.
    let variants = [
        "X-Forwarded-For: 203.0.9.1\r\nX-Forwarded-For: 198.51.100.7\r\n",
        "X-Forwarded-For: 203.0.10.1, ::ffff:198.51.100.8\r\n",
        "X-Forwarded-For: 203.0.11.1, 198.51.100.9:4711\r\n",
        "X-Forwarded-For: 203.0.12.1, 198.51.100.10, 127.0.0.1\r\n",
    ];
    for (i, header) in variants.iter().enumerate() {
        let body = World::batch(&format!("install-variant-{i:04}"), &[(&code, h, FAR[4 + i])]);
        assert_eq!(w.post_with(client(0, 0), "/v1/events", header, body.as_bytes()).0, 200);
    }
    let found = candidates(&w);
    assert!(found.is_empty(), "one client made itself several networks: {found:?}");

    // Two real clients behind the proxy are two networks; an IPv6 client
    // is its /48 (two addresses of one /48 are one network).
    let copied = w.code("COPIED234");
    assert_eq!(
        via_proxy(&w, "", "2001:db8:1:1::7", &World::batch("install-v6-aaaaaa", &[(&copied, h, BERLIN)])).0,
        200
    );
    assert_eq!(
        via_proxy(&w, "", "2001:db8:1:2::9", &World::batch("install-v6-bbbbbb", &[(&copied, h, PARIS)])).0,
        200
    );
    assert!(candidates(&w).is_empty(), "one /48 in two places is one network");
    assert_eq!(
        via_proxy(&w, "", "2001:db8:2::1", &World::batch("install-v6-cccccc", &[(&copied, h, PARIS)])).0,
        200
    );
    let found = candidates(&w);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].serial.as_str(), found[0].evidence.origins), ("COPIED234", 2));

    // What our proxy writes must be an address; what the client writes is never read.
    let body = World::batch("install-garbage-aa", &[(&code, h, BERLIN)]);
    assert_eq!(
        w.post_with(client(0, 0), "/v1/events", "X-Forwarded-For: 198.51.100.7, junk\r\n", body.as_bytes()).0,
        400
    );
    assert_eq!(via_proxy(&w, "junk", "198.51.100.7", &body).0, 200);

    // A client that is not the proxy is itself, whatever header it sends.
    let direct = World::batch("install-direct-aaa", &[(&copied, h, FAR[2])]);
    let forged = "X-Forwarded-For: 2001:db8:9::1\r\n";
    assert_eq!(w.post_with(client(0, 5), "/v1/events", forged, direct.as_bytes()).0, 200);
    assert_eq!(candidates(&w)[0].evidence.origins, 3, "127.0.5.1 counted as itself");
}

/// Finding 1's second half: behind the proxy the rate limit counted the
/// client's claimed networks (200 of 200 requests passed).
#[test]
fn the_rate_limit_counts_the_real_network_behind_a_proxy() {
    let proxies = TrustedProxies::new(vec![Cidr::parse("127.0.0.1/32").unwrap()]);
    let w = world(
        Backend::Sqlite,
        Config { trusted_proxies: proxies, per_network_per_minute: 20, ..Config::default() },
    );
    let statuses: Vec<u16> =
        (0..60).map(|i| via_proxy(&w, &format!("203.0.{i}.1"), "198.51.100.7", "{}").0).collect();
    let passed = statuses.iter().filter(|s| **s != 429).count();
    assert!((20..=40).contains(&passed), "{passed} of 60 passed a 20-a-minute limit: {statuses:?}");
}

/// Finding 3 (MED): without a proxy, four cheap VMs on four /24s reached
/// `--auto` with claimed places and hours: 4 POSTs, `approve --auto`,
/// `feed publish`, and every phone showed a genuine serial REVOKED.
#[test]
fn four_networks_cannot_frame_a_serial_for_auto() {
    let w = world(Backend::Sqlite, Config::default());
    let code = w.code("GENUINE234");
    let h = w.hour();
    for (i, place) in FAR[..4].iter().enumerate() {
        let from = client(10 + i as u8, 1); // four /16s, even
        assert_eq!(w.events_from(from, &format!("install-framer-{i:04}"), &[(&code, h, place)]).0, 200);
    }
    let found = candidates(&w);
    assert_eq!(found.len(), 1, "a person should look: {found:?}");
    assert!(!found[0].evidence.auto, "four VMs reached --auto: {:?}", found[0].evidence);
    // Eight VMs in one provider's /16, each with a history, over three days: still a person's call.
    let target = w.code("TARGET234");
    let other = w.code("BOUGHT234");
    for i in 0..8u8 {
        let from = client(30, i);
        let install = format!("install-oneprov-{i:03}");
        let seen = h - 24 * u64::from(i % 3);
        assert_eq!(w.events_from(from, &install, &[(&other, seen - 30, BERLIN)]).0, 200);
        assert_eq!(w.events_from(from, &install, &[(&target, seen, FAR[usize::from(i)])]).0, 200);
    }
    let found = candidates(&w);
    let target = found.iter().find(|c| c.serial == "TARGET234").unwrap();
    assert!(!target.evidence.auto, "one provider's range reached --auto: {:?}", target.evidence);
}

/// The third review's framing: the wave below sent in one sitting, each
/// network's one POST claiming its history and three days in its hours.
/// Days and histories count in the hours the collector received things,
/// so this is a person's call.
#[test]
fn a_wave_that_claims_its_days_and_histories_in_one_sitting_is_not_for_auto() {
    let w = world(Backend::Sqlite, Config::default());
    let copied = w.code("COPIED234");
    let h = w.hour();
    for i in 0..8u8 {
        let from = client(40 + i % 4, i);
        let install = format!("install-framer-{i:03}");
        let earlier = w.code(&format!("OWNED{i:03}X"));
        let place = FAR[usize::from(i)];
        let events: Vec<(&str, u64, &str)> = [(earlier.as_str(), h - 72, BERLIN)]
            .into_iter()
            .chain((0..3).map(|d| (copied.as_str(), h - 24 * d, place)))
            .collect();
        assert_eq!(w.events_from(from, &install, &events).0, 200);
    }
    let found = candidates(&w);
    let case = found.iter().find(|c| c.serial == "COPIED234").unwrap();
    assert!(!case.evidence.auto, "one sitting reached --auto: {:?}", case.evidence);
    assert_eq!((case.evidence.origins, case.evidence.seasoned_origins), (8, 0));
}

/// What `--auto` does act on: a wave of fakes as the field sees it, eight
/// networks from four providers' ranges, received over three days, each
/// with an install whose other genuine code of the brand arrived a day or
/// more before (the collector's clock: `record_sightings`' hour).
#[test]
fn a_wide_wave_received_over_days_with_histories_is_for_auto() {
    use genuine_collector::db::NewSighting;
    let w = world(Backend::Sqlite, Config::default());
    let mut db = w.db();
    let key = genuine_collector::network::NetworkKey::new([9; 32]);
    let h = w.hour();
    let row = |serial: &str, install: &str, hour: u64, place: &str| NewSighting {
        brand: "tea".into(),
        gtin: "04012345000009".into(),
        serial: serial.into(),
        install: install.into(),
        hour,
        place: Some(place.into()),
    };
    for i in 0..8u8 {
        let origin = key.origin(client(40 + i % 4, i));
        let install = format!("install-shopper-{i:03}");
        let seen = h - 24 * u64::from(i % 3);
        let quotas = Quotas::default();
        db.record_sightings(
            &origin,
            &[row(&format!("OWNED{i:03}X"), &install, seen - 30, BERLIN)],
            &quotas,
            seen - 30,
        )
        .unwrap();
        db.record_sightings(&origin, &[row("COPIED234", &install, seen, FAR[usize::from(i)])], &quotas, seen)
            .unwrap();
    }
    let found = candidates(&w);
    let case = found.iter().find(|c| c.serial == "COPIED234").unwrap();
    assert!(case.evidence.auto, "{:?}", case.evidence);
    assert_eq!((case.evidence.origins, case.evidence.groups, case.evidence.seasoned_origins), (8, 4, 8));
}

/// Findings 2 and 8 (HIGH, MED): nothing bounded a serial's sightings
/// (16,000 from 2 networks: 10.4 s and 2 GB to list; 100,000: the OOM
/// killer) nor what one network stores a day.
#[test]
fn what_a_network_stores_is_bounded_per_serial_and_per_day_sqlite() {
    what_a_network_stores_is_bounded_per_serial_and_per_day(Backend::Sqlite);
}

#[test]
fn what_a_network_stores_is_bounded_per_serial_and_per_day_postgres() {
    what_a_network_stores_is_bounded_per_serial_and_per_day(Backend::Postgres);
}

fn places(n: usize) -> Vec<String> {
    let alphabet = b"0123456789bcdefghjkmnpqrstuvwxyz";
    (0..n)
        .map(|i| {
            format!(
                "u3{}{}{}",
                alphabet[i / 1024 % 32] as char,
                alphabet[i / 32 % 32] as char,
                alphabet[i % 32] as char
            )
        })
        .collect()
}

fn what_a_network_stores_is_bounded_per_serial_and_per_day(backend: Backend) {
    let quotas = Quotas { per_network_per_day: 40, reports_per_network_per_day: 3, ..Quotas::default() };
    let w = world(
        backend,
        Config { per_network_per_minute: 10_000, quotas: quotas.clone(), ..Config::default() },
    );
    let code = w.code("POISONED2");
    let h = w.hour();
    let places = places(500);
    // The replay: two networks, 20,000 sightings of one serial (40 batches
    // of 500, each batch a new pseudonym, every event a new place).
    for net in [1u8, 2] {
        for batch in 0..20 {
            let events: Vec<(&str, u64, &str)> =
                places.iter().map(|p| (code.as_str(), h, p.as_str())).collect();
            let (status, said) = w.events(net, &format!("install-poison-{net}-{batch:04}"), &events);
            assert_eq!(status, 200, "{said}");
        }
    }
    let (rows, _) = w.db().counts().unwrap();
    assert_eq!(
        rows,
        2 * quotas.per_network_per_serial,
        "20,000 sightings of two networks kept as {rows} rows"
    );
    assert_eq!(
        w.db().sightings("04012345000009", "POISONED2").unwrap().len() as u64,
        rows,
        "what a review reads"
    );
    // Per serial in all: networks of one group share a bound, and no serial
    // grows past its cap however many networks write.
    let crowded = w.code("CROWDED23");
    for net in 0..40u8 {
        let (status, _) =
            w.events_from(client(50, net), &format!("install-crowd-{net:05}"), &[(&crowded, h, BERLIN)]);
        assert_eq!(status, 200);
    }
    let crowd_rows = w.db().sightings("04012345000009", "CROWDED23").unwrap().len() as u64;
    assert_eq!(crowd_rows, quotas.networks_per_group_per_serial, "one /16's networks on one serial");
    // Per network per day (over every serial): 40 new rows, then nothing.
    let before = w.db().counts().unwrap().0;
    for i in 0..60 {
        let serial = w.code(&format!("MANY{i:05}"));
        let (status, _) = w.events(9, "install-scraper-aaaa", &[(&serial, h, BERLIN)]);
        assert_eq!(status, 200);
    }
    assert_eq!(w.db().counts().unwrap().0 - before, 40, "a network's day is bounded");
    // Another network is not held back by it.
    assert_eq!(w.events(10, "install-honest-aaaa", &[(&w.code("HONEST234"), h, BERLIN)]).1["counted"], 1);
    // Reports: a bounded number a day from one network, photos included.
    use base64::Engine;
    let photo = base64::engine::general_purpose::STANDARD.encode(common::jpeg(&[]));
    let mut kept = 0;
    for i in 0..6 {
        let report = serde_json::json!({"install": format!("install-reporter-{i:04}"), "code": w.code(&format!("REP{i:05}")),
            "reason": "price", "hour": h, "photo": photo});
        let (status, said) = w.post(11, "/v1/reports", report.to_string());
        assert_eq!(status, 200);
        kept += said["counted"].as_u64().unwrap();
    }
    assert_eq!(kept, 3);
    assert_eq!(w.db().counts().unwrap().1, 3);
}

/// Finding 6 (MED): no timeout on headers or bodies; 600 half-sent
/// requests were held over a minute and a normal request timed out the
/// whole time.
#[test]
fn slow_and_held_connections_cost_bounded_sockets_for_a_bounded_time() {
    raise_open_files();
    let config = Config {
        header_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(2),
        connections: ConnectionLimits { per_network: 32, total: 4096 },
        ..Config::default()
    };
    let w = world(Backend::Sqlite, config);
    let code = w.code("NORMAL234");
    let half = b"POST /v1/events HTTP/1.1\r\nHost: collector\r\nContent-Le";
    // The replay: 600 half-sent requests from one network...
    let mut held: Vec<std::net::TcpStream> = (0..600)
        .map(|_| {
            let mut s = connect(client(0, 30), w.addr);
            let _ = s.write_all(half);
            s
        })
        .collect();
    // ...and 600 more spread over 30 networks, 20 each (under the share).
    held.extend((0..600).map(|i| {
        let mut s = connect(client(0, 100 + (i % 30) as u8), w.addr);
        let _ = s.write_all(half);
        s
    }));
    // A normal request from elsewhere is answered meanwhile.
    let (status, said) = w.events(7, "install-normal-aaaa", &[(&code, w.hour(), BERLIN)]);
    assert_eq!((status, said["counted"].as_u64()), (200, Some(1)), "{said}");
    // Of one network's 600, the service kept at most its share open.
    // Open means a read would wait; closed reads an end (or a reset).
    let still_open = |streams: &mut [std::net::TcpStream]| {
        streams
            .iter_mut()
            .filter_map(|s| {
                s.set_nonblocking(true).unwrap();
                let open =
                    matches!(s.read(&mut [0u8; 64]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
                open.then_some(())
            })
            .count()
    };
    let one_network = still_open(&mut held[..600]);
    assert!(one_network <= 32, "{one_network} connections of one network held");
    // After the header deadline, none is.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(still_open(&mut held), 0, "half-sent requests outlived the header deadline");
    drop(held);

    // Variants: a connection that sends nothing, and a body that drips.
    let mut idle = connect(client(0, 8), w.addr);
    let mut drip = connect(client(0, 9), w.addr);
    let body = World::batch("install-drip-aaaaaa", &[(&code, w.hour(), BERLIN)]);
    let head = format!("POST /v1/events HTTP/1.1\r\nHost: c\r\nContent-Length: {}\r\n\r\n", body.len());
    drip.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    for byte in body.as_bytes() {
        if drip.write_all(&[*byte]).is_err() || started.elapsed() > Duration::from_secs(3) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drip.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = drip.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "a dripping body: {answer:?}");
    assert_eq!(still_open(std::slice::from_mut(&mut idle)), 0, "an idle connection outlived the deadline");
}

/// Finding 7 (MED): a report's photo was stored verbatim, its EXIF GPS
/// position (52°31'12.34"N 13°24'56.78"E) read back byte for byte.
#[test]
fn photos_are_stored_without_their_metadata() {
    use base64::Engine;
    let w = world(Backend::Sqlite, Config::default());
    let photo = common::jpeg(&[common::exif_with_gps()]);
    let report = serde_json::json!({"install": "install-reporter-aaaa", "code": w.code("SEEN00234"),
        "reason": "packaging", "hour": w.hour(), "photo": base64::engine::general_purpose::STANDARD.encode(&photo)});
    assert_eq!(w.post(1, "/v1/reports", report.to_string()).0, 200);
    let conn = rusqlite::Connection::open(&w.location).unwrap();
    let kept: Vec<u8> = conn.query_row("SELECT photo FROM reports", [], |r| r.get(0)).unwrap();
    assert!(!kept.windows(11).any(|w| w == b"GPSLatitude") && !kept.windows(4).any(|w| w == b"Exif"));
    let pixels = |jpeg: &[u8]| image::load_from_memory(jpeg).unwrap().into_luma8().into_raw();
    assert_eq!(pixels(&kept), pixels(&photo), "the picture is kept");
    // A photo that is not a whole JPEG is refused, not stored as it came.
    let mut cut = photo.clone();
    cut.truncate(photo.len() - 40);
    let report = serde_json::json!({"install": "install-reporter-bbbb", "code": w.code("SEEN00235"),
        "reason": "packaging", "hour": w.hour(), "photo": base64::engine::general_purpose::STANDARD.encode(&cut)});
    assert_eq!(w.post(2, "/v1/reports", report.to_string()).0, 400);
}

/// Finding 9 (LOW): the "salted hash of the /24" was reversible, its salt
/// in the same database (all 2^24 /24s in 18 s). Now the key is not in the
/// database, and a database made before loses its salt.
#[test]
fn the_database_holds_no_key_to_its_network_names() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("old.db");
    {
        // A database of the first schema, with its salt.
        let conn = rusqlite::Connection::open(&location).unwrap();
        conn.execute_batch(
            "CREATE TABLE migrations(version BIGINT PRIMARY KEY); INSERT INTO migrations VALUES (1);
             CREATE TABLE meta(key TEXT PRIMARY KEY, value BYTEA NOT NULL);
             INSERT INTO meta VALUES ('origin_salt', x'0909');
             CREATE TABLE sightings(brand TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL,
               install TEXT NOT NULL, place TEXT NOT NULL, origin TEXT NOT NULL,
               first_hour BIGINT NOT NULL, last_hour BIGINT NOT NULL, PRIMARY KEY (gtin, serial, install, place));
             INSERT INTO sightings VALUES ('tea', '04012345000009', 'OLD234', 'install-old-aaaaaa', 'u33db', '0011223344556677', 1, 1);
             CREATE TABLE reports(brand TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL,
               install TEXT NOT NULL, origin TEXT NOT NULL, hour BIGINT NOT NULL, place TEXT NOT NULL,
               reason TEXT NOT NULL, note TEXT NOT NULL, photo BYTEA, PRIMARY KEY (gtin, serial, install));
             CREATE TABLE decisions(gtin TEXT NOT NULL, serial TEXT NOT NULL, brand TEXT NOT NULL,
               state TEXT NOT NULL, decided_at BIGINT NOT NULL, PRIMARY KEY (gtin, serial));",
        )
        .unwrap();
    }
    let mut db = genuine_collector::db::Db::open(&location.display().to_string()).unwrap();
    let conn = rusqlite::Connection::open(&location).unwrap();
    let meta: i64 = conn.query_row("SELECT count(*) FROM meta", [], |r| r.get(0)).unwrap();
    assert_eq!(meta, 0, "the salt is gone from the database");
    // Old rows stay, named under no key generation (never compared with new ones).
    let old = db.sightings("04012345000009", "OLD234").unwrap();
    assert_eq!((old.len(), old[0].group.as_str()), (1, ""));
    assert_eq!(genuine_collector::network::generation_of(&old[0].origin), "");

    // A new collector's rows name networks only through its key.
    let w = world(Backend::Sqlite, Config::default());
    assert_eq!(w.events(1, "install-aaaaaaaaaaaa", &[(&w.code("NEW00234"), w.hour(), BERLIN)]).0, 200);
    let conn = rusqlite::Connection::open(&w.location).unwrap();
    let (origin, group): (String, String) =
        conn.query_row("SELECT origin, grp FROM sightings", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let key = genuine_collector::network::NetworkKey::new([9; 32]);
    assert_eq!(key.origin(client(0, 1)).network, origin);
    assert_eq!(key.origin(client(0, 1)).group, group);
    let other = genuine_collector::network::NetworkKey::new([10; 32]);
    assert_ne!(other.origin(client(0, 1)).network, origin, "without the key, no name can be matched");
    let meta: i64 = conn.query_row("SELECT count(*) FROM meta", [], |r| r.get(0)).unwrap();
    assert_eq!(meta, 0);
}

/// Finding 13 (LOW, the collector's part): its trust store never synced,
/// so codes of keys revoked through the feed were still counted.
#[test]
fn codes_of_keys_revoked_in_the_feed_stop_counting_once_the_collector_syncs() {
    let mut w = world(Backend::Sqlite, Config::default());
    let code = w.code("STOLENKEY");
    let h = w.hour();
    assert_eq!(w.events(1, "install-aaaaaaaaaaaa", &[(&code, h, BERLIN)]).1["counted"], 1);
    // The brand revokes the key in its feed; the collector syncs.
    w.a.revoke_claim_key("tea", 1, w.now).unwrap();
    let feed_dir = w.dir.path().join("feed");
    w.a.publish(&feed_dir, w.now, 3600, false).unwrap();
    let server = genuine_tests::feed_server::FeedServer::start(feed_dir);
    let transport = genuine::ReqwestTransport::new().unwrap();
    let feed = genuine::HttpFeed::new(&server.url, transport, genuine::FeedConfig::default()).unwrap();
    w.collector.sync_trust(&feed).unwrap();
    let (status, said) = w.events(2, "install-bbbbbbbbbbbb", &[(&code, h, PARIS)]);
    assert_eq!((status, said["counted"].as_u64(), said["not_genuine"].as_u64()), (200, Some(0), Some(1)));
    assert!(candidates(&w).is_empty());
}

/// 1,200 sockets at once (both ends in this process) need more than the
/// 1,024 descriptors some systems allow by default.
fn raise_open_files() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < 4096 {
            limit.rlim_cur = limit.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
