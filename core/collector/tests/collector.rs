//! The collector over real HTTP on 127.0.0.1, with clients on distinct
//! loopback networks (127.0.N.1: one /24 each) standing in for phones on
//! distinct networks: copies found, floods and forgeries not counted,
//! malformed and oversized batches refused with nothing stored.

mod common;

use common::{BERLIN, Backend, PARIS, world};
use genuine_collector::db::Quotas;
use genuine_collector::rules::Rules;
use genuine_collector::server::Config;

#[test]
fn one_serial_in_two_cities_within_an_hour_is_a_candidate_sqlite() {
    one_serial_in_two_cities_within_an_hour_is_a_candidate(Backend::Sqlite);
}

#[test]
fn one_serial_in_two_cities_within_an_hour_is_a_candidate_postgres() {
    one_serial_in_two_cities_within_an_hour_is_a_candidate(Backend::Postgres);
}

fn one_serial_in_two_cities_within_an_hour_is_a_candidate(backend: Backend) {
    let w = world(backend, Config::default());
    let (copied, honest) = (w.code("COPIED234"), w.code("HONEST234"));
    let h = w.hour();
    // The same serial twice in one batch (two scans an hour apart) is one sighting.
    let batch =
        [(copied.as_str(), h - 1, BERLIN), (honest.as_str(), h, BERLIN), (copied.as_str(), h, BERLIN)];
    assert_eq!(w.events(1, "install-aaaaaaaaaaaa", &batch).0, 200);
    assert_eq!(w.db().counts().unwrap().0, 2);
    assert_eq!(w.events(2, "install-bbbbbbbbbbbb", &[(&copied, h, PARIS)]).0, 200);
    // The honest serial, scanned twice in one city by two phones: no case.
    assert_eq!(w.events(3, "install-cccccccccccc", &[(&honest, h, BERLIN)]).0, 200);
    let found = genuine_collector::candidates(&mut w.db(), &Rules::default()).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let case = &found[0];
    assert_eq!((case.brand.as_str(), case.serial.as_str()), ("tea", "COPIED234"));
    assert_eq!(case.evidence.rules, ["impossible-travel"]);
    assert_eq!((case.evidence.installs, case.evidence.origins), (2, 2));
    assert!((850.0..910.0).contains(&case.evidence.max_distance_km));
    assert!(!case.evidence.auto, "two networks are for a person to judge, not --auto");
}

#[test]
fn a_flood_from_one_network_flags_nothing_sqlite() {
    a_flood_from_one_network_flags_nothing(Backend::Sqlite);
}

#[test]
fn a_flood_from_one_network_flags_nothing_postgres() {
    a_flood_from_one_network_flags_nothing(Backend::Postgres);
}

fn a_flood_from_one_network_flags_nothing(backend: Backend) {
    let w = world(backend, Config { per_network_per_minute: 2_000, ..Config::default() });
    let target = w.code("RIVALS234");
    // 50 places across the world: 5 regions, 10 cells in each.
    let regions = ["u33", "u09", "gcp", "dr5", "9q8"];
    let cells = ["db", "tv", "vj", "ru", "yy", "yk", "pr", "42", "6u", "x2"];
    let places: Vec<String> =
        regions.iter().flat_map(|r| cells.iter().map(move |c| format!("{r}{c}"))).collect();
    assert_eq!(places.len(), 50);
    for i in 0..1000 {
        let install = format!("rival-pseudonym-{i:05}");
        let place = &places[i % places.len()];
        let (status, _) = w.events(7, &install, &[(&target, w.hour(), place)]);
        assert_eq!(status, 200);
    }
    for i in 0..3 {
        let report = serde_json::json!({"install": format!("rival-reporter-{i:04}"), "code": target,
            "reason": "price", "hour": w.hour()});
        assert_eq!(w.post(7, "/v1/reports", report.to_string()).0, 200);
    }
    let quota = Quotas::default().per_network_per_serial;
    assert_eq!(w.db().counts().unwrap().0, quota, "one network stores a bounded share of a serial");
    let found = genuine_collector::candidates(&mut w.db(), &Rules::default()).unwrap();
    assert!(found.is_empty(), "one network must not get a genuine serial flagged: {found:?}");
}

#[test]
fn forgeries_are_not_counted_and_bad_batches_store_nothing_sqlite() {
    forgeries_are_not_counted_and_bad_batches_store_nothing(Backend::Sqlite);
}

#[test]
fn forgeries_are_not_counted_and_bad_batches_store_nothing_postgres() {
    forgeries_are_not_counted_and_bad_batches_store_nothing(Backend::Postgres);
}

