//! A brand's year in one run: 1,000,000 issued serials, a realistic
//! population of opt-in scans (most units scanned 0–2 times near where they
//! were sold; travellers, gifts, resale), and 1% of serials copied onto
//! fakes sold elsewhere. Prints the default rules' precision, recall and
//! time to detection, and the store's ingest rate on SQLite and PostgreSQL.
//!
//! `cargo bench -p genuine-collector --bench simulate` (PostgreSQL from
//! `GENUINE_TEST_POSTGRES`, which tests/run sets); under `cargo test` it runs
//! a 20,000-serial world so it cannot rot. The seed is fixed: same world,
//! same figures.

use genuine_collector::db::{Db, NewSighting, Quotas};
use genuine_collector::network::Origin;
use genuine_collector::rules::{Rules, Sighting, assess};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

const SEED: u64 = 0x6765_6e75_696e_6521;

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const GEOHASH: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// A city: a 3-character geohash cell (~150 km); places in it vary the
/// last two characters (~5 km cells), so one city's scans spread over it.
fn city(rng: &mut Rng) -> String {
    // Land-heavy first characters (Europe, Americas, Asia) keep cities apart.
    let first = [b'u', b'g', b'd', b'9', b'w', b'x', b's', b'e', b'6', b'7'];
    let mut c = String::new();
    c.push(first[rng.below(first.len() as u64) as usize] as char);
    for _ in 0..2 {
        c.push(GEOHASH[rng.below(32) as usize] as char);
    }
    c
}

fn place_in(city: &str, rng: &mut Rng) -> String {
    // Within a city: the 4th character from a quarter of the alphabet (~40 km).
    let mut p = city.to_string();
    p.push(GEOHASH[rng.below(8) as usize] as char);
    p.push(GEOHASH[rng.below(32) as usize] as char);
    p
}

struct Event {
    serial: u64,
    install: u64,
    hour: u64,
    place: String,
}

/// Networks: most installs sit behind their own home or mobile network;
/// carrier-grade NAT puts some 5% of them on a few shared ones. Groups (the
/// /16 or /32 a network lies in) are shared by many networks.
fn origin(install: u64) -> Origin {
    let network = if install.is_multiple_of(20) {
        format!("k:cgnat-{}", install % 7)
    } else {
        format!("k:net-{install}")
    };
    Origin { network, group: format!("k:group-{}", install % 997) }
}

struct World {
    events: Vec<Event>,
    cloned: HashSet<u64>,
    /// The hour each cloned serial's first fake was scanned.
    first_fake: HashMap<u64, u64>,
}

fn world(serials: u64, rng: &mut Rng) -> World {
    let cities: Vec<String> = (0..300).map(|_| city(rng)).collect();
    let consent = 0.3; // shoppers who let the app report scans
    let year = 365 * 24;
    let mut events = Vec::new();
    let mut next_install = 0u64;
    // A quarter of purchases are by returning customers, whose app has
    // scanned the brand's codes before (the history `--auto` asks for).
    let mut install = |rng: &mut Rng| {
        if next_install > 0 && rng.chance(0.25) {
            return 1 + rng.below(next_install);
        }
        next_install += 1 + rng.below(3);
        next_install
    };
    for serial in 0..serials {
        let home = &cities[rng.below(cities.len() as u64) as usize];
        let sold = rng.below(year - 60 * 24);
        let scans = match rng.below(100) {
            0..=59 => 0,
            60..=89 => 1,
            90..=97 => 2,
            _ => 3,
        };
        let buyer = install(rng);
        for k in 0..scans {
            // The buyer scans it, sometimes again; a gift or a resale moves it.
            let (who, at, hour) = match rng.below(100) {
                0..=2 if k > 0 => {
                    (install(rng), cities[rng.below(300) as usize].clone(), sold + 72 + rng.below(30 * 24))
                }
                3..=4 if k > 0 => (
                    install(rng),
                    cities[rng.below(300) as usize].clone(),
                    sold + 24 * 21 + rng.below(40 * 24),
                ),
                5..=7 => (buyer, cities[rng.below(300) as usize].clone(), sold + 48 + rng.below(14 * 24)), // a traveller
                _ => (buyer, home.clone(), sold + rng.below(7 * 24)),
            };
            if rng.chance(consent) {
                let place = place_in(&at, rng);
                events.push(Event { serial, install: who, hour, place });
            }
        }
    }
    // 1% of serials copied: the counterfeiter prints one genuine serial on
    // 20 to 200 fakes sold in 2 to 5 cities far from the original.
    let mut cloned = HashSet::new();
    let mut first_fake = HashMap::new();
    while (cloned.len() as u64) < serials / 100 {
        let serial = rng.below(serials);
        if !cloned.insert(serial) {
            continue;
        }
        let fakes = 20 + rng.below(181);
        let markets: Vec<&String> = (0..2 + rng.below(4)).map(|_| &cities[rng.below(300) as usize]).collect();
        let start = rng.below(year - 30 * 24);
        for _ in 0..fakes {
            // A fake is scanned at all half the time, by its buyer.
            if !rng.chance(0.5) || !rng.chance(consent) {
                continue;
            }
            let at = markets[rng.below(markets.len() as u64) as usize];
            let hour = start + rng.below(30 * 24);
            let place = place_in(at, rng);
            let entry = first_fake.entry(serial).or_insert(hour);
            *entry = (*entry).min(hour);
            events.push(Event { serial, install: install(rng), hour, place });
        }
    }
    World { events, cloned, first_fake }
}

