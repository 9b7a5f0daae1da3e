//! The SDK's opt-in scan reports, from phones' stores to the brand's
//! collector and back to every phone as `cloned`, on 127.0.0.1: two phones
//! on two networks report one serial from Berlin and Paris within the hour,
//! the collector flags it, the brand approves and publishes, and a third
//! phone's next sync turns its verdict into REVOKED. With reporting off,
//! nothing is queued and not one request is made.

mod common;

use genuine::reporting::{record_scan, upload_reports};
use genuine::{
    CancelToken, HttpRequest, HttpResponse, PostRequest, Store, Transport, TransportError, UnixTime,
};
use genuine_collector::db::Db;
use genuine_collector::network::NetworkKey;
use genuine_collector::server::{Collector, Config, Trust};
use genuine_format::gs1::Gs1Data;
use genuine_format::revocation::ListKind;
use genuine_issuer::Authority;
use genuine_issuer::authority::BrandEdit;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A phone's own HTTP stack, on its own network (127.0.N.1), counting
/// every request it is asked to make.
struct PhoneTransport {
    network: u8,
    requests: AtomicUsize,
}

impl Transport for PhoneTransport {
    fn get(&self, _: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        Err(TransportError::Failed("this test phone only posts".into()))
    }

    fn post(&self, request: &PostRequest<'_>) -> Result<HttpResponse, TransportError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let local = IpAddr::from([127, 0, self.network, 1]);
        let (status, body) = genuine_tests::post::post_from(local, request.url, request.body);
        Ok(HttpResponse { status, etag: None, body: body.into_bytes() })
    }
}

