//! `genuine collect serve`: the HTTP side of the collector.
//!
//! Stateless but for its database: several can run behind a load balancer
//! on one database (the origin salt lives there). Rate limits are per
//! instance, in memory. Each check and the threat it stops:
//! - body caps before parsing (a huge upload is refused unread);
//! - every field checked, a malformed batch refused whole (nothing stored);
//! - every code verified under the brand's keys (forged and unsigned codes,
//!   and codes of other brands, are never counted);
//! - network origins kept only as a salted hash of their /24 (IPv4) or /48
//!   (IPv6): enough to count distinct networks, never an address;
//! - a per-origin rate limit (a flood from one network is refused early).

use crate::db::{Db, ReportRow, SightingRow};
use crate::rules::Sighting;
use crate::wire::{self, EventBatch, FakeReportIn};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requests per network origin per minute, per instance.
    pub per_origin_per_minute: u32,
    /// Take the client from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_forwarded: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { per_origin_per_minute: 120, trust_forwarded: false }
    }
}

/// The collector: its database, the brand's trust to verify codes with,
/// and the rate limiter.
pub struct Collector {
    db: Mutex<Db>,
    store: Mutex<genuine::Store>,
    salt: Vec<u8>,
    config: Config,
    limits: Mutex<HashMap<String, (u64, u32)>>,
}

fn now_secs() -> u64 {
    genuine::device_now().as_secs()
}

type Answer = (StatusCode, String);

fn answer(status: StatusCode, body: serde_json::Value) -> Answer {
    (status, body.to_string())
}

fn refuse(status: StatusCode, why: impl std::fmt::Display) -> Answer {
    answer(status, serde_json::json!({ "error": why.to_string() }))
}

/// A verified code's brand, GTIN and serial; `None` for anything that is
/// not a brand's signed, serialised code.
fn identify(store: &genuine::Store, code: &str, now: u64) -> Option<(String, String, String)> {
    use genuine::Verdict;
    let verdict = genuine::verify(store, code, genuine::UnixTime::from_secs(now)).ok()?;
    let (product, issuer) = match verdict {
        Verdict::Authentic(a) => (a.product, a.issuer),
        Verdict::Revoked { product, issuer, .. } => (product, issuer),
        _ => return None,
    };
    Some((issuer.brand_id, product.gtin, product.serial?))
}

impl Collector {
    /// A collector over `db`, verifying with `store` (the brand's bundle).
    pub fn new(
        mut db: Db,
        store: genuine::Store,
        config: Config,
        fresh_salt: [u8; 32],
    ) -> Result<Collector, crate::db::DbError> {
        let salt = db.origin_salt(fresh_salt)?;
        Ok(Collector {
            db: Mutex::new(db),
            store: Mutex::new(store),
            salt,
            config,
            limits: Mutex::new(HashMap::new()),
        })
    }

