//! Exact revocation filters (clubcard) over the serials a closed claim key
//! signed.
//!
//! A block answers, for every entry of its universe — the serials the
//! issuance journal records for one key whose signing window is over, hashed
//! as [`crate::revocation::entry`] hashes them — exactly whether it is in the
//! list (revoked or cloned), in about `R·(log2(N/R) + 1.44)` bits instead of
//! 64 an entry. For an entry outside the universe the answer is arbitrary,
//! and that is safe: only the key signed the universe, so any other serial
//! under that kid has no valid signature and is FORGED before a lookup, and a
//! key that leaked is revoked as a key (FORMAT.md §2.3).
//!
//! The wire form is this module's own (the crate's serde form would spend
//! CBOR's 9 bytes on many 8-byte words); every count and offset in it is
//! checked against the bytes present before a query can index with it.

use crate::revocation::{Entry, ListKind};
use clubcard::{AsQuery, Clubcard, ClubcardIndex, ClubcardIndexEntry, Equation, Filterable, Queryable};

/// Ribbon width in 64-bit words: the crate's choice for CRLite.
pub const W: usize = 4;

/// The clubcard as the crate builds and queries it.
pub type Card = Clubcard<W, (), ()>;

const MAGIC: &[u8; 4] = b"GRF1";

/// The most blocks one filter may hold: a brand's closed keys, two lists each.
pub const MAX_BLOCKS: usize = 4096;

/// The most exceptions one block may list: entries its ribbon could not
/// hold, which every query of the block scans (a build has a handful).
pub const MAX_EXCEPTIONS: usize = 4096;

/// The most columns of the approximate filter (its rank: log2 of N/R).
const MAX_RANK: usize = 64;

/// The longest ribbon a block may name, in bits (2^40: far past any feed's
/// cap, and far from overflowing an offset).
const MAX_BITS: u64 = 1 << 40;

/// A (kid, list) block's name inside a filter.
pub fn block_id(kid: u16, kind: ListKind) -> [u8; 3] {
    let [hi, lo] = kid.to_be_bytes();
    [hi, lo, kind as u8]
}

/// The lists a block may hold: serials' lists (a recall stays entries by batch).
fn kind_of(byte: u8) -> Option<ListKind> {
    [ListKind::Revoked, ListKind::Cloned].into_iter().find(|k| *k as u8 == byte)
}

/// One entry as the filter hashes it.
#[derive(Debug, Clone)]
pub struct Item {
    block: [u8; 3],
    discriminant: [u8; 8],
    included: bool,
}

impl Item {
    /// `entry` of key `kid`'s `kind` list; `included`: it is listed.
    pub fn new(kid: u16, kind: ListKind, entry: Entry, included: bool) -> Item {
        Item { block: block_id(kid, kind), discriminant: entry.to_be_bytes(), included }
    }

    fn entry(&self) -> u64 {
        u64::from_be_bytes(self.discriminant)
    }
}

/// SplitMix64's finaliser: entries are already uniform (SHA-256 of the
/// serial), so a fast bijective mix spreads them over the ribbon.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const LANES: [u64; W + 1] = [
    0x9e37_79b9_7f4a_7c15,
    0x3c6e_f372_fe94_f82a,
    0xdaa6_6d2c_7ddf_743f,
    0x78dd_e6e5_fd29_f054,
    0x1715_609f_7c74_6c69,
];

impl AsQuery<W> for Item {
    fn as_query(&self, m: usize) -> Equation<W> {
        let entry = self.entry();
        let mut a = [0u64; W];
        for (limb, lane) in a.iter_mut().zip(LANES) {
            *limb = mix(entry ^ lane);
        }
        a[0] |= 1;
        // Multiply-shift: uniform in 0..m without a division.
        let s = ((u128::from(mix(entry ^ LANES[W])) * m as u128) >> 64) as usize;
        Equation::homogeneous(s, a)
    }

    fn block(&self) -> &[u8] {
        &self.block
    }

    fn discriminant(&self) -> &[u8] {
        &self.discriminant
    }
}

impl Filterable<W> for Item {
    fn included(&self) -> bool {
        self.included
    }
}

impl Queryable<W> for Item {
    type UniverseMetadata = ();
    type PartitionMetadata = ();

    /// Membership of the universe is the signature's business (module doc).
    fn in_universe(&self, _: &()) -> bool {
        true
    }
}

