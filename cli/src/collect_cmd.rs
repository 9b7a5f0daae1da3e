//! The brand's collector at the command line: serve it, list the serials
//! that look copied, approve them into the `cloned` list.

use crate::state::StateArgs;
use crate::{CliError, OutputArgs, TrustArgs};
use genuine_collector::db::{Db, Quotas, Suspect};
use genuine_collector::limits::ConnectionLimits;
use genuine_collector::network::{Cidr, NetworkKey, TrustedProxies};
use genuine_collector::rules::Rules;
use genuine_collector::server::{Collector, Config, Trust};
use genuine_format::revocation::ListKind;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The collector's database.
#[derive(clap::Args)]
pub struct DataArgs {
    /// The collector's database: a SQLite file, or a postgres:// URL
    #[arg(long, default_value = "collector.db")]
    data: String,
}

#[derive(clap::Subcommand)]
pub enum CollectAction {
    /// Receive scan events and reports of fakes over HTTP (POST /v1/events,
    /// /v1/reports); verifies codes with the brand's trust (--anchor, --bundle)
    Serve {
        #[command(flatten)]
        args: ServeArgs,
    },
    /// Send what a phone sends: a report of a scanned code (or, with
    /// --report, of a suspected fake) to the collector the code's brand
    /// names in its record, from a new install, through the SDK's own code
    Send {
        #[command(flatten)]
        args: crate::send_cmd::SendArgs,
    },
}

/// How the collector runs.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    trust: TrustArgs,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8090")]
    addr: String,
    /// A proxy or load balancer of yours in front of the collector, as an
    /// address or range (repeatable): the client is then the rightmost
    /// X-Forwarded-For entry that is not one of them (docs/OPERATIONS.md)
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<String>,
    /// Replaced by --trusted-proxy CIDR
    #[arg(long, hide = true)]
    trust_forwarded: bool,
    /// A demo on one machine: listens on a loopback --addr only, and
    /// takes the network each local sender names (X-Forwarded-For, as
    /// `genuine collect send --network` writes it), so that one laptop
    /// can stand for phones on many networks. Never for real reports
    #[arg(long)]
    demo: bool,
    /// The secret that names networks in the database, kept outside it
    /// (created if missing) [default: DATA.network-key beside a SQLite
    /// file; required with postgres://]
    #[arg(long, value_name = "FILE", env = "GENUINE_NETWORK_KEY_FILE")]
    network_key: Option<PathBuf>,
    /// Requests per network per minute (per instance)
    #[arg(long, default_value_t = 120)]
    per_network_per_minute: u32,
    /// New sightings one network may add in a day
    #[arg(long, default_value_t = Quotas::default().per_network_per_day)]
    per_network_per_day: u64,
    /// Connections open at once from one network (per instance)
    #[arg(long, default_value_t = ConnectionLimits::default().per_network)]
    connections_per_network: usize,
    /// Connections to the database and to the trust store
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pool: u16,
    /// The brand's feed: the trust store syncs from it at start and every
    /// --sync-minutes, so codes of keys revoked there stop counting
    #[arg(long, value_name = "URL")]
    feed: Option<String>,
    /// Minutes between syncs of the trust store
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
    sync_minutes: u64,
}

/// The detection thresholds a brand tunes.
#[derive(clap::Args)]
pub struct RulesArgs {
    /// Two sightings faster apart than this (km/h) are two boxes
    #[arg(long, default_value_t = Rules::default().max_speed_kmh)]
    max_speed_kmh: f64,
    /// Sightings closer than this (km) are one place
    #[arg(long, default_value_t = Rules::default().min_distance_km)]
    min_distance_km: f64,
    /// A unit is never scanned by this many installs...
    #[arg(long, default_value_t = Rules::default().crowd_installs)]
    crowd_installs: usize,
    /// ...on this many networks
    #[arg(long, default_value_t = Rules::default().crowd_origins)]
    crowd_networks: usize,
    /// Reports of a fake from this many networks make a candidate
    #[arg(long, default_value_t = Rules::default().report_origins)]
    report_networks: usize,
    /// Evidence that --auto approves alone comes from this many networks, each
    /// with an install that had scanned another of the brand's codes...
    #[arg(long, default_value_t = Rules::default().auto_origins)]
    auto_networks: usize,
    /// ...in this many network groups (/16 or /32: several providers)...
    #[arg(long, default_value_t = Rules::default().auto_groups)]
    auto_groups: usize,
    /// ...over this many days
    #[arg(long, default_value_t = Rules::default().auto_days)]
    auto_days: usize,
    /// How long before an install must have scanned another code (hours)
    #[arg(long, default_value_t = Rules::default().history_hours)]
    history_hours: u64,
}

