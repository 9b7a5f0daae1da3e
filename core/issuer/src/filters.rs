//! Building a brand's exact revocation filters (brand tooling only): one
//! block per closed claim key and list, over the serials the journal says
//! that key signed (`genuine_format::filter` says why that universe).

use crate::journal::{Journal, JournalError};
use clubcard::builder::{ApproximateRibbon, ClubcardBuilder, ExactRibbon};
use genuine_format::filter::{Item, RevocationFilter, W};
use genuine_format::revocation::{Entry, ListKind, RevocationLists, entry};

/// One block to build: a closed key's list over its universe.
#[derive(Debug, Clone, Default)]
pub struct BlockInput {
    /// The claim key whose signing window closed.
    pub kid: u16,
    /// Which list (revoked or cloned).
    pub kind: Option<ListKind>,
    /// Every entry the key's serials hash to, any order, duplicates allowed.
    pub universe: Vec<Entry>,
    /// The listed entries; any outside the universe stay exact entries.
    pub listed: Vec<Entry>,
}

/// What a build encoded, per block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockReport {
    /// The claim key.
    pub kid: u16,
    /// The list.
    pub kind: ListKind,
    /// Distinct entries in the universe.
    pub universe: usize,
    /// Listed entries the block encodes.
    pub listed: usize,
    /// Listed entries outside the universe (left to the exact entries).
    pub outside: Vec<Entry>,
}

/// Builds the filter over `blocks` (each (kid, list) at most once: a
/// repeated one is merged into the first).
pub fn build(blocks: Vec<BlockInput>) -> (RevocationFilter, Vec<BlockReport>) {
    let mut merged: Vec<(u16, ListKind, Vec<Entry>, Vec<Entry>)> = Vec::new();
    for b in blocks {
        let kind = b.kind.unwrap_or(ListKind::Revoked);
        match merged.iter_mut().find(|m| m.0 == b.kid && m.1 == kind) {
            Some(m) => {
                m.2.extend(b.universe);
                m.3.extend(b.listed);
            }
            None => merged.push((b.kid, kind, b.universe, b.listed)),
        }
    }
    let mut reports = Vec::new();
    for (kid, kind, universe, listed) in &mut merged {
        universe.sort_unstable();
        universe.dedup();
        listed.sort_unstable();
        listed.dedup();
        let outside: Vec<Entry> =
            listed.iter().copied().filter(|e| universe.binary_search(e).is_err()).collect();
        listed.retain(|e| universe.binary_search(e).is_ok());
        reports.push(BlockReport {
            kid: *kid,
            kind: *kind,
            universe: universe.len(),
            listed: listed.len(),
            outside,
        });
    }

    let mut builder = ClubcardBuilder::<W, Item>::new();
    let mut approx = Vec::new();
    for (kid, kind, universe, listed) in &merged {
        let mut ribbon = builder.new_approx_builder(&genuine_format::filter::block_id(*kid, *kind));
        // A ribbon costs bits per entry it encodes: when most of the universe
        // is listed, encode the rest and invert the answer.
        let inverted = 2 * listed.len() > universe.len();
        ribbon.set_inverted(inverted);
        ribbon.set_universe_size(universe.len());
        if inverted {
            for e in universe.iter().filter(|e| listed.binary_search(e).is_err()) {
                ribbon.insert(Item::new(*kid, *kind, *e, false));
            }
        } else {
            for e in listed {
                ribbon.insert(Item::new(*kid, *kind, *e, true));
            }
        }
        approx.push(ApproximateRibbon::from(ribbon));
    }
    builder.collect_approx_ribbons(approx);
    let mut exact = Vec::new();
    for (kid, kind, universe, listed) in &merged {
        let mut ribbon = builder.new_exact_builder(&genuine_format::filter::block_id(*kid, *kind));
        for e in universe {
            ribbon.insert(Item::new(*kid, *kind, *e, listed.binary_search(e).is_ok()));
        }
        exact.push(ExactRibbon::from(ribbon));
    }
    builder.collect_exact_ribbons(exact);
    (RevocationFilter::from_card(builder.build::<Item>((), ())), reports)
}

/// The serials one closed key signed, hashed as each list hashes them.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    /// The claim key.
    pub kid: u16,
    /// Entries of its serials in the revoked list's hashing.
    pub revoked: Vec<Entry>,
    /// The same serials in the cloned list's hashing.
    pub cloned: Vec<Entry>,
}