/// Why a filter's bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The bytes end early or run on.
    #[error("revocation filter: {0}")]
    Malformed(&'static str),
    /// A block names no list.
    #[error("revocation filter: block of unknown list {0}")]
    UnknownList(u8),
    /// A block names a column that is not there, or an absurd ribbon.
    #[error("revocation filter: block {kid}/{list} is out of range")]
    OutOfRange {
        /// The claim key.
        kid: u16,
        /// The list's number.
        list: u8,
    },
}

/// A brand's filters: blocks of (closed kid, list).
pub struct RevocationFilter {
    card: Card,
}

impl std::fmt::Debug for RevocationFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationFilter").field("blocks", &self.card.index.len()).finish()
    }
}

impl RevocationFilter {
    /// Wraps what the builder made (the issuer's `filters::build`).
    pub fn from_card(card: Card) -> RevocationFilter {
        RevocationFilter { card }
    }

    /// Whether `kid`'s `kind` list holds `entry`: `None` when no block
    /// covers that key and list (the exact entries answer then).
    pub fn contains(&self, kid: u16, kind: ListKind, entry: Entry) -> Option<bool> {
        let item = Item::new(kid, kind, entry, false);
        self.card.index.contains_key(&item.block[..]).then(|| self.card.unchecked_contains(&item))
    }