impl RulesArgs {
    fn rules(&self) -> Rules {
        Rules {
            max_speed_kmh: self.max_speed_kmh,
            min_distance_km: self.min_distance_km,
            crowd_installs: self.crowd_installs,
            crowd_origins: self.crowd_networks,
            report_origins: self.report_networks,
            auto_origins: self.auto_networks,
            auto_groups: self.auto_groups,
            auto_days: self.auto_days,
            history_hours: self.history_hours,
        }
    }
}

#[derive(clap::Subcommand)]
pub enum ClonesAction {
    /// Serials that look copied, with their evidence
    List {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        rules: RulesArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Queue candidates as `cloned` revocations for the next `genuine feed publish`
    Approve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        rules: RulesArgs,
        /// A candidate, as GTIN/SERIAL (repeatable)
        #[arg(long = "serial", value_name = "GTIN/SERIAL", required_unless_present = "auto")]
        serials: Vec<String>,
        /// Every candidate whose evidence is strong enough to act on alone
        /// (--auto-networks, --auto-groups, --auto-days)
        #[arg(long)]
        auto: bool,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Set candidates aside: not copied (they are not listed again)
    Dismiss {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        rules: RulesArgs,
        /// A candidate, as GTIN/SERIAL (repeatable)
        #[arg(long = "serial", value_name = "GTIN/SERIAL", required = true)]
        serials: Vec<String>,
    },
    /// Delete sightings and reports older than the retention you promise
    /// shoppers (run it daily); decisions are kept
    Purge {
        #[command(flatten)]
        data: DataArgs,
        /// Keep this many days (the rules never look back further than 90)
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..=3650))]
        keep_days: u64,
    },
}

fn open(location: &str) -> Result<Db, CliError> {
    // Never echo a URL back: it may carry a password.
    let shown = if location.contains("://") { "the collector database" } else { location };
    Db::open(location).map_err(|e| CliError::msg(format!("{shown}: {e}")))
}

/// The network key: the file given, or one beside a SQLite database.
fn network_key(data: &str, given: Option<PathBuf>) -> Result<NetworkKey, CliError> {
    let path = match given {
        Some(path) => path,
        None if data.contains("://") => {
            return Err(CliError::msg(
                "with a postgres:// database, give --network-key FILE (the same file on every instance): \
                 network names are keyed by it and it must not live in the database",
            ));
        }
        None => PathBuf::from(format!("{data}.network-key")),
    };
    NetworkKey::load_or_create(&path, crate::secret_files::rng()).map_err(CliError::msg)
}

pub fn collect(action: CollectAction) -> Result<ExitCode, CliError> {
    match action {
        CollectAction::Serve { args } => serve(args),
        CollectAction::Send { args } => crate::send_cmd::send(&args),
    }
}

