//! The trust state in memory: for a verifier that keeps nothing between
//! runs (the landing page in a browser) or cannot carry SQLite. It holds the
//! same things a phone's store holds — the documents (verified as admitted),
//! the revocation chains, the timestamp — and answers the same
//! [`TrustState`] calls, so sync's planner and verification run over it
//! unchanged.

use crate::feed::{ChainHead, FeedState, FeedWrite};
use crate::index::{KeyIndex, KeyRecord, ListsRef};
use crate::lists::BrandLists;
use crate::seam::{ApplyError, TrustState};
use genuine_format::UnixTime;
use genuine_format::admit::{AdmitError, Held, ImportReport, admit};
use genuine_format::bundle::TrustBundle;
use genuine_format::revocation::{Entry, ListKind};
use genuine_format::trust::TrustAnchor;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A memory store has no failure of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {}

/// The timestamp a sync last accepted, as a store keeps it.
#[derive(Debug, Clone, Default)]
struct Accepted {
    version: Option<u64>,
    bytes: Option<Vec<u8>>,
    etag: Option<String>,
    live_until: Option<UnixTime>,
    seen_at: Option<UnixTime>,
    snapshot_bytes: Option<Vec<u8>>,
}

/// Every trusted document, revocation chain and timestamp, in memory.
#[derive(Debug, Clone)]
pub struct MemoryState {
    anchor: TrustAnchor,
    held: Held,
    lists: BTreeMap<String, BrandLists>,
    /// Brand ids by list handle (a handle is a brand's place here).
    handles: Vec<String>,
    timestamp: Accepted,
    time_floor: UnixTime,
    /// Per brand: when a sync last brought its documents in full.
    brand_fresh: BTreeMap<String, UnixTime>,
    /// Counts writes, as a store's revision does.
    revision: u64,
    /// Derived from the above after every write.
    index: Arc<KeyIndex>,
}

impl MemoryState {
    /// An empty state that trusts `anchor`.
    pub fn new(anchor: &TrustAnchor) -> MemoryState {
        MemoryState {
            anchor: anchor.clone(),
            held: Held::default(),
            lists: BTreeMap::new(),
            handles: Vec::new(),
            timestamp: Accepted::default(),
            time_floor: UnixTime::EPOCH,
            brand_fresh: BTreeMap::new(),
            revision: 0,
            index: Arc::new(KeyIndex::default()),
        }
    }

    /// Imports a trust bundle: every document checked by the same admission
    /// a phone's store runs, then all taken at once (nothing if refused).
    /// `now` is for root expiry.
    pub fn import_bundle(&mut self, bytes: &[u8], now: UnixTime) -> Result<ImportReport, AdmitError> {
        let bundle = TrustBundle::decode(bytes)?;
        let admission = admit(&self.held, &self.anchor, &bundle, now)?;
        self.held.apply(&admission);
        self.revision += 1;
        self.reindex();
        Ok(admission.report)
    }

    /// The documents held, each verified as it was admitted.
    pub fn held(&self) -> &Held {
        &self.held
    }

    /// When the last good timestamp was accepted, if any sync succeeded.
    pub fn last_timestamp(&self) -> Option<UnixTime> {
        self.timestamp.seen_at
    }

    /// Rebuilds the key index from the documents and lists: what a phone's
    /// store derives into its tables, derived here from the same documents.
    fn reindex(&mut self) {
        let mut index = KeyIndex::new(self.time_floor, self.timestamp.seen_at);
        for (id, brand) in self.held.brands() {
            for host in &brand.doc.hosts {
                index.add_host(id, host);
            }
            let Some(keyset) = self.held.keyset(id) else { continue };
            for key in &keyset.doc.keys {
                let record = KeyRecord {
                    brand_id: id.clone(),
                    brand_name: brand.doc.name.clone(),
                    kid: key.kid,
                    public_key: key.public_key,
                    sign_from: UnixTime::from_secs(key.sign_from),
                    sign_until: UnixTime::from_secs(key.sign_until),
                    verify_until: UnixTime::from_secs(key.verify_until),
                    revoked_at: key.revoked_at.map(UnixTime::from_secs),
                };
                let mut prefixes = key.company_prefixes.clone();
                prefixes.sort_unstable();
                prefixes.dedup();
                index.add_key(prefixes, record);
            }
        }
        for (id, lists) in &self.lists {
            index.add_lists(id, ListsRef { handle: lists.handle, signed_at: lists.signed_at });
            for kind in ListKind::ALL.into_iter().filter(|k| !lists.of(*k).is_empty()) {
                index.add_nonempty(lists.handle, kind);
            }
            for (kid, since) in &lists.keys {
                index.add_key_revoked(id, *kid, *since);
            }
            if let Some((_, filter)) = &lists.filter {
                index.add_filter(lists.handle, Arc::clone(filter));
            }
        }
        for (id, at) in &self.brand_fresh {
            index.add_brand_synced(id, *at);
        }
        self.index = Arc::new(index);
    }
}

impl TrustState for MemoryState {
    type Error = MemoryError;

    fn anchor(&self) -> &TrustAnchor {
        &self.anchor
    }

    fn key_index(&self) -> Result<Arc<KeyIndex>, MemoryError> {
        Ok(Arc::clone(&self.index))
    }

    fn listed(&self, lists: ListsRef, kind: ListKind, entry: Entry) -> Result<bool, MemoryError> {
        let brand = usize::try_from(lists.handle).ok().and_then(|i| self.handles.get(i));
        let found = brand.and_then(|id| self.lists.get(id));
        Ok(found.is_some_and(|l| l.of(kind).binary_search(&entry).is_ok()))
    }