fn phone(network: u8) -> PhoneTransport {
    PhoneTransport { network, requests: AtomicUsize::new(0) }
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn reports_find_a_copied_serial_and_every_phone_learns_it() {
    let now = genuine::device_now().as_secs();
    let at = UnixTime::from_secs(now);
    let mut rng = genuine_tests::demo::seeded("sdk reports");
    let mut a = Authority::new(3, 2, now + 86_400 * 3650, now - 60, &mut rng).unwrap();
    a.add_brand("tea", "Tea Co", vec!["4012345".into()], vec!["t.example".into()], 1, 1, now - 60, &mut rng)
        .unwrap();
    a.new_claim_key("tea", None, (now - 60, now + 86_400, now + 86_400 * 700), now - 60, &mut rng).unwrap();

    // The collector's address goes in the brand's root-signed record.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let collector_url = format!("http://{}", listener.local_addr().unwrap());
    let edit = BrandEdit { collector: Some(collector_url), ..BrandEdit::default() };
    a.edit_brand("tea", edit, now - 30).unwrap();
    let bundle = a.bundle().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let anchor = a.anchor.clone();
    let store_at = |name: &str| {
        let mut store = Store::open(&dir.path().join(name), &anchor).unwrap();
        store.import(&bundle, at).unwrap();
        store
    };
    let data_location = dir.path().join("collector.db").display().to_string();
    drop(store_at("collector-trust.db"));
    let trust = Trust { path: dir.path().join("collector-trust.db"), anchor: anchor.clone() };
    let collector =
        Collector::new(&data_location, trust, Config::default(), NetworkKey::new([3; 32])).unwrap();
    runtime.spawn(genuine_collector::server::serve(listener, Arc::new(collector)));

    let mut data = Gs1Data::new(genuine_issuer::authority::parse_gtin("4012345000009").unwrap());
    data.insert("21", "COPIED234").unwrap();
    let code = a.issue("tea", data, None, None, now, false).unwrap();
    let cancel = CancelToken::default();

    // Reporting is off by default: a scan queues nothing, an upload sends nothing.
    let mut shy = store_at("shy.db");
    let shy_phone = phone(9);
    let verdict = genuine::verify(&shy, &code, at).unwrap();
    assert!(!record_scan(&mut shy, &code, &verdict, at, Some("u33db")).unwrap());
    let sent = upload_reports(&mut shy, &shy_phone, MINUTE, &cancel).unwrap();
    assert_eq!((sent.sent, shy_phone.requests.load(Ordering::SeqCst)), (0, 0));

    // Two phones that opted in, in Berlin and in Paris, within the hour.
    for (network, name, place) in [(1, "berlin.db", "u33dbf9"), (2, "paris.db", "u09tvw")] {
        let mut store = store_at(name);
        store.set_reporting(true).unwrap();
        let verdict = genuine::verify(&store, &code, at).unwrap();
        assert!(record_scan(&mut store, &code, &verdict, at, Some(place)).unwrap());
        // The same code again is one report, and the place is cut to 5 characters.
        assert!(record_scan(&mut store, &code, &verdict, at, Some(place)).unwrap());
        let queued = store.queued_reports(10).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].place.as_deref(), Some(&place[..5]));
        let transport = phone(network);
        let sent = upload_reports(&mut store, &transport, MINUTE, &cancel).unwrap();
        assert_eq!((sent.sent, sent.kept, transport.requests.load(Ordering::SeqCst)), (1, 0, 1));
        assert!(store.queued_reports(10).unwrap().is_empty(), "delivered reports leave the queue");
    }

    // The brand finds it, approves it, publishes.
    let found =
        genuine_collector::candidates(&mut Db::open(&data_location).unwrap(), &Default::default()).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].serial.as_str(), found[0].evidence.rules.as_slice()),
        ("COPIED234", &["impossible-travel"][..])
    );
    a.revoke(
        "tea",
        ListKind::Cloned,
        &genuine_issuer::authority::parse_gtin(&found[0].gtin).unwrap(),
        &found[0].serial,
    )
    .unwrap();
    let feed_dir = dir.path().join("feed");
    a.publish(&feed_dir, now, 3600, false).unwrap();
    let server = genuine_tests::feed_server::FeedServer::start(feed_dir);

    // A third phone that never saw it: its next sync makes it REVOKED (cloned).
    let mut third = store_at("third.db");
    assert!(matches!(genuine::verify(&third, &code, at).unwrap(), genuine::Verdict::Authentic(_)));
    let transport = genuine::ReqwestTransport::new().unwrap();
    let feed = genuine::HttpFeed::new(&server.url, transport, genuine::FeedConfig::default()).unwrap();
    genuine::sync(&mut third, &feed, at, &cancel).unwrap();
    let verdict = genuine::verify(&third, &code, at).unwrap();
    assert!(
        matches!(&verdict, genuine::Verdict::Revoked { reason, .. } if format!("{reason:?}").contains("Cloned")),
        "{verdict:?}"
    );

    // A shopper reports a suspected fake (an explicit act: no scan-reporting
    // consent needed); the collector keeps it with its photo.
    use genuine::reporting::{FakeReportError, report_fake};
    let mut shopper = store_at("shopper.db");
    let hand = phone(3);
    // A camera's photo, with the GPS position its EXIF carries.
    let jpeg = common::jpeg(&[common::exif_with_gps()]);
    let bad_photo =
        report_fake(&mut shopper, &hand, &code, "price", "", Some(b"GIF89a"), None, at, MINUTE, &cancel);
    assert!(matches!(bad_photo, Err(FakeReportError::BadInput(_))), "{bad_photo:?}");
    let bad_reason = report_fake(&mut shopper, &hand, &code, "vibes", "", None, None, at, MINUTE, &cancel);
    assert!(matches!(bad_reason, Err(FakeReportError::BadInput(_))), "{bad_reason:?}");
    let forged = code.replace("COPIED234", "FORGED234");
    let not_a_brands =
        report_fake(&mut shopper, &hand, &forged, "price", "", None, None, at, MINUTE, &cancel);
    assert!(matches!(not_a_brands, Err(FakeReportError::NotABrandsCode)), "{not_a_brands:?}");
    assert_eq!(hand.requests.load(Ordering::SeqCst), 0, "nothing refused here is sent");
    report_fake(
        &mut shopper,
        &hand,
        &code,
        "packaging",
        "blurry print",
        Some(&jpeg),
        Some("u33dbzz"),
        at,
        MINUTE,
        &cancel,
    )
    .unwrap();
    assert_eq!(hand.requests.load(Ordering::SeqCst), 1);
    assert_eq!(Db::open(&data_location).unwrap().counts().unwrap().1, 1, "the collector kept the report");
    // What the phone sent, and so what the collector kept, is the picture
    // alone: the GPS position never left the phone (finding 7).
    let kept = stored_photo(&data_location);
    assert!(!kept.windows(11).any(|w| w == b"GPSLatitude") && !kept.windows(4).any(|w| w == b"Exif"));
    let pixels = |jpeg: &[u8]| image::load_from_memory(jpeg).unwrap().into_luma8().into_raw();
    assert_eq!(pixels(&kept), pixels(&jpeg), "the picture itself is kept");

    // Consent withdrawn: the queue is emptied and nothing more is sent.
    let mut berlin = Store::open(&dir.path().join("berlin.db"), &anchor).unwrap();
    let verdict = genuine::verify(&berlin, &code, at).unwrap();
    assert!(record_scan(&mut berlin, &code, &verdict, at, None).is_ok());
    berlin.set_reporting(false).unwrap();
    assert!(berlin.queued_reports(10).unwrap().is_empty());
    let quiet = phone(1);
    upload_reports(&mut berlin, &quiet, MINUTE, &cancel).unwrap();
    assert_eq!(quiet.requests.load(Ordering::SeqCst), 0);
}

/// The photo of the one report the collector at `location` (SQLite) holds.
fn stored_photo(location: &str) -> Vec<u8> {
    let conn = rusqlite::Connection::open(location).unwrap();
    conn.query_row("SELECT photo FROM reports", [], |r| r.get(0)).unwrap()
}
