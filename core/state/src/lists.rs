//! Revocation lists held in memory, and the one rule of how a delta moves
//! a sorted list (every store applies it the same way).

use crate::feed::{ChainWrite, FilterChange};
use genuine_format::UnixTime;
use genuine_format::filter::RevocationFilter;
use genuine_format::revocation::{Entry, Head, ListKind, RevocationLists, genesis};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A sorted list after a delta: its additions, then its removals (an entry
/// both added and removed by one delta is not in the list).
pub fn merge(entries: &mut Vec<Entry>, added: &[Entry], removed: &[Entry]) {
    entries.extend_from_slice(added);
    entries.sort_unstable();
    entries.dedup();
    if !removed.is_empty() {
        let mut removed = removed.to_vec();
        removed.sort_unstable();
        entries.retain(|e| removed.binary_search(e).is_err());
    }
}

/// One brand's lists: where its chain stands and what it holds.
#[derive(Debug, Clone)]
pub(crate) struct BrandLists {
    /// The handle a [`crate::ListsRef`] carries.
    pub(crate) handle: i64,
    pub(crate) seq: u64,
    pub(crate) head: Head,
    /// When the lists held were signed ("since" for their entries).
    pub(crate) signed_at: UnixTime,
    /// Sorted entries of each [`ListKind`], in `ListKind::ALL`'s order.
    entries: [Vec<Entry>; 3],
    /// Claim keys revoked through the `keys` list, and since when.
    pub(crate) keys: BTreeMap<u16, UnixTime>,
    /// Exact filters of closed keys and the base they came with.
    pub(crate) filter: Option<(u64, Arc<RevocationFilter>)>,
}

impl BrandLists {
    pub(crate) fn new(brand_id: &str, handle: i64) -> BrandLists {
        BrandLists {
            handle,
            seq: 0,
            head: genesis(brand_id),
            signed_at: UnixTime::EPOCH,
            entries: Default::default(),
            keys: BTreeMap::new(),
            filter: None,
        }
    }

    pub(crate) fn of(&self, kind: ListKind) -> &[Entry] {
        &self.entries[kind as usize]
    }

    /// Moves the chain forward by a checked [`ChainWrite`]: its base first
    /// (replacing everything), then its deltas in order.
    pub(crate) fn apply(&mut self, chain: &ChainWrite) {
        let since = chain.signed_at;
        if let Some(base) = &chain.base {
            self.entries = Default::default();
            self.keys.clear();
            self.add(base, &RevocationLists::default(), since);
        }
        match &chain.filter {
            FilterChange::Keep => {}
            FilterChange::Set(f) => {
                self.filter = RevocationFilter::decode(&f.bytes).ok().map(|d| (f.seq, Arc::new(d)));
            }
            FilterChange::Clear => self.filter = None,
        }
        for delta in &chain.deltas {
            self.add(&delta.add, &delta.remove, since);
        }
        self.seq = chain.seq;
        self.head = chain.head;
        self.signed_at = since;
    }

    fn add(&mut self, add: &RevocationLists, remove: &RevocationLists, since: UnixTime) {
        for kind in ListKind::ALL {
            merge(&mut self.entries[kind as usize], add.of(kind), remove.of(kind));
        }
        // A key keeps the time it was first revoked.
        for kid in &add.keys {
            self.keys.entry(*kid).or_insert(since);
        }
        for kid in &remove.keys {
            self.keys.remove(kid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_adds_then_removes_and_keeps_the_list_sorted() {
        let mut list = vec![5, 9];
        merge(&mut list, &[7, 1, 9], &[5]);
        assert_eq!(list, vec![1, 7, 9]);
        merge(&mut list, &[3], &[3, 42]);
        assert_eq!(list, vec![1, 7, 9]);
        merge(&mut list, &[], &[]);
        assert_eq!(list, vec![1, 7, 9]);
    }
}