impl Universe {
    /// Key `kid`'s serials from the issuance journal (refused while one of
    /// its runs is open).
    pub fn from_journal(journal: &Journal, brand_id: &str, kid: u16) -> Result<Universe, JournalError> {
        let mut u = Universe { kid, ..Universe::default() };
        journal.serials_of_key(brand_id, kid, |gtin, serial| {
            u.revoked.push(entry(ListKind::Revoked, gtin, serial));
            u.cloned.push(entry(ListKind::Cloned, gtin, serial));
        })?;
        Ok(u)
    }
}

/// What folding a brand's lists into filters made.
#[derive(Debug)]
pub struct Folded {
    /// The filter, if any block has a listed entry.
    pub filter: Option<RevocationFilter>,
    /// The entries its blocks answer: a base leaves them out.
    pub covered: RevocationLists,
    /// Per block.
    pub blocks: Vec<BlockReport>,
}

/// Folds `current` into blocks over `universes`: one per key and list that
/// has a listed entry in that key's universe.
pub fn fold(universes: Vec<Universe>, current: &RevocationLists) -> Folded {
    let mut inputs = Vec::new();
    for u in universes {
        for (kind, mut universe) in [(ListKind::Revoked, u.revoked), (ListKind::Cloned, u.cloned)] {
            universe.sort_unstable();
            universe.dedup();
            if current.of(kind).iter().any(|e| universe.binary_search(e).is_ok()) {
                inputs.push(BlockInput {
                    kid: u.kid,
                    kind: Some(kind),
                    universe,
                    listed: current.of(kind).to_vec(),
                });
            }
        }
    }
    if inputs.is_empty() {
        return Folded { filter: None, covered: RevocationLists::default(), blocks: Vec::new() };
    }
    // What each block encodes, before the universes move into the build.
    let mut covered = RevocationLists::default();
    for b in &inputs {
        let kind = b.kind.unwrap_or(ListKind::Revoked);
        covered.of_mut(kind).extend(b.listed.iter().filter(|e| b.universe.binary_search(e).is_ok()));
    }
    for kind in ListKind::ALL {
        covered.of_mut(kind).sort_unstable();
        covered.of_mut(kind).dedup();
    }
    let (filter, blocks) = build(inputs);
    Folded { filter: Some(filter), covered, blocks }
}

