//! Clone detection: from where, when and by whom one serial was seen, is
//! it on more boxes than one? Pure functions over what the store holds.
//!
//! Abuse model (docs/CLONES.md): a rival who wants a genuine serial flagged
//! controls installs (pseudonyms are free) and places (they are claimed, not
//! measured), but pays for every network. So every rule counts distinct
//! networks, never events or installs alone; a person reviews what the
//! rules flag. `--auto` decides alone only on evidence a framer must pay
//! for several times over: many networks from several providers' ranges,
//! over several days, each with an install that had scanned another genuine
//! code of the brand a day before.

use crate::geo;
use crate::network::generation_of;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One install's sighting of a serial (deduplicated per install and place).
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    /// The install pseudonym.
    pub install: String,
    /// The network it came from (a keyed hash of its /24 or /48).
    pub origin: String,
    /// That network's group (a keyed hash of its /16 or /32).
    pub group: String,
    /// The hour it was scanned (unix seconds / 3600), as the phone claims.
    pub hour: u64,
    /// The hour the collector first received it, by its own clock: days
    /// are counted in this, which a sender cannot choose.
    pub received_hour: u64,
    /// Where, as a geohash of at most 5 characters, if the app sent one.
    pub place: Option<String>,
}

/// A shopper's "report a fake".
#[derive(Debug, Clone, PartialEq)]
pub struct FakeReport {
    /// The install pseudonym.
    pub install: String,
    /// The network origin.
    pub origin: String,
}

/// Thresholds a brand tunes (`genuine clones list --help`).
#[derive(Debug, Clone, Serialize)]
pub struct Rules {
    /// Faster than this between two sightings is two boxes (km/h): door to
    /// door, with airports, nobody carries a box faster.
    pub max_speed_kmh: f64,
    /// Sightings closer than this are one place (km).
    pub min_distance_km: f64,
    /// A unit is never scanned by this many installs...
    pub crowd_installs: usize,
    /// ...from this many network origins.
    pub crowd_origins: usize,
    /// Reports of a fake from this many origins make a candidate.
    pub report_origins: usize,
    /// `--auto` needs this many networks with a history in the evidence...
    pub auto_origins: usize,
    /// ...in this many groups (/16 or /32: several providers)...
    pub auto_groups: usize,
    /// ...on this many distinct days.
    pub auto_days: usize,
    /// An install has a history if it saw another serial of the brand this
    /// many hours before this one.
    pub history_hours: u64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            max_speed_kmh: 500.0,
            min_distance_km: 100.0,
            crowd_installs: 12,
            crowd_origins: 6,
            report_origins: 3,
            auto_origins: 8,
            auto_groups: 4,
            auto_days: 3,
            history_hours: 24,
        }
    }
}

/// Why a serial looks copied, with the evidence a person approves on.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// Distinct installs that saw it.
    pub installs: usize,
    /// Distinct network origins they came from.
    pub origins: usize,
    /// Distinct groups of those networks.
    pub groups: usize,
    /// Distinct places.
    pub places: usize,
    /// The largest distance between two sightings from different origins (km).
    pub max_distance_km: f64,
    /// Hours between the first and the last sighting.
    pub span_hours: u64,
    /// Networks in the evidence with an install that has a history.
    pub seasoned_origins: usize,
    /// Reports of a fake, and from how many origins.
    pub reports: usize,
    /// Origins of those reports.
    pub report_origins: usize,
    /// The rules that fired.
    pub rules: Vec<&'static str>,
    /// Whether the evidence is strong enough for `--auto`.
    pub auto: bool,
}

