//! Publishing the feed: the operator's and brands' side of sync (brand
//! tooling only). Everything is written as static, immutable files except
//! `v1/timestamp`, so any CDN or object store can serve it.

use crate::authority::{Authority, AuthorityError, seal_with};
use crate::filters::Universe;
use crate::keys::KeyRef;
use crate::published::BrandFeed;
use crate::published::PublishedFilter;
use genuine_format::feed::{
    BASE_TYPE, DELTA_TYPE, FILTER_TYPE, FileMeta, RevocationBase, RevocationDelta, RevocationFilterDoc,
    RevocationMeta, SNAPSHOT_TYPE, Snapshot, TIMESTAMP_TYPE, Timestamp, paths,
};
use genuine_format::gs1::Gtin;
use genuine_format::revocation::{ListKind, RevocationLists, entry, next_head};
use serde::Serialize;
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;
use std::path::Path;

/// A base is written every this many deltas, so a client after a long gap
/// fetches one base and at most this many deltas.
pub const BASE_EVERY: u64 = 8;

/// A revocation file a publish wrote: a brand's delta or base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListFile {
    /// The brand.
    pub brand_id: String,
    /// Its sequence number.
    pub seq: u64,
    /// Entries it carries (added and removed, for a delta).
    pub entries: usize,
}

/// Filters a publish folded a brand's lists into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterFile {
    /// The brand.
    pub brand_id: String,
    /// The base they go with.
    pub seq: u64,
    /// Their size on the wire (the filter's bytes).
    pub bytes: usize,
    /// (key, list) blocks.
    pub blocks: usize,
    /// Entries they answer, left out of the base.
    pub covered: usize,
}

/// What a publish wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    /// The new timestamp/snapshot version.
    pub version: u64,
    /// Deltas made.
    pub deltas: Vec<ListFile>,
    /// Bases made.
    pub bases: Vec<ListFile>,
    /// Filters made.
    pub filters: Vec<FilterFile>,
    /// Files written.
    pub files: usize,
}

fn merge(into: &mut RevocationLists, add: &RevocationLists, remove: &RevocationLists) {
    for kind in ListKind::ALL {
        let list = into.of_mut(kind);
        list.extend_from_slice(add.of(kind));
        list.sort_unstable();
        list.dedup();
        let gone = remove.of(kind);
        if !gone.is_empty() {
            let gone: std::collections::HashSet<_> = gone.iter().collect();
            list.retain(|e| !gone.contains(e));
        }
    }
    into.keys.extend_from_slice(&add.keys);
    into.keys.sort_unstable();
    into.keys.dedup();
    into.keys.retain(|k| !remove.keys.contains(k));
}

impl Authority {
    fn brand_feed(&mut self, brand_id: &str) -> Result<&mut BrandFeed, AuthorityError> {
        if !self.brands.contains_key(brand_id) {
            return Err(AuthorityError::UnknownBrand(brand_id.to_string()));
        }
        Ok(self.feed.revocations.entry(brand_id.to_string()).or_insert_with(|| BrandFeed::new(brand_id)))
    }

    /// Queues a list entry for the next publish: a revoked or cloned code
    /// (`value` = serial) or a recalled batch (`value` = batch).
    pub fn revoke(
        &mut self,
        brand_id: &str,
        kind: ListKind,
        gtin: &Gtin,
        value: &str,
    ) -> Result<(), AuthorityError> {
        self.revoke_entries(brand_id, kind, &[entry(kind, gtin.as_str(), value)])
    }

    /// Queues raw entries (benchmarks and bulk imports).
    pub fn revoke_entries(
        &mut self,
        brand_id: &str,
        kind: ListKind,
        entries: &[u64],
    ) -> Result<(), AuthorityError> {
        self.brand_feed(brand_id)?.pending_add.of_mut(kind).extend_from_slice(entries);
        Ok(())
    }

    /// Queues the removal of an entry made in error.
    pub fn reinstate(
        &mut self,
        brand_id: &str,
        kind: ListKind,
        gtin: &Gtin,
        value: &str,
    ) -> Result<(), AuthorityError> {
        let feed = self.brand_feed(brand_id)?;
        feed.pending_remove.of_mut(kind).push(entry(kind, gtin.as_str(), value));
        Ok(())
    }

    /// Queues a claim key for the brand's `keys` list: online revocation
    /// without the offline masters re-signing the keyset.
    pub fn revoke_key_online(&mut self, brand_id: &str, kid: u16) -> Result<(), AuthorityError> {
        self.brand_feed(brand_id)?.pending_add.keys.push(kid);
        Ok(())
    }