/// `lists` without the entries `covered` holds.
pub fn without(lists: &RevocationLists, covered: &RevocationLists) -> RevocationLists {
    let mut out = lists.clone();
    for kind in ListKind::ALL {
        let gone = covered.of(kind);
        out.of_mut(kind).retain(|e| gone.binary_search(e).is_err());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Random universes of every shape (empty, one listed, all listed, most
    /// listed, a few): every member answers exactly, through the wire form.
    #[test]
    fn every_member_of_random_universes_answers_exactly() {
        let mut seed = 7;
        for (n, r) in [(0, 0), (1, 0), (1, 1), (2, 1), (50, 0), (50, 50), (300, 290), (1000, 10), (5000, 700)]
        {
            let universe: Vec<Entry> = (0..n).map(|_| rng(&mut seed)).collect();
            let listed: Vec<Entry> = universe[..r].to_vec();
            let cloned: Vec<Entry> = universe[n - r / 2..].to_vec();
            let blocks = vec![
                BlockInput {
                    kid: 3,
                    kind: Some(ListKind::Revoked),
                    universe: universe.clone(),
                    listed: listed.clone(),
                },
                BlockInput {
                    kid: 3,
                    kind: Some(ListKind::Cloned),
                    universe: universe.clone(),
                    listed: cloned.clone(),
                },
            ];
            let (filter, reports) = build(blocks);
            let filter = RevocationFilter::decode(&filter.encode()).expect("its own bytes");
            assert_eq!(reports[0].listed, r);
            for (i, e) in universe.iter().enumerate() {
                assert_eq!(filter.contains(3, ListKind::Revoked, *e), Some(i < r), "n {n} r {r} #{i}");
                assert_eq!(
                    filter.contains(3, ListKind::Cloned, *e),
                    Some(i >= n - r / 2),
                    "n {n} r {r} #{i}"
                );
            }
            assert_eq!(filter.contains(4, ListKind::Revoked, 1), None, "another key has no block");
            assert_eq!(filter.contains(3, ListKind::Recalled, 1), None);
        }
    }

    /// Tiny blocks beside big ones: the builder trims a column's trailing
    /// zero words at random (a 2-bit block ends in a zero word one time in
    /// four), and every such filter must still decode and answer.
    #[test]
    fn filters_with_trimmed_columns_decode_and_answer() {
        let mut seed = 11;
        for round in 0..200 {
            let big: Vec<Entry> = (0..2000).map(|_| rng(&mut seed)).collect();
            let small: Vec<Entry> = (0..3).map(|_| rng(&mut seed)).collect();
            let blocks = vec![
                BlockInput {
                    kid: 1,
                    kind: Some(ListKind::Revoked),
                    universe: big.clone(),
                    listed: big[..40].to_vec(),
                },
                BlockInput {
                    kid: 1,
                    kind: Some(ListKind::Cloned),
                    universe: big.clone(),
                    listed: big[..1].to_vec(),
                },
                BlockInput { kid: 2, kind: None, universe: small.clone(), listed: small[..1].to_vec() },
            ];
            let (filter, _) = build(blocks);
            let filter =
                RevocationFilter::decode(&filter.encode()).unwrap_or_else(|e| panic!("round {round}: {e}"));
            for (i, e) in big.iter().enumerate() {
                assert_eq!(filter.contains(1, ListKind::Revoked, *e), Some(i < 40));
                assert_eq!(filter.contains(1, ListKind::Cloned, *e), Some(i < 1));
            }
            assert_eq!(filter.contains(2, ListKind::Revoked, small[0]), Some(true));
            assert_eq!(filter.contains(2, ListKind::Revoked, small[2]), Some(false));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
        /// Any universe, any share of it listed, any two keys: every member
        /// answers exactly, through the wire form.
        #[test]
        fn any_universe_answers_exactly(
            seed in proptest::prelude::any::<u64>(),
            n in 0usize..3000,
            share in 0u32..=100,
            other in 0usize..50,
        ) {
            let mut s = seed;
            let universe: Vec<Entry> = (0..n).map(|_| rng(&mut s)).collect();
            let listed: Vec<Entry> = universe.iter().copied().filter(|e| (e % 100) < u64::from(share)).collect();
            let small: Vec<Entry> = (0..other).map(|_| rng(&mut s)).collect();
            let blocks = vec![
                BlockInput { kid: 7, kind: None, universe: universe.clone(), listed: listed.clone() },
                BlockInput { kid: 8, kind: None, universe: small.clone(), listed: small.iter().copied().step_by(3).collect() },
            ];
            let (filter, _) = build(blocks);
            let filter = RevocationFilter::decode(&filter.encode()).expect("its own bytes");
            for e in &universe {
                proptest::prop_assert_eq!(filter.contains(7, ListKind::Revoked, *e), Some(listed.contains(e)));
            }
            for (i, e) in small.iter().enumerate() {
                proptest::prop_assert_eq!(filter.contains(8, ListKind::Revoked, *e), Some(i % 3 == 0));
            }
        }
    }

    #[test]
    fn listed_entries_outside_the_universe_are_reported_not_encoded() {
        let (filter, reports) =
            build(vec![BlockInput { kid: 1, kind: None, universe: vec![10, 20, 30], listed: vec![20, 99] }]);
        assert_eq!(reports[0].outside, vec![99]);
        assert_eq!(reports[0].listed, 1);
        assert_eq!(filter.contains(1, ListKind::Revoked, 20), Some(true));
        assert_eq!(filter.contains(1, ListKind::Revoked, 10), Some(false));
    }

    /// The full check at a million: every revoked entry answers revoked,
    /// every other entry of the universe not revoked.
    #[test]
    fn a_million_issued_answer_exactly() {
        let mut seed = 2026;
        let universe: Vec<Entry> = (0..1_000_000).map(|_| rng(&mut seed)).collect();
        let listed: Vec<Entry> = universe.iter().copied().step_by(97).collect();
        let (filter, _) = build(vec![BlockInput { kid: 9, kind: None, universe: universe.clone(), listed }]);
        let filter = RevocationFilter::decode(&filter.encode()).expect("its own bytes");
        let wrong = universe
            .iter()
            .enumerate()
            .filter(|(i, e)| filter.contains(9, ListKind::Revoked, **e) != Some(i % 97 == 0))
            .count();
        assert_eq!(wrong, 0);
    }
}
