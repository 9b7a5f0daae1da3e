//! `genuine collect serve`: the HTTP side of the collector, on the open
//! internet. Each check and the threat it stops (docs/SECURITY.md, "The
//! collector"):
//! - the network is the connection's, or what a trusted proxy appended
//!   ([`crate::network`]): a client never chooses its own;
//! - connections per network and in all are capped, headers must arrive
//!   within `header_timeout` and bodies within `body_timeout`: held-open
//!   and half-sent requests cost bounded sockets for a bounded time;
//! - a per-network rate limit, counted when the headers arrive;
//! - body caps before parsing (a huge upload is refused unread);
//! - every field checked, a malformed batch refused whole (nothing stored);
//! - every code verified under the brand's keys, kept current from its feed
//!   (forged and unsigned codes, codes of other brands and of revoked keys
//!   are never counted);
//! - what a network stores per serial and per day is bounded ([`Quotas`]);
//! - photos lose their metadata before they are stored.
//!
//! Stateless but for its database and the network key: several instances
//! can run behind a load balancer on one PostgreSQL database. Rate and
//! connection limits are per instance.

use crate::db::{Db, DbError, NewReport, NewSighting, Quotas};
use crate::limits::{ConnectionLimits, Connections, RequestRate};
use crate::network::{NetworkKey, Origin, TrustedProxies};
use crate::pool::Pool;
use crate::wire::{self, EventBatch, FakeReportIn};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requests per network per minute, per instance.
    pub per_network_per_minute: u32,
    /// The proxies in front of the service whose `X-Forwarded-For` is read.
    pub trusted_proxies: TrustedProxies,
    /// What one network may store.
    pub quotas: Quotas,
    /// Connections at once.
    pub connections: ConnectionLimits,
    /// A request's headers must arrive within this (and an idle
    /// connection's next request begin within it).
    pub header_timeout: Duration,
    /// A request's body must arrive within this after its headers.
    pub body_timeout: Duration,
    /// Connections to the database and to the trust store.
    pub pool: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            per_network_per_minute: 120,
            trusted_proxies: TrustedProxies::default(),
            quotas: Quotas::default(),
            connections: ConnectionLimits::default(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            pool: 4,
        }
    }
}

/// Where the brand's trust store is: every pooled connection opens it.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The store file (the bundle already imported).
    pub path: PathBuf,
    /// The pinned anchor it was made for.
    pub anchor: genuine::TrustAnchor,
}

/// Why the collector cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The collector's database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The brand's trust store.
    #[error("trust store: {0}")]
    Store(#[from] genuine::StoreError),
}

/// The collector: its database and trust store connections, the key that
/// names networks, and the limits.
pub struct Collector {
    dbs: Pool<Db, DbError>,
    stores: Pool<genuine::Store, genuine::StoreError>,
    key: NetworkKey,
    config: Config,
    rate: RequestRate,
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
/// not a brand's signed, serialised code that verifies now.
fn identify(store: &genuine::Store, code: &str, now: u64) -> Option<(String, String, String)> {
    use genuine::Verdict;
    let verdict = genuine::verify(store, code, genuine::UnixTime::from_secs(now)).ok()?;
    let (product, issuer) = match verdict {
        Verdict::Authentic(a) => (a.product, a.issuer),
        // A code revoked as copied is still a sighting of its serial; one
        // whose key is revoked is no brand's code any more.
        Verdict::Revoked { product, issuer, reason, .. }
            if reason != genuine::RevocationReason::KeyRevoked =>
        {
            (product, issuer)
        }
        _ => return None,
    };
    Some((issuer.brand_id, product.gtin, product.serial?))
}

impl Collector {
    /// A collector over the database at `data` (a SQLite path or a
    /// `postgres://` URL), verifying with the brand's `trust`, naming
    /// networks with `key`.
    pub fn new(data: &str, trust: Trust, config: Config, key: NetworkKey) -> Result<Collector, StartError> {
        let data = data.to_string();
        let dbs = Pool::new(config.pool, move || Db::open(&data))?;
        let stores = Pool::new(config.pool, move || genuine::Store::open(&trust.path, &trust.anchor))?;
        let rate = RequestRate::new(config.per_network_per_minute);
        Ok(Collector { dbs, stores, key, config, rate })
    }

    /// Syncs the trust store with the brand's feed, so that keys and codes
    /// revoked there stop being counted.
    pub fn sync_trust(&self, feed: &impl genuine::Fetch) -> Result<genuine::SyncReport, genuine::SyncError> {
        let mut store = self.stores.get().map_err(|e| genuine::SyncError::Store(Box::new(e)))?;
        genuine::sync(&mut *store, feed, genuine::device_now(), &genuine::CancelToken::default())
    }

    /// The network of a request from `peer` with these headers.
    fn origin(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<Origin, Answer> {
        let forwarded = headers.get_all("x-forwarded-for").iter().map(|v| v.to_str().unwrap_or("\u{0}"));
        let client = self
            .config
            .trusted_proxies
            .client(peer.ip(), forwarded)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, e))?;
        Ok(self.key.origin(client))
    }