impl Evidence {
    /// Whether any rule fired.
    pub fn is_candidate(&self) -> bool {
        !self.rules.is_empty()
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> usize {
    items.collect::<BTreeSet<_>>().len()
}

/// The networks (and their sightings) that take part in impossible travel:
/// two installs on two networks named under one key, too far apart for the
/// time between them. Networks named under different keys are never
/// compared: they may be one network.
fn travellers<'a>(sightings: &'a [Sighting], rules: &Rules, e: &mut Evidence) -> BTreeSet<&'a str> {
    let placed: Vec<(&Sighting, (f64, f64))> =
        sightings.iter().filter_map(|s| Some((s, geo::decode(s.place.as_deref()?)?))).collect();
    let mut travel = BTreeSet::new();
    for (i, (a, pa)) in placed.iter().enumerate() {
        for (b, pb) in &placed[i + 1..] {
            if a.origin == b.origin || a.install == b.install {
                continue;
            }
            let km = geo::distance_km(*pa, *pb);
            e.max_distance_km = e.max_distance_km.max(km);
            let hours = a.hour.abs_diff(b.hour).max(1) as f64;
            let same_key = generation_of(&a.origin) == generation_of(&b.origin);
            if same_key && km > rules.min_distance_km && km / hours > rules.max_speed_kmh {
                travel.extend([a.origin.as_str(), b.origin.as_str()]);
            }
        }
    }
    travel
}

/// Whether the networks in `evidence` are strong enough to act on alone:
/// within one key's generation, at least `networks` of them with an install
/// that has a history, in `auto_groups` groups, seen on `auto_days` days.
fn strong_enough(
    sightings: &[Sighting],
    evidence: &BTreeSet<&str>,
    seasoned: &BTreeSet<String>,
    networks: usize,
    rules: &Rules,
) -> (bool, usize) {
    // Per key generation: the networks, their groups, the days.
    type Spread<'a> = (BTreeSet<&'a str>, BTreeSet<&'a str>, BTreeSet<u64>);
    let mut per_key: BTreeMap<&str, Spread<'_>> = BTreeMap::new();
    for s in sightings {
        if evidence.contains(s.origin.as_str()) && seasoned.contains(&s.install) {
            let (origins, groups, days) = per_key.entry(generation_of(&s.origin)).or_default();
            origins.insert(&s.origin);
            groups.insert(&s.group);
            days.insert(s.received_hour / 24);
        }
    }
    let best = per_key.values().map(|(o, _, _)| o.len()).max().unwrap_or(0);
    let strong = per_key.values().any(|(origins, groups, days)| {
        origins.len() >= networks && groups.len() >= rules.auto_groups && days.len() >= rules.auto_days
    });
    (strong, best)
}