    /// Signs pending changes as deltas (and bases when due), then writes the
    /// whole feed under `dir` with a timestamp valid for `ttl` seconds.
    pub fn publish(
        &mut self,
        dir: &Path,
        now: u64,
        ttl: u64,
        force_base: bool,
    ) -> std::io::Result<PublishReport> {
        self.publish_folding(dir, now, ttl, force_base, &mut BTreeMap::new())
    }

    /// [`Authority::publish`], and for each brand in `universes` its lists
    /// folded into exact filters over those closed keys' serials, with a new
    /// delta (empty if nothing is pending: filters and base get paths no CDN
    /// has cached) and a base at it that leaves out what the filters answer.
    pub fn publish_folding(
        &mut self,
        dir: &Path,
        now: u64,
        ttl: u64,
        force_base: bool,
        universes: &mut BTreeMap<String, Vec<Universe>>,
    ) -> std::io::Result<PublishReport> {
        self.check_prefixes().map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut report = PublishReport::default();
        let revokers: BTreeMap<String, KeyRef> = self
            .brands
            .iter()
            .filter_map(|(id, b)| Some((id.clone(), b.revoker_keys.first()?.clone())))
            .collect();
        let token = self.token.clone();
        let other = |e: AuthorityError| std::io::Error::other(e.to_string());
        let mut newly_folded: Vec<(String, u16)> = Vec::new();
        for (brand_id, feed) in self.feed.revocations.iter_mut() {
            let Some(revoker) = revokers.get(brand_id) else { continue };
            let revoker = std::slice::from_ref(revoker);
            let fold = universes.remove(brand_id);
            // A delta cannot take an entry out of a filter: reinstating one
            // waits for the next fold.
            if fold.is_none()
                && let Some(filter) = &feed.filter
                && ListKind::ALL.iter().any(|k| {
                    feed.pending_remove.of(*k).iter().any(|e| filter.covered.of(*k).binary_search(e).is_ok())
                })
            {
                return Err(std::io::Error::other(format!(
                    "brand '{brand_id}': a reinstated entry is answered by the filters of base {}; \
                     publish with --fold to rebuild them",
                    filter.seq
                )));
            }
            if fold.is_some() || !feed.pending_add.is_empty() || !feed.pending_remove.is_empty() {
                let delta = RevocationDelta {
                    brand_id: brand_id.clone(),
                    seq: feed.seq + 1,
                    prev_head: feed.head,
                    issued_at: now,
                    add: std::mem::take(&mut feed.pending_add),
                    remove: std::mem::take(&mut feed.pending_remove),
                };
                let env = seal_with(token.as_deref(), DELTA_TYPE, &delta, revoker, 1).map_err(other)?;
                feed.head = next_head(&feed.head, &env.payload);
                feed.seq = delta.seq;
                feed.issued_at = now;
                merge(&mut feed.current, &delta.add, &delta.remove);
                let entries = delta.add.len() + delta.remove.len();
                report.deltas.push(ListFile { brand_id: brand_id.clone(), seq: delta.seq, entries });
                feed.deltas.push(ByteBuf::from(env.encode()));
            }
            let folding = fold.is_some();
            if let Some(fold) = fold {
                let folded = crate::filters::fold(fold, &feed.current);
                feed.filter = match folded.filter {
                    Some(filter) => {
                        let doc = RevocationFilterDoc {
                            brand_id: brand_id.clone(),
                            seq: feed.seq,
                            issued_at: now,
                            filter: filter.encode(),
                        };
                        let env =
                            seal_with(token.as_deref(), FILTER_TYPE, &doc, revoker, 1).map_err(other)?;
                        report.filters.push(FilterFile {
                            brand_id: brand_id.clone(),
                            seq: feed.seq,
                            bytes: doc.filter.len(),
                            blocks: folded.blocks.len(),
                            covered: folded.covered.len(),
                        });
                        let envelope = env.encode();
                        // A filter phones would refuse freezes the brand's revocations.
                        let blocks = folded.blocks.len();
                        if blocks > genuine_format::filter::MAX_BLOCKS
                            || envelope.len() as u64 > genuine_format::feed::caps::FILTER
                        {
                            return Err(std::io::Error::other(format!(
                                "brand '{brand_id}': filters of {blocks} blocks and {} bytes are over what phones \
                                 take ({} blocks, {} MiB): fold fewer keys",
                                doc.filter.len(),
                                genuine_format::filter::MAX_BLOCKS,
                                genuine_format::feed::caps::FILTER >> 20
                            )));
                        }
                        // The brand's record of folded keys is a set: a key's two blocks count once.
                        newly_folded.extend(folded.blocks.iter().map(|b| (brand_id.clone(), b.kid)));
                        Some(PublishedFilter {
                            seq: feed.seq,
                            envelope: ByteBuf::from(envelope),
                            covered: folded.covered,
                        })
                    }
                    None => None,
                };
            }
            let due = feed.seq > 0 && feed.seq % BASE_EVERY == 0;
            // A fold's base says which filters it leaves out.
            if (due || force_base || folding) && feed.base.as_ref().is_none_or(|(s, _)| *s < feed.seq) {
                let lists = match &feed.filter {
                    Some(f) => crate::filters::without(&feed.current, &f.covered),
                    None => feed.current.clone(),
                };
                let base = RevocationBase {
                    brand_id: brand_id.clone(),
                    seq: feed.seq,
                    head: feed.head,
                    issued_at: now,
                    lists,
                    filter_seq: feed.filter.as_ref().map(|f| f.seq),
                };
                let env = seal_with(token.as_deref(), BASE_TYPE, &base, revoker, 1).map_err(other)?;
                feed.base = Some((feed.seq, ByteBuf::from(env.encode())));
                let entries = base.lists.len();
                report.bases.push(ListFile { brand_id: brand_id.clone(), seq: feed.seq, entries });
            }
        }
        for (brand_id, kid) in newly_folded {
            if let Some(brand) = self.brands.get_mut(&brand_id) {
                brand.folded.insert(kid);
            }
        }
        self.feed.version += 1;
        report.version = self.feed.version;
        report.files = self.write_feed(dir, now, ttl)?;
        self.mark_published();
        Ok(report)
    }