    /// The (kid, list) blocks it covers.
    pub fn blocks(&self) -> Vec<(u16, ListKind)> {
        self.card
            .index
            .keys()
            .filter_map(|b| Some((u16::from_be_bytes([*b.first()?, *b.get(1)?]), kind_of(*b.get(2)?)?)))
            .collect()
    }

    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let card = &self.card;
        let mut out = MAGIC.to_vec();
        out.extend((card.index.len() as u64).to_le_bytes());
        for (id, meta) in &card.index {
            out.extend_from_slice(id);
            out.push(u8::from(meta.inverted));
            for n in [meta.approx_filter_m, meta.approx_filter_offset, meta.approx_filter_rank] {
                out.extend((n as u64).to_le_bytes());
            }
            for n in [meta.exact_filter_m, meta.exact_filter_offset, meta.exceptions.len()] {
                out.extend((n as u64).to_le_bytes());
            }
            for e in &meta.exceptions {
                out.extend_from_slice(e);
            }
        }
        out.extend((card.approx_filter.len() as u64).to_le_bytes());
        for column in card.approx_filter.iter().chain([&card.exact_filter]) {
            out.extend((column.len() as u64).to_le_bytes());
            for limb in column {
                out.extend(limb.to_le_bytes());
            }
        }
        out
    }

    /// Reads the wire form, refusing anything a query could index past.
    pub fn decode(bytes: &[u8]) -> Result<RevocationFilter, FilterError> {
        let mut r = Reader(bytes);
        if r.take(4)? != MAGIC {
            return Err(FilterError::Malformed("not a genuine filter"));
        }
        let blocks = r.count(MAX_BLOCKS, 3 + 1 + 6 * 8)?;
        let mut index = ClubcardIndex::new();
        for _ in 0..blocks {
            let id = r.take(3)?.to_vec();
            let inverted = match r.take(1)?[0] {
                0 => false,
                1 => true,
                _ => return Err(FilterError::Malformed("block flags")),
            };
            let mut meta = ClubcardIndexEntry {
                inverted,
                approx_filter_m: r.size()?,
                approx_filter_offset: r.size()?,
                approx_filter_rank: r.size()?,
                exact_filter_m: r.size()?,
                exact_filter_offset: r.size()?,
                exceptions: Vec::new(),
            };
            let exceptions = r.count(MAX_EXCEPTIONS, 8)?;
            meta.exceptions =
                (0..exceptions).map(|_| r.take(8).map(<[u8]>::to_vec)).collect::<Result<_, _>>()?;
            if index.insert(id, meta).is_some() {
                return Err(FilterError::Malformed("a block twice"));
            }
        }
        let columns = r.count(MAX_RANK, 8)?;
        let mut approx_filter = Vec::with_capacity(columns);
        for _ in 0..columns {
            approx_filter.push(r.limbs()?);
        }
        let exact_filter = r.limbs()?;
        if !r.0.is_empty() {
            return Err(FilterError::Malformed("bytes after the filter"));
        }
        // The builder trims a column's trailing zero words, so a block may
        // reach past the words present (a query reads zeros there). What
        // must hold: a query never indexes a missing column, and no offset
        // plus length overflows.
        for (id, meta) in &index {
            let (kid, list) = (u16::from_be_bytes([id[0], id[1]]), id[2]);
            kind_of(list).ok_or(FilterError::UnknownList(list))?;
            let sane =
                |m: usize, offset: usize| offset.checked_add(m).is_some_and(|end| end as u64 <= MAX_BITS);
            if meta.approx_filter_rank > approx_filter.len()
                || !sane(meta.approx_filter_m, meta.approx_filter_offset)
                || !sane(meta.exact_filter_m, meta.exact_filter_offset)
            {
                return Err(FilterError::OutOfRange { kid, list });
            }
        }
        Ok(RevocationFilter {
            card: Clubcard { universe: (), partition: (), index, approx_filter, exact_filter },
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FilterError> {
        if n > self.0.len() {
            return Err(FilterError::Malformed("ends early"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u64(&mut self) -> Result<u64, FilterError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    fn size(&mut self) -> Result<usize, FilterError> {
        usize::try_from(self.u64()?).map_err(|_| FilterError::Malformed("a size over this platform's"))
    }

    /// A count of things of at least `each` bytes: at most `max`, and never
    /// more than the bytes left could hold (no allocation from a claim).
    fn count(&mut self, max: usize, each: usize) -> Result<usize, FilterError> {
        let n = self.size()?;
        if n > max || n.checked_mul(each).is_none_or(|need| need > self.0.len()) {
            return Err(FilterError::Malformed("a count over its limit or the bytes present"));
        }
        Ok(n)
    }

    fn limbs(&mut self) -> Result<Vec<u64>, FilterError> {
        let n = self.count(usize::MAX, 8)?;
        (0..n).map(|_| self.u64()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_id_names_its_key_and_list() {
        assert_eq!(block_id(0x0102, ListKind::Cloned), [1, 2, 2]);
        assert_eq!(kind_of(2), Some(ListKind::Cloned));
        assert_eq!(kind_of(1), None, "recalls stay entries by batch");
        assert_eq!(kind_of(3), None);
    }

    #[test]
    fn queries_land_inside_the_ribbon_and_are_aligned() {
        for entry in [0, 1, u64::MAX, 0x8000_0000_0000_0000] {
            for m in [1, 2, 1000, usize::MAX] {
                let eq = Item::new(1, ListKind::Revoked, entry, false).as_query(m);
                assert!(eq.s < m, "{entry} {m}");
                assert_eq!(eq.a[0] & 1, 1);
            }
        }
    }

    /// One block (kid 1, revoked) with the given numbers, one approximate
    /// column of one word and an exact column of one word.
    fn one_block(approx: [u64; 3], exact: [u64; 2]) -> Vec<u8> {
        let mut b = b"GRF1".to_vec();
        b.extend(1u64.to_le_bytes());
        b.extend([0, 1, 0, 0]);
        for n in approx.into_iter().chain(exact).chain([0]) {
            b.extend(n.to_le_bytes());
        }
        for n in [1u64, 1, u64::MAX, 1, 0x5555] {
            b.extend(n.to_le_bytes());
        }
        b
    }

    #[test]
    fn a_block_that_would_index_past_the_filter_is_refused() {
        // (m, offset, rank) and (m, offset).
        let ok = RevocationFilter::decode(&one_block([100, 0, 1], [100, 0])).expect("in range");
        // Past the words present reads zeros: allowed, and answers.
        assert!(ok.contains(1, ListKind::Revoked, 42).is_some());
        assert_eq!(ok.contains(1, ListKind::Cloned, 42), None);
        for (approx, exact) in [
            ([100, 0, 2], [100, 0]),
            ([100, u64::MAX - 3, 1], [100, 0]),
            ([100, 0, 1], [u64::MAX, 1]),
            ([1 << 41, 0, 1], [100, 0]),
        ] {
            assert!(
                matches!(
                    RevocationFilter::decode(&one_block(approx, exact)),
                    Err(FilterError::OutOfRange { .. })
                ),
                "{approx:?} {exact:?}"
            );
        }
    }

    #[test]
    fn truncated_or_inflated_bytes_are_refused_without_panic() {
        assert!(RevocationFilter::decode(b"").is_err());
        assert!(RevocationFilter::decode(b"GRF0\0\0\0\0\0\0\0\0").is_err());
        // One block claimed, none present.
        assert!(RevocationFilter::decode(b"GRF1\x01\0\0\0\0\0\0\0").is_err());
        // A count of columns no bytes back.
        let mut huge = b"GRF1\0\0\0\0\0\0\0\0".to_vec();
        huge.extend(u64::MAX.to_le_bytes());
        assert!(RevocationFilter::decode(&huge).is_err());
    }
}