/// Each reported scan as phones send it: its network, and the sighting.
fn rows(world: &World) -> Vec<(Origin, NewSighting)> {
    world
        .events
        .iter()
        .map(|e| {
            let sighting = NewSighting {
                brand: "tea".into(),
                gtin: "04012345000009".into(),
                serial: format!("S{:07}", e.serial),
                install: format!("install-{:012}", e.install),
                hour: e.hour,
                place: Some(e.place.clone()),
            };
            (origin(e.install), sighting)
        })
        .collect()
}

/// Events per second into `location`, in batches of 100 (as phones send
/// them: one network and one day a request), within the default quotas.
fn ingest(location: &str, rows: &[(Origin, NewSighting)]) -> f64 {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| (&a.0.network, a.1.hour / 24).cmp(&(&b.0.network, b.1.hour / 24)));
    let mut db = Db::open(location).expect("open the collector database");
    let quotas = Quotas::default();
    let start = Instant::now();
    let mut batch: Vec<NewSighting> = Vec::with_capacity(100);
    let mut key: Option<(&Origin, u64)> = None;
    for (origin, row) in &rows {
        let this = (origin, row.hour / 24);
        if key.is_some_and(|k| k != this) || batch.len() == 100 {
            let (o, day) = key.expect("a batch has its key");
            // Received by the end of the day its scans were made.
            db.record_sightings(o, &batch, &quotas, day * 24 + 23).expect("record");
            batch.clear();
        }
        key = Some(this);
        batch.push(row.clone());
    }
    if let Some((o, day)) = key {
        db.record_sightings(o, &batch, &quotas, day * 24 + 23).expect("record");
    }
    rows.len() as f64 / start.elapsed().as_secs_f64()
}

/// The hour the rules first flag `sightings` (sorted by hour), if ever.
fn detected_at(mut sightings: Vec<Sighting>, rules: &Rules) -> Option<u64> {
    sightings.sort_by_key(|s| s.hour);
    let hours: Vec<u64> = sightings.iter().map(|s| s.hour).collect();
    let none = BTreeSet::new();
    let flagged = |n: usize| assess(&sightings[..n], &[], &none, rules).is_candidate();
    if !flagged(sightings.len()) {
        return None;
    }
    // The smallest prefix that fires (firing only grows with more sightings).
    let (mut lo, mut hi) = (1, sightings.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if flagged(mid) { hi = mid } else { lo = mid + 1 }
    }
    Some(hours[lo - 1])
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let serials = if full { 1_000_000 } else { 20_000 };
    let mut rng = Rng(SEED);
    let started = Instant::now();
    let w = world(serials, &mut rng);
    let rows = rows(&w);
    let fakes = w.events.iter().filter(|e| w.cloned.contains(&e.serial)).count();
    println!(
        "world: {serials} serials, {} reported scans ({} of fakes), {} cloned serials, made in {:.1} s",
        rows.len(),
        fakes,
        w.cloned.len(),
        started.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("collector.db").display().to_string();
    let mut table = vec![("SQLite", ingest(&sqlite, &rows))];
    match std::env::var("GENUINE_TEST_POSTGRES") {
        Ok(_) => table.push(("PostgreSQL", ingest(&genuine_tests::postgres::fresh_database(), &rows))),
        Err(_) => println!("(no GENUINE_TEST_POSTGRES: PostgreSQL not measured; tests/run sets it)"),
    }

    let rules = Rules::default();
    let start = Instant::now();
    let mut db = Db::open(&sqlite).unwrap();
    let found = genuine_collector::candidates(&mut db, &rules).unwrap();
    let listing = start.elapsed().as_secs_f64();
    let flagged: HashSet<u64> = found.iter().filter_map(|c| c.serial[1..].parse().ok()).collect();
    let true_positives = flagged.intersection(&w.cloned).count();
    let precision = true_positives as f64 / flagged.len().max(1) as f64;
    let recall = true_positives as f64 / w.cloned.len().max(1) as f64;
    let auto: Vec<u64> =
        found.iter().filter(|c| c.evidence.auto).filter_map(|c| c.serial[1..].parse().ok()).collect();
    let auto_true = auto.iter().filter(|s| w.cloned.contains(s)).count();

    let mut delays: Vec<u64> = Vec::new();
    for serial in flagged.intersection(&w.cloned) {
        let sightings = db.sightings("04012345000009", &format!("S{serial:07}")).unwrap();
        if let (Some(at), Some(first)) = (detected_at(sightings, &rules), w.first_fake.get(serial)) {
            delays.push(at.saturating_sub(*first));
        }
    }
    delays.sort_unstable();
    let pct = |p: f64| delays.get(((delays.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0);

    println!("\n| rules (defaults) | value |");
    println!("|---|---|");
    println!("| candidates flagged | {} |", flagged.len());
    println!("| precision (flagged that are cloned) | {precision:.3} |");
    println!("| recall (cloned that are flagged) | {recall:.3} |");
    println!("| `--auto` picks | {} ({} cloned) |", auto.len(), auto_true);
    println!(
        "| time to detection after the first fake's scan, median / p90 | {} h / {} h |",
        pct(0.5),
        pct(0.9)
    );
    println!("| listing every candidate | {listing:.1} s |");
    println!("\n| store | ingest (events/s; a batch is one network's day, up to 100) |");
    println!("|---|---|");
    for (store, rate) in &table {
        println!("| {store} | {rate:.0} |");
    }
    assert!(
        recall > 0.5 && precision > 0.9,
        "the default rules regressed: precision {precision}, recall {recall}"
    );
}