    fn feed_state(&self) -> Result<FeedState, MemoryError> {
        let chains = self
            .lists
            .iter()
            .map(|(id, l)| {
                let filter_seq = l.filter.as_ref().map_or(0, |f| f.0);
                (id.clone(), ChainHead { seq: l.seq, head: l.head, filter_seq })
            })
            .collect();
        let ts = &self.timestamp;
        Ok(FeedState {
            revision: self.revision,
            held: self.held.clone(),
            timestamp_version: ts.version,
            timestamp_bytes: ts.bytes.clone(),
            timestamp_etag: ts.etag.clone(),
            timestamp_live_until: ts.live_until,
            timestamp_seen_at: ts.seen_at,
            snapshot_bytes: ts.snapshot_bytes.clone(),
            chains,
            time_floor: self.time_floor,
        })
    }

    fn apply_feed(&mut self, plan: &FeedWrite) -> Result<(), ApplyError<MemoryError>> {
        if plan.read_at_revision != self.revision {
            return Err(ApplyError::Changed);
        }
        self.held.apply(&plan.admission);
        for chain in &plan.chains {
            let id = &chain.brand_id;
            if !self.lists.contains_key(id) {
                let handle = i64::try_from(self.handles.len()).unwrap_or(i64::MAX);
                self.handles.push(id.clone());
                self.lists.insert(id.clone(), BrandLists::new(id, handle));
            }
            if let Some(lists) = self.lists.get_mut(id) {
                lists.apply(chain);
            }
        }
        let ts = &plan.timestamp;
        if ts.is_new {
            // A newly accepted timestamp counts from when it was seen: its
            // lifetime, the floor and freshness all start there.
            self.timestamp.seen_at = Some(ts.seen_at);
            self.timestamp.live_until = Some(ts.live_until());
            self.time_floor = self.time_floor.max(ts.seen_at);
        }
        self.timestamp.version = Some(ts.version);
        self.timestamp.bytes = Some(ts.bytes.clone());
        self.timestamp.etag = ts.etag.clone();
        self.timestamp.snapshot_bytes = Some(plan.snapshot_bytes.clone());
        // Revocation status is fresh per brand: a brand refused this time
        // keeps the time of its last good sync.
        for id in &plan.fresh_brands {
            self.brand_fresh.insert(id.clone(), ts.seen_at);
        }
        self.revision += 1;
        self.reindex();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::{ChainWrite, ListsDelta, TimestampWrite};
    use genuine_format::admit::Admission;
    use genuine_format::keys::PublicKey;
    use genuine_format::revocation::{Entries, RevocationLists, next_head};

    fn anchor() -> TrustAnchor {
        TrustAnchor { keys: vec![PublicKey([7; 32])], threshold: 1 }
    }

    fn plan(revision: u64, issued: u64, seen: u64, chains: Vec<ChainWrite>) -> FeedWrite {
        FeedWrite {
            read_at_revision: revision,
            admission: Admission::default(),
            chains,
            timestamp: TimestampWrite {
                version: 1,
                issued_at: UnixTime::from_secs(issued),
                expires: UnixTime::from_secs(issued + 86_400),
                bytes: vec![1],
                etag: None,
                seen_at: UnixTime::from_secs(seen),
                is_new: true,
            },
            snapshot_bytes: vec![2],
            fresh_brands: vec!["acme".into()],
        }
    }

    #[test]
    fn a_plan_applies_at_once_or_not_at_all_and_the_lists_answer_after_it() {
        let mut state = MemoryState::new(&anchor());
        let lists = RevocationLists { revoked: Entries(vec![9, 3]), keys: vec![2], ..Default::default() };
        let head = next_head(&genuine_format::revocation::genesis("acme"), b"delta");
        let chain = ChainWrite {
            brand_id: "acme".into(),
            base: Some(lists),
            deltas: vec![ListsDelta {
                add: RevocationLists { revoked: Entries(vec![5]), ..Default::default() },
                remove: RevocationLists { revoked: Entries(vec![3]), ..Default::default() },
            }],
            seq: 4,
            head,
            signed_at: UnixTime::from_secs(500),
            filter: Default::default(),
        };
        // A plan read from another revision is refused whole.
        assert!(matches!(
            state.apply_feed(&plan(7, 1000, 900, vec![chain.clone()])),
            Err(ApplyError::Changed)
        ));
        assert!(state.feed_state().unwrap().chains.is_empty());

        state.apply_feed(&plan(0, 1000, 900, vec![chain])).unwrap();
        let index = state.key_index().unwrap();
        let refs = index.lists_of("acme").unwrap();
        assert_eq!(refs.signed_at, UnixTime::from_secs(500));
        let listed = |e| state.listed(refs, ListKind::Revoked, e).unwrap();
        assert!(listed(9) && listed(5) && !listed(3));
        assert!(index.has_entries(refs, ListKind::Revoked) && !index.has_entries(refs, ListKind::Cloned));
        assert_eq!(index.key_revoked_since("acme", 2), Some(UnixTime::from_secs(500)));
        // The timestamp counts from when it was seen (capped at the device's clock).
        let fs = state.feed_state().unwrap();
        assert_eq!(fs.time_floor, UnixTime::from_secs(900));
        assert_eq!(fs.timestamp_live_until, Some(UnixTime::from_secs(900 + 86_400)));
        assert_eq!(fs.chains["acme"].seq, 4);
        assert_eq!(index.brand_synced_at("acme"), Some(UnixTime::from_secs(900)));
        assert_eq!(fs.revision, 1);
    }
}
