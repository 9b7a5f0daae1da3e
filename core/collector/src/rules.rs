//! Clone detection: from where, when and by whom one serial was seen, is
//! it on more boxes than one? Pure functions over what the store holds.
//!
//! Abuse model: a rival who floods reports about a genuine serial controls
//! installs (pseudonyms are free) and places (they are claimed, not
//! measured), but not many network origins. So every rule counts distinct
//! origins, never events or installs alone, and `--auto` asks for more
//! origins still; everything else waits for a person.

use crate::geo;
use serde::Serialize;

/// One install's sighting of a serial (deduplicated per install and place).
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    /// The install pseudonym.
    pub install: String,
    /// The network origin it came from (a keyed hash of its /24 or /48).
    pub origin: String,
    /// The hour it was scanned (unix seconds / 3600).
    pub hour: u64,
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
    /// `--auto` needs the evidence to span this many origins.
    pub auto_origins: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            max_speed_kmh: 500.0,
            min_distance_km: 100.0,
            crowd_installs: 12,
            crowd_origins: 6,
            report_origins: 3,
            auto_origins: 4,
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
    /// Distinct places.
    pub places: usize,
    /// The largest distance between two sightings from different origins (km).
    pub max_distance_km: f64,
    /// Hours between the first and the last sighting.
    pub span_hours: u64,
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
    let mut seen: Vec<&str> = items.collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// Assesses one serial.
pub fn assess(sightings: &[Sighting], reports: &[FakeReport], rules: &Rules) -> Evidence {
    let mut e = Evidence {
        installs: distinct(sightings.iter().map(|s| s.install.as_str())),
        origins: distinct(sightings.iter().map(|s| s.origin.as_str())),
        places: distinct(sightings.iter().filter_map(|s| s.place.as_deref())),
        reports: reports.len(),
        report_origins: distinct(reports.iter().map(|r| r.origin.as_str())),
        ..Evidence::default()
    };
    let hours = sightings.iter().map(|s| s.hour);
    e.span_hours = hours.clone().max().unwrap_or(0) - hours.min().unwrap_or(0);

    // Impossible travel: two installs on two networks, too far apart for
    // the time between them. Origins in such pairs are what `--auto` counts.
    let placed: Vec<(&Sighting, (f64, f64))> =
        sightings.iter().filter_map(|s| Some((s, geo::decode(s.place.as_deref()?)?))).collect();
    let mut travel_origins: Vec<&str> = Vec::new();
    for (i, (a, pa)) in placed.iter().enumerate() {
        for (b, pb) in &placed[i + 1..] {
            if a.origin == b.origin || a.install == b.install {
                continue;
            }
            let km = geo::distance_km(*pa, *pb);
            e.max_distance_km = e.max_distance_km.max(km);
            let hours = a.hour.abs_diff(b.hour).max(1) as f64;
            if km > rules.min_distance_km && km / hours > rules.max_speed_kmh {
                travel_origins.extend([a.origin.as_str(), b.origin.as_str()]);
            }
        }
    }
    let travel = distinct(travel_origins.into_iter());
    if travel >= 2 {
        e.rules.push("impossible-travel");
    }
    let crowd = e.installs >= rules.crowd_installs && e.origins >= rules.crowd_origins;
    if crowd {
        e.rules.push("crowd");
    }
    if e.report_origins >= rules.report_origins {
        e.rules.push("reports");
    }
    e.auto = travel >= rules.auto_origins || (crowd && e.origins >= 2 * rules.crowd_origins);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(install: &str, origin: &str, hour: u64, place: &str) -> Sighting {
        Sighting { install: install.into(), origin: origin.into(), hour, place: Some(place.into()) }
    }

    #[test]
    fn two_cities_in_one_hour_is_a_clone_but_one_network_never_is() {
        let rules = Rules::default();
        let copied = [seen("a", "net1", 100, "u33db"), seen("b", "net2", 101, "u09tv")];
        let e = assess(&copied, &[], &rules);
        assert_eq!(e.rules, ["impossible-travel"]);
        assert!(!e.auto, "two origins are not enough for --auto");
        // The same two places a week apart: a traveller, not a clone.
        let travelled = [seen("a", "net1", 100, "u33db"), seen("b", "net2", 100 + 24 * 7, "u09tv")];
        assert!(!assess(&travelled, &[], &rules).is_candidate());
        // A thousand pseudonyms from one network, from 50 places at once.
        let places = ["u33db", "u09tv", "gcpvj", "dr5ru", "9q8yy"];
        let flood: Vec<Sighting> =
            (0..1000).map(|i| seen(&format!("p{i}"), "rival", 100, places[i % 50 % places.len()])).collect();
        let e = assess(&flood, &[], &rules);
        assert!(!e.is_candidate() && !e.auto, "{e:?}");
        assert_eq!((e.installs, e.origins), (1000, 1));
        // Many origins in many far places at once: clear enough for --auto.
        let wide: Vec<Sighting> =
            (0..5).map(|i| seen(&format!("i{i}"), &format!("net{i}"), 100, places[i])).collect();
        let e = assess(&wide, &[], &rules);
        assert!(e.auto, "{e:?}");
    }

    #[test]
    fn reports_count_by_origin() {
        let rules = Rules::default();
        let report = |o: &str| FakeReport { install: o.into(), origin: o.into() };
        let one_net: Vec<FakeReport> = (0..50).map(|_| report("rival")).collect();
        assert!(!assess(&[], &one_net, &rules).is_candidate());
        let three = [report("a"), report("b"), report("c")];
        assert_eq!(assess(&[], &three, &rules).rules, ["reports"]);
    }
}