/// Assesses one serial. `seasoned` names the installs with a history
/// ([`crate::db::Db::seasoned`]).
pub fn assess(
    sightings: &[Sighting],
    reports: &[FakeReport],
    seasoned: &BTreeSet<String>,
    rules: &Rules,
) -> Evidence {
    let mut e = Evidence {
        installs: distinct(sightings.iter().map(|s| s.install.as_str())),
        origins: distinct(sightings.iter().map(|s| s.origin.as_str())),
        groups: distinct(sightings.iter().map(|s| s.group.as_str())),
        places: distinct(sightings.iter().filter_map(|s| s.place.as_deref())),
        reports: reports.len(),
        report_origins: distinct(reports.iter().map(|r| r.origin.as_str())),
        ..Evidence::default()
    };
    let hours = sightings.iter().map(|s| s.hour);
    e.span_hours = hours.clone().max().unwrap_or(0) - hours.min().unwrap_or(0);

    let travel = travellers(sightings, rules, &mut e);
    if travel.len() >= 2 {
        e.rules.push("impossible-travel");
    }
    let crowd = e.installs >= rules.crowd_installs && e.origins >= rules.crowd_origins;
    if crowd {
        e.rules.push("crowd");
    }
    if e.report_origins >= rules.report_origins {
        e.rules.push("reports");
    }
    let (by_travel, seasoned_travel) = strong_enough(sightings, &travel, seasoned, rules.auto_origins, rules);
    let everyone: BTreeSet<&str> = sightings.iter().map(|s| s.origin.as_str()).collect();
    let (by_crowd, seasoned_all) =
        strong_enough(sightings, &everyone, seasoned, 2 * rules.crowd_origins, rules);
    e.seasoned_origins = seasoned_travel.max(seasoned_all);
    e.auto = by_travel || (crowd && by_crowd);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(install: &str, origin: &str, hour: u64, place: &str) -> Sighting {
        let group = format!("group-of-{origin}");
        Sighting {
            install: install.into(),
            origin: origin.into(),
            group,
            hour,
            received_hour: hour,
            place: Some(place.into()),
        }
    }

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    #[test]
    fn two_cities_in_one_hour_is_a_clone_but_one_network_never_is() {
        let rules = Rules::default();
        let copied = [seen("a", "net1", 100, "u33db"), seen("b", "net2", 101, "u09tv")];
        let e = assess(&copied, &[], &none(), &rules);
        assert_eq!(e.rules, ["impossible-travel"]);
        assert!(!e.auto, "two origins are not enough for --auto");
        // The same two places a week apart: a traveller, not a clone.
        let travelled = [seen("a", "net1", 100, "u33db"), seen("b", "net2", 100 + 24 * 7, "u09tv")];
        assert!(!assess(&travelled, &[], &none(), &rules).is_candidate());
        // A thousand pseudonyms from one network, from 50 places at once.
        let places = ["u33db", "u09tv", "gcpvj", "dr5ru", "9q8yy"];
        let flood: Vec<Sighting> =
            (0..1000).map(|i| seen(&format!("p{i}"), "rival", 100, places[i % 50 % places.len()])).collect();
        let e = assess(&flood, &[], &none(), &rules);
        assert!(!e.is_candidate() && !e.auto, "{e:?}");
        assert_eq!((e.installs, e.origins), (1000, 1));
    }

    /// A wave of fakes as the field sees it: `networks` networks in
    /// `groups` groups, one install each, in far places, over `days` days.
    fn wave(networks: usize, groups: usize, days: u64) -> Vec<Sighting> {
        let places = ["u33db", "u09tv", "gcpvj", "dr5ru", "9q8yy", "wx4g0", "r3gx2", "c23nb"];
        (0..networks)
            .map(|i| {
                let hour = 1000 + (i as u64 % days) * 24;
                let mut s = seen(&format!("i{i}"), &format!("k1:net{i}"), hour, places[i % places.len()]);
                s.group = format!("k1:group{}", i % groups);
                s
            })
            .collect()
    }

    /// Finding 3: four cheap VMs on four /24s reached `--auto` in one hour.
    #[test]
    fn auto_needs_what_a_framer_must_pay_for() {
        let rules = Rules::default();
        let installs = |w: &[Sighting]| -> BTreeSet<String> { w.iter().map(|s| s.install.clone()).collect() };
        // The replayed framing: four networks, far places, one hour.
        let framing = wave(4, 4, 1);
        let e = assess(&framing, &[], &installs(&framing), &rules);
        assert!(e.is_candidate() && !e.auto, "four networks are a person's call: {e:?}");
        // Each cost on its own is not enough...
        let one_day = wave(8, 4, 1);
        assert!(!assess(&one_day, &[], &installs(&one_day), &rules).auto, "one day");
        let one_provider = wave(8, 1, 3);
        assert!(!assess(&one_provider, &[], &installs(&one_provider), &rules).auto, "one group");
        let no_history = wave(8, 4, 3);
        assert!(!assess(&no_history, &[], &none(), &rules).auto, "no install had a history");
        let seven = wave(7, 4, 3);
        assert!(!assess(&seven, &[], &installs(&seven), &rules).auto, "seven networks");
        // ...and networks named under two keys are not counted together.
        let mut two_keys = wave(8, 4, 3);
        for s in &mut two_keys[4..] {
            s.origin = s.origin.replace("k1:", "k2:");
        }
        assert!(!assess(&two_keys, &[], &installs(&two_keys), &rules).auto, "two key generations");
        // All of them together: a wave no framer gets for a few VMs.
        let wave = wave(8, 4, 3);
        let e = assess(&wave, &[], &installs(&wave), &rules);
        assert!(e.auto, "{e:?}");
        assert_eq!((e.origins, e.groups, e.seasoned_origins), (8, 4, 8));
    }

    #[test]
    fn reports_count_by_origin() {
        let rules = Rules::default();
        let report = |o: &str| FakeReport { install: o.into(), origin: o.into() };
        let one_net: Vec<FakeReport> = (0..50).map(|_| report("rival")).collect();
        assert!(!assess(&[], &one_net, &none(), &rules).is_candidate());
        let three = [report("a"), report("b"), report("c")];
        assert_eq!(assess(&[], &three, &none(), &rules).rules, ["reports"]);
    }
}