    fn write_feed(&self, dir: &Path, now: u64, ttl: u64) -> std::io::Result<usize> {
        let mut files = 0;
        let mut write = |path: String, bytes: &[u8]| -> std::io::Result<()> {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // Write then rename: a reader never sees half a file.
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)?;
            files += 1;
            Ok(())
        };
        let other = |e: AuthorityError| std::io::Error::other(e.to_string());
        let bundle = self.bundle().map_err(other)?;
        for env in &bundle.roots {
            // Our own roots, signed by this authority: read without a check.
            let root: genuine_format::trust::RootDocument = ciborium::from_reader(env.payload.as_slice())
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            write(paths::root(u64::from(root.version)), &env.encode())?;
        }
        let root_meta = FileMeta::of(
            u64::from(self.root.version),
            &bundle.roots.last().map(|e| e.encode()).unwrap_or_default(),
        );
        let mut snapshot = Snapshot {
            version: self.feed.version,
            issued_at: now,
            root: root_meta,
            brands: BTreeMap::new(),
            keysets: BTreeMap::new(),
            revocations: BTreeMap::new(),
        };
        for ((id, brand), (record, keyset)) in
            self.brands.iter().zip(bundle.brands.iter().zip(&bundle.keysets))
        {
            let (record, keyset) = (record.encode(), keyset.encode());
            write(paths::brand(id, u64::from(brand.record.version)), &record)?;
            write(paths::keyset(id, u64::from(brand.keyset.version)), &keyset)?;
            snapshot.brands.insert(id.clone(), FileMeta::of(u64::from(brand.record.version), &record));
            snapshot.keysets.insert(id.clone(), FileMeta::of(u64::from(brand.keyset.version), &keyset));
        }
        for (id, feed) in &self.feed.revocations {
            for (i, delta) in feed.deltas.iter().enumerate() {
                write(paths::delta(id, i as u64 + 1), delta)?;
            }
            if let Some((seq, base)) = &feed.base {
                write(paths::base(id, *seq), base)?;
            }
            if let Some(f) = &feed.filter {
                write(paths::filter(id, f.seq), &f.envelope)?;
            }
            let base_seq = feed.base.as_ref().map_or(0, |(s, _)| *s);
            let filter = feed.filter.as_ref().map(|f| FileMeta::of(f.seq, &f.envelope));
            let meta = RevocationMeta {
                seq: feed.seq,
                head: feed.head,
                base_seq,
                issued_at: feed.issued_at,
                filter,
            };
            snapshot.revocations.insert(id.clone(), meta);
        }
        let ts_keys = &self.timestamp_keys;
        let snapshot_bytes = seal_with(self.token(), SNAPSHOT_TYPE, &snapshot, ts_keys, ts_keys.len())
            .map_err(other)?
            .encode();
        write(paths::snapshot(snapshot.version), &snapshot_bytes)?;
        let timestamp = Timestamp {
            version: self.feed.version,
            issued_at: now,
            expires: now + ttl,
            snapshot: FileMeta::of(snapshot.version, &snapshot_bytes),
        };
        let timestamp =
            seal_with(self.token(), TIMESTAMP_TYPE, &timestamp, ts_keys, ts_keys.len()).map_err(other)?;
        write(paths::timestamp(), &timestamp.encode())?;
        Ok(files)
    }
}