fn serve(args: ServeArgs) -> Result<ExitCode, CliError> {
    let ServeArgs {
        data,
        trust,
        addr,
        trusted_proxies,
        trust_forwarded,
        demo,
        network_key: key_file,
        per_network_per_minute,
        per_network_per_day,
        connections_per_network,
        pool,
        feed,
        sync_minutes,
    } = args;
    if trust_forwarded {
        return Err(CliError::msg(
            "--trust-forwarded is gone: it let a client name its own network. Name your proxies \
             instead: --trusted-proxy 10.0.0.0/8 (repeatable; docs/OPERATIONS.md)",
        ));
    }
    let mut proxies = trusted_proxies
        .iter()
        .map(|range| Cidr::parse(range).map_err(|e| CliError::msg(format!("--trusted-proxy: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if demo {
        proxies.extend(demo_proxies(&data.data, &addr)?);
    }
    let key = network_key(&data.data, key_file)?;
    let (store, path) = crate::verify_cmd::open_store_at(&trust)?;
    let trust = Trust { path, anchor: store.anchor().clone() };
    drop(store);
    let config = Config {
        per_network_per_minute,
        trusted_proxies: TrustedProxies::new(proxies),
        quotas: Quotas { per_network_per_day, ..Quotas::default() },
        connections: ConnectionLimits { per_network: connections_per_network, ..ConnectionLimits::default() },
        pool: usize::from(pool),
        ..Config::default()
    };
    let shown = if data.data.contains("://") { "the collector database" } else { data.data.as_str() };
    let collector = Arc::new(
        Collector::new(&data.data, trust, config, key).map_err(|e| CliError::msg(format!("{shown}: {e}")))?,
    );
    if let Some(url) = feed {
        keep_trust_synced(Arc::clone(&collector), &url, std::time::Duration::from_secs(sync_minutes * 60))?;
    }
    crate::feed_cmd::runtime()?.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(&addr).await.map_err(|e| CliError::msg(format!("{addr}: {e}")))?;
        let local = listener.local_addr().map_err(CliError::msg)?;
        // The bound address first: tests and scripts read it (port 0 picks one).
        println!("collecting at http://{local}/");
        tokio::select! {
            served = genuine_collector::server::serve(listener, collector) => served.map_err(CliError::msg),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What `--demo` trusts: loopback peers, as if each were a proxy in front
/// of the network its request names. Only on a collector that no other
/// machine can reach (a loopback address), and never on a production
/// database: elsewhere a client naming its network is how a rival frames a
/// genuine serial (docs/CLONES.md).
fn demo_proxies(data: &str, addr: &str) -> Result<Vec<Cidr>, CliError> {
    let loopback = addr.parse::<std::net::SocketAddr>().is_ok_and(|a| a.ip().is_loopback());
    if !loopback {
        return Err(CliError::msg(format!(
            "--demo listens on a loopback address only (--addr 127.0.0.1:PORT or [::1]:PORT), not {addr}: \
             a demo collector lets its senders name their network"
        )));
    }
    if data.contains("://") {
        return Err(CliError::msg(
            "--demo keeps its sightings in a SQLite file (--data FILE), never in a shared database",
        ));
    }
    eprintln!(
        "genuine: DEMO collector: every program on this machine may name the network it stands for \
         (`genuine collect send --network`); never collect real reports with --demo"
    );
    ["127.0.0.0/8", "::1"].iter().map(|r| Cidr::parse(r).map_err(CliError::msg)).collect()
}

/// Syncs the collector's trust store now (a refusal stops the start: a
/// wrong URL should not go unnoticed) and then every `every` on a thread.
fn keep_trust_synced(
    collector: Arc<Collector>,
    url: &str,
    every: std::time::Duration,
) -> Result<(), CliError> {
    let transport = genuine::ReqwestTransport::new().map_err(CliError::msg)?;
    let feed =
        genuine::HttpFeed::new(url, transport, genuine::FeedConfig::default()).map_err(CliError::msg)?;
    collector.sync_trust(&feed).map_err(|e| CliError::msg(format!("--feed {url}: {e}")))?;
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            if let Err(e) = collector.sync_trust(&feed) {
                eprintln!("genuine: collector trust sync failed (kept the previous state): {e}");
            }
        }
    });
    Ok(())
}

/// The candidates named `GTIN/SERIAL`, refusing any that is not one.
fn named<'a>(
    candidates: &'a [genuine_collector::Candidate],
    names: &[String],
) -> Result<Vec<&'a genuine_collector::Candidate>, CliError> {
    names
        .iter()
        .map(|name| {
            let (gtin, serial) = name
                .split_once('/')
                .ok_or_else(|| CliError::msg(format!("--serial {name}: expected GTIN/SERIAL")))?;
            let gtin = genuine_issuer::authority::parse_gtin(gtin).map_err(CliError::msg)?;
            candidates.iter().find(|c| c.gtin == gtin.as_str() && c.serial == serial).ok_or_else(|| {
                CliError::msg(format!("{name} is not a candidate (see `genuine clones list`)"))
            })
        })
        .collect()
}