    /// The salted hash of a client's network.
    fn origin(&self, ip: IpAddr) -> String {
        let network: Vec<u8> = match ip {
            IpAddr::V4(v4) => v4.octets()[..3].to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets()[..3].to_vec(),
                None => v6.octets()[..6].to_vec(),
            },
        };
        let digest = Sha256::new().chain_update(&self.salt).chain_update(&network).finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        match forwarded {
            Some(ip) if self.config.trust_forwarded => ip,
            _ => peer.ip(),
        }
    }

    /// Counts a request against its origin's minute; false when over.
    fn admit(&self, origin: &str) -> bool {
        let minute = now_secs() / 60;
        let Ok(mut limits) = self.limits.lock() else { return false };
        if limits.len() > 100_000 {
            limits.retain(|_, (m, _)| *m == minute);
        }
        let entry = limits.entry(origin.to_string()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= self.config.per_origin_per_minute
    }

    fn events(&self, origin: String, body: &[u8]) -> Answer {
        let now = now_secs();
        let batch: EventBatch = match serde_json::from_slice(body) {
            Ok(batch) => batch,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("not an event batch: {e}")),
        };
        if let Err(e) = batch.check(now / 3600) {
            return refuse(StatusCode::BAD_REQUEST, e);
        }
        let rows: Vec<SightingRow> = {
            let Ok(store) = self.store.lock() else {
                return refuse(StatusCode::INTERNAL_SERVER_ERROR, "store");
            };
            batch
                .events
                .iter()
                .filter_map(|event| {
                    let (brand, gtin, serial) = identify(&store, &event.code, now)?;
                    let sighting = Sighting {
                        install: batch.install.clone(),
                        origin: origin.clone(),
                        hour: event.hour,
                        place: event.place.clone(),
                    };
                    Some(SightingRow { brand, gtin, serial, sighting })
                })
                .collect()
        };
        let not_genuine = batch.events.len() - rows.len();
        let Ok(mut db) = self.db.lock() else { return refuse(StatusCode::INTERNAL_SERVER_ERROR, "database") };
        match db.record_sightings(&rows) {
            Ok(()) => answer(
                StatusCode::OK,
                serde_json::json!({ "counted": rows.len(), "not_genuine": not_genuine }),
            ),
            Err(e) => refuse(StatusCode::SERVICE_UNAVAILABLE, e),
        }
    }

    fn report(&self, origin: String, body: &[u8]) -> Answer {
        let now = now_secs();
        let report: FakeReportIn = match serde_json::from_slice(body) {
            Ok(report) => report,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("not a report: {e}")),
        };
        let photo = match report.check(now / 3600) {
            Ok(photo) => photo,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
        };
        let identified = match self.store.lock() {
            Ok(store) => identify(&store, &report.code, now),
            Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "store"),
        };
        // A report about a code the brand never signed is about a forgery,
        // which every phone already shows as such: nothing to count.
        let Some((brand, gtin, serial)) = identified else {
            return answer(StatusCode::OK, serde_json::json!({ "counted": 0, "not_genuine": 1 }));
        };
        let row = ReportRow {
            brand,
            gtin,
            serial,
            install: report.install,
            origin,
            hour: report.hour,
            place: report.place,
            reason: report.reason,
            note: report.note,
            photo,
        };
        let Ok(mut db) = self.db.lock() else { return refuse(StatusCode::INTERNAL_SERVER_ERROR, "database") };
        match db.record_report(&row) {
            Ok(()) => answer(StatusCode::OK, serde_json::json!({ "counted": 1, "not_genuine": 0 })),
            Err(e) => refuse(StatusCode::SERVICE_UNAVAILABLE, e),
        }
    }
}

/// One request: its network's budget, then `work` on a blocking thread
/// (SQLite and the signature checks block).
async fn handle(
    c: Arc<Collector>,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Bytes,
    work: fn(&Collector, String, &[u8]) -> Answer,
) -> Answer {
    let origin = c.origin(c.client(peer, headers));
    if !c.admit(&origin) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many requests from this network; try later");
    }
    tokio::task::spawn_blocking(move || work(&c, origin, &body))
        .await
        .unwrap_or_else(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "failed"))
}

async fn events(
    State(c): State<Arc<Collector>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    handle(c, peer, &headers, body, Collector::events).await
}

async fn reports(
    State(c): State<Arc<Collector>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    handle(c, peer, &headers, body, Collector::report).await
}

/// The service's routes: `POST /v1/events` and `POST /v1/reports`.
pub fn router(collector: Arc<Collector>) -> Router {
    Router::new()
        .route("/v1/events", post(events).layer(DefaultBodyLimit::max(wire::MAX_EVENTS_BODY)))
        .route("/v1/reports", post(reports).layer(DefaultBodyLimit::max(wire::MAX_REPORT_BODY)))
        .with_state(collector)
}

/// Serves until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, collector: Arc<Collector>) -> std::io::Result<()> {
    axum::serve(listener, router(collector).into_make_service_with_connect_info::<SocketAddr>()).await
}