fn forgeries_are_not_counted_and_bad_batches_store_nothing(backend: Backend) {
    let w = world(backend, Config { per_network_per_minute: 8, ..Config::default() });
    let genuine_code = w.code("REAL00234");
    let forged = genuine_code.replace("REAL00234", "FAKE00234");
    let unsigned = "https://t.example/01/04012345000009/21/NOSIG234";
    let (status, said) =
        w.events(1, "install-aaaaaaaaaaaa", &[(&forged, w.hour(), BERLIN), (unsigned, w.hour(), BERLIN)]);
    assert_eq!((status, said["counted"].as_u64(), said["not_genuine"].as_u64()), (200, Some(0), Some(2)));
    assert_eq!(w.db().counts().unwrap(), (0, 0));

    let refused = |net: u8, path: &str, body: Vec<u8>, status: u16| {
        let (got, said) = w.post(net, path, body);
        assert_eq!(got, status, "{said}");
        assert_eq!(w.db().counts().unwrap(), (0, 0), "a refused batch stored something");
    };
    let event = |place: &str| serde_json::json!({"code": genuine_code, "verdict": "genuine", "hour": w.hour(), "place": place});
    let batch = |events: Vec<serde_json::Value>| serde_json::json!({"install": "install-aaaaaaaaaaaa", "events": events});
    refused(2, "/v1/events", vec![b'{'; 300 * 1024], 413);
    refused(2, "/v1/events", b"{not json".to_vec(), 400);
    refused(2, "/v1/events", batch(vec![event(BERLIN), event("u33dbxx")]).to_string().into(), 400);
    refused(2, "/v1/events", batch(vec![event(BERLIN); 501]).to_string().into(), 400);
    refused(
        2,
        "/v1/events",
        serde_json::json!({"install": "short", "events": [event(BERLIN)]}).to_string().into(),
        400,
    );
    let future = serde_json::json!({"code": genuine_code, "verdict": "genuine", "hour": w.hour() + 5});
    refused(2, "/v1/events", batch(vec![future]).to_string().into(), 400);
    let extra = serde_json::json!({"install": "install-aaaaaaaaaaaa", "events": [event(BERLIN)], "gps": [52.5, 13.4]});
    refused(3, "/v1/events", extra.to_string().into(), 400);
    let report = |photo: &str| {
        serde_json::json!({"install": "install-aaaaaaaaaaaa", "code": genuine_code, "reason": "price",
            "hour": w.hour(), "photo": photo})
        .to_string()
        .into_bytes()
    };
    refused(3, "/v1/reports", report("bm90IGEganBlZw=="), 400);
    // One network's budget per minute (8 here): of 20 requests in a burst,
    // at most 16 pass even if a minute turns during the burst.
    let statuses: Vec<u16> = (0..20).map(|_| w.post(5, "/v1/events", b"{}".to_vec()).0).collect();
    let passed = statuses.iter().filter(|s| **s != 429).count();
    assert!((8..=16).contains(&passed) && statuses.contains(&429), "{statuses:?}");
    assert_eq!(w.db().counts().unwrap(), (0, 0));
    // A good report with a JPEG is counted.
    use base64::Engine;
    let jpeg = base64::engine::general_purpose::STANDARD.encode(common::jpeg(&[]));
    assert_eq!(w.post(4, "/v1/reports", report(&jpeg)).0, 200);
    assert_eq!(w.db().counts().unwrap(), (0, 1));
}

#[test]
fn retention_deletes_old_sightings_and_reports_only_sqlite() {
    retention_deletes_old_sightings_and_reports_only(Backend::Sqlite);
}

#[test]
fn retention_deletes_old_sightings_and_reports_only_postgres() {
    retention_deletes_old_sightings_and_reports_only(Backend::Postgres);
}

fn retention_deletes_old_sightings_and_reports_only(backend: Backend) {
    let w = world(backend, Config::default());
    let (old, recent) = (w.code("OLD234"), w.code("RECENT234"));
    let h = w.hour();
    let long_ago = h - 24 * 60;
    assert_eq!(w.events(1, "install-aaaaaaaaaaaa", &[(&old, long_ago, BERLIN)]).0, 200);
    assert_eq!(w.events(2, "install-bbbbbbbbbbbb", &[(&old, long_ago, PARIS), (&recent, h, PARIS)]).0, 200);
    for (net, hour) in [(3, long_ago), (4, h)] {
        let report = serde_json::json!({"install": format!("reporter-{net:08}"), "code": &old,
            "reason": "packaging", "hour": hour});
        assert_eq!(w.post(net, "/v1/reports", report.to_string()).0, 200);
    }
    assert_eq!(w.db().counts().unwrap(), (3, 2));
    assert_eq!(genuine_collector::candidates(&mut w.db(), &Rules::default()).unwrap().len(), 1);
    // Thirty days kept: what was seen or said sixty days ago goes, today's stays.
    assert_eq!(w.db().purge(h - 24 * 30).unwrap(), (2, 1));
    assert_eq!(w.db().counts().unwrap(), (1, 1));
    assert!(genuine_collector::candidates(&mut w.db(), &Rules::default()).unwrap().is_empty());
    assert_eq!(w.db().sightings("04012345000009", "RECENT234").unwrap().len(), 1);
}