fn suspect(c: &genuine_collector::Candidate) -> Suspect {
    Suspect { brand: c.brand.clone(), gtin: c.gtin.clone(), serial: c.serial.clone() }
}

pub fn clones(action: ClonesAction) -> Result<ExitCode, CliError> {
    let now = crate::now_secs();
    match action {
        ClonesAction::List { data, rules, output } => {
            let found = genuine_collector::candidates(&mut open(&data.data)?, &rules.rules())
                .map_err(CliError::msg)?;
            if output.json {
                println!("{}", serde_json::to_string(&found).map_err(CliError::msg)?);
                return Ok(ExitCode::SUCCESS);
            }
            if found.is_empty() {
                println!("no candidates");
            }
            for c in &found {
                let e = &c.evidence;
                println!(
                    "{}/{} ({}): {} — {} installs on {} networks in {} groups ({} with a history), {} places up to {:.0} km apart within {} h, {} reports from {} networks{}",
                    c.gtin,
                    c.serial,
                    c.brand,
                    e.rules.join(", "),
                    e.installs,
                    e.origins,
                    e.groups,
                    e.seasoned_origins,
                    e.places,
                    e.max_distance_km,
                    e.span_hours,
                    e.reports,
                    e.report_origins,
                    if e.auto { " [auto]" } else { "" }
                );
            }
        }
        ClonesAction::Approve { data, rules, serials, auto, state } => {
            let mut db = open(&data.data)?;
            let found = genuine_collector::candidates(&mut db, &rules.rules()).map_err(CliError::msg)?;
            let mut chosen = named(&found, &serials)?;
            if auto {
                let strong: Vec<_> = found.iter().filter(|c| c.evidence.auto).collect();
                for c in strong {
                    if !chosen.iter().any(|k| std::ptr::eq(*k, c)) {
                        chosen.push(c);
                    }
                }
            }
            let mut a = state.load()?;
            for c in &chosen {
                let gtin = genuine_issuer::authority::parse_gtin(&c.gtin).map_err(CliError::msg)?;
                a.revoke(&c.brand, ListKind::Cloned, &gtin, &c.serial).map_err(CliError::msg)?;
            }
            // The state first: a serial queued but not marked decided is
            // listed again (harmless), never the other way round.
            state.save(&a)?;
            for c in &chosen {
                db.decide(&suspect(c), true, now).map_err(CliError::msg)?;
                println!("{}/{} ({}): queued as cloned", c.gtin, c.serial, c.brand);
            }
            println!(
                "{} serial(s) approved; run `genuine feed publish` to push them to every phone",
                chosen.len()
            );
        }
        ClonesAction::Dismiss { data, rules, serials } => {
            let mut db = open(&data.data)?;
            let found = genuine_collector::candidates(&mut db, &rules.rules()).map_err(CliError::msg)?;
            for c in named(&found, &serials)? {
                db.decide(&suspect(c), false, now).map_err(CliError::msg)?;
                println!("{}/{}: dismissed", c.gtin, c.serial);
            }
        }
        ClonesAction::Purge { data, keep_days } => {
            let before_hour = (now / 3600).saturating_sub(keep_days.saturating_mul(24));
            let (sightings, reports) = open(&data.data)?.purge(before_hour).map_err(CliError::msg)?;
            println!("deleted {sightings} sighting(s) and {reports} report(s) older than {keep_days} days");
        }
    }
    Ok(ExitCode::SUCCESS)
}