    fn events(&self, origin: &Origin, body: &[u8]) -> Answer {
        let now = now_secs();
        let batch: EventBatch = match serde_json::from_slice(body) {
            Ok(batch) => batch,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("not an event batch: {e}")),
        };
        if let Err(e) = batch.check(now / 3600) {
            return refuse(StatusCode::BAD_REQUEST, e);
        }
        // Verification on a trust connection of its own, outside any lock
        // the database's writers take.
        let rows: Vec<NewSighting> = {
            let store = match self.stores.get() {
                Ok(store) => store,
                Err(e) => return refuse(StatusCode::SERVICE_UNAVAILABLE, e),
            };
            batch
                .events
                .iter()
                .filter_map(|event| {
                    let (brand, gtin, serial) = identify(&store, &event.code, now)?;
                    let (install, hour, place) = (batch.install.clone(), event.hour, event.place.clone());
                    Some(NewSighting { brand, gtin, serial, install, hour, place })
                })
                .collect()
        };
        let not_genuine = batch.events.len() - rows.len();
        // Nothing genuine to count (a batch of forgeries): no transaction.
        if rows.is_empty() {
            return answer(
                StatusCode::OK,
                serde_json::json!({ "counted": 0, "not_genuine": not_genuine, "over_quota": 0 }),
            );
        }
        let stored = self
            .dbs
            .get()
            .and_then(|mut db| db.record_sightings(origin, &rows, &self.config.quotas, now / 3600));
        match stored {
            Ok(stored) => answer(
                StatusCode::OK,
                serde_json::json!({ "counted": stored.kept, "not_genuine": not_genuine,
                                    "over_quota": stored.over_quota }),
            ),
            Err(e) => refuse(StatusCode::SERVICE_UNAVAILABLE, e),
        }
    }

    fn report(&self, origin: &Origin, body: &[u8]) -> Answer {
        let now = now_secs();
        let report: FakeReportIn = match serde_json::from_slice(body) {
            Ok(report) => report,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("not a report: {e}")),
        };
        let photo = match report.check(now / 3600) {
            Ok(photo) => photo,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
        };
        let identified = match self.stores.get() {
            Ok(store) => identify(&store, &report.code, now),
            Err(e) => return refuse(StatusCode::SERVICE_UNAVAILABLE, e),
        };
        // A report about a code the brand never signed is about a forgery,
        // which every phone already shows as such: nothing to count.
        let Some((brand, gtin, serial)) = identified else {
            return answer(StatusCode::OK, serde_json::json!({ "counted": 0, "not_genuine": 1 }));
        };
        let row = NewReport {
            brand,
            gtin,
            serial,
            install: report.install,
            hour: report.hour,
            place: report.place,
            reason: report.reason,
            note: report.note,
            photo,
        };
        let stored = self
            .dbs
            .get()
            .and_then(|mut db| db.record_report(origin, &row, &self.config.quotas, now / 86_400));
        match stored {
            Ok(stored) => answer(
                StatusCode::OK,
                serde_json::json!({ "counted": stored.kept, "not_genuine": 0, "over_quota": stored.over_quota }),
            ),
            Err(e) => refuse(StatusCode::SERVICE_UNAVAILABLE, e),
        }
    }
}

/// One request: its network, that network's budget, the body within its
/// deadline and cap, then `work` on a blocking thread (SQLite and the
/// signature checks block).
async fn handle(
    c: Arc<Collector>,
    peer: SocketAddr,
    headers: HeaderMap,
    body: Body,
    limit: usize,
    work: fn(&Collector, &Origin, &[u8]) -> Answer,
) -> Answer {
    let origin = match c.origin(peer, &headers) {
        Ok(origin) => origin,
        Err(refused) => return refused,
    };
    if !c.rate.admit(&origin.network, now_secs() / 60) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many requests from this network; try later");
    }
    let body = match tokio::time::timeout(c.config.body_timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => return refuse(StatusCode::REQUEST_TIMEOUT, "the body did not arrive in time"),
        Ok(Err(_)) => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("bodies here are at most {limit} bytes"));
        }
        Ok(Ok(body)) => body,
    };
    tokio::task::spawn_blocking(move || work(&c, &origin, &body))
        .await
        .unwrap_or_else(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "failed"))
}

async fn events(
    State(c): State<Arc<Collector>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    handle(c, peer, headers, body, wire::MAX_EVENTS_BODY, Collector::events).await
}

async fn reports(
    State(c): State<Arc<Collector>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    handle(c, peer, headers, body, wire::MAX_REPORT_BODY, Collector::report).await
}

/// The service's routes: `POST /v1/events` and `POST /v1/reports`.
pub fn router(collector: Arc<Collector>) -> Router {
    Router::new().route("/v1/events", post(events)).route("/v1/reports", post(reports)).with_state(collector)
}

/// Serves until the listener fails: each connection admitted within the
/// [`ConnectionLimits`], served by HTTP/1.1 with the header deadline.
pub async fn serve(listener: tokio::net::TcpListener, collector: Arc<Collector>) -> std::io::Result<()> {
    use tower::ServiceExt;
    let connections = Connections::new(collector.config.connections);
    let app = router(Arc::clone(&collector));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors, or a connection reset before it was
            // accepted: wait a moment, keep serving.
            Err(e) if is_transient(&e) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let proxy = collector.config.trusted_proxies.trusts(peer.ip());
        let Some(slot) = connections.admit(peer.ip(), proxy) else {
            drop(stream);
            continue;
        };
        let app = app.clone();
        let header_timeout = collector.config.header_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    app.clone().oneshot(request.map(Body::new))
                });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
            // A client that goes away mid-request is no error of ours.
            let _ = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
        });
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock)
        || e.raw_os_error().is_some_and(|n| n == 23 || n == 24) // ENFILE, EMFILE
}
