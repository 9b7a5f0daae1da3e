//! One brand's part of a sync: its record and keyset, and its revocation
//! chain, all checked; any refusal here concerns that brand alone.

use crate::counted::{Counted, envelope, untrusted};
use crate::error::{RevocationChange, SyncError};
use crate::fetch::Fetch;
use crate::limits::MAX_DELTA_RUN;
use genuine_format::UnixTime;
use genuine_format::envelope::Envelope;
use genuine_format::feed::{
    BASE_TYPE, DELTA_TYPE, FILTER_TYPE, FileMeta, RevocationBase, RevocationDelta, RevocationFilterDoc,
    RevocationMeta, Snapshot, caps, paths,
};
use genuine_format::filter::RevocationFilter;
use genuine_format::revocation::{genesis, next_head};
use genuine_format::trust::{BrandRecord, RootDocument, check_count, check_time};
use genuine_state::{ChainHead, ChainWrite, FeedState, FilterChange, FilterWrite, ListsDelta};

/// One brand's checked revocation work, and how to report it.
pub(crate) struct ChainPlan {
    pub(crate) write: ChainWrite,
    pub(crate) change: RevocationChange,
}

/// One brand's new documents and revocation work, all checked.
pub(crate) struct BrandFetch {
    pub(crate) record: Option<Envelope>,
    pub(crate) keyset: Option<Envelope>,
    pub(crate) chain: Option<ChainPlan>,
}

/// A brand document the snapshot lists: `None` if ours is that version.
pub(crate) fn fetch_document<F: Fetch>(
    feed: &Counted<'_, F>,
    kind: &str,
    path: String,
    listed: Option<&FileMeta>,
    ours: Option<(u64, &Envelope)>,
    cap: u64,
) -> Result<Option<Envelope>, SyncError> {
    let Some(meta) = listed else { return Ok(None) };
    match ours {
        Some((v, _)) if meta.version < v => {
            Err(SyncError::Rollback(format!("{kind} v{} after v{v}", meta.version)))
        }
        Some((v, env)) if meta.version == v => match meta.matches(&env.encode()) {
            true => Ok(None),
            false => Err(SyncError::MixAndMatch(format!("{kind} v{v} differs from ours"))),
        },
        _ => feed.vouched(&path, meta, cap).map(Some),
    }
}

pub(crate) fn fetch_brand<F: Fetch>(
    feed: &Counted<'_, F>,
    known: &FeedState,
    snapshot: &Snapshot,
    root: &RootDocument,
    id: &str,
) -> Result<BrandFetch, SyncError> {
    let held_record = known.held.brand(id);
    let held_keyset = known.held.keyset(id);
    let meta = snapshot.brands.get(id);
    let path = paths::brand(id, meta.map_or(0, |m| m.version));
    let ours = held_record.map(|d| (u64::from(d.doc.version), &d.envelope));
    let record = fetch_document(feed, &format!("brand record '{id}'"), path, meta, ours, caps::BRAND)?;
    let meta = snapshot.keysets.get(id);
    let path = paths::keyset(id, meta.map_or(0, |m| m.version));
    let ours = held_keyset.map(|d| (u64::from(d.doc.version), &d.envelope));
    let keyset = fetch_document(feed, &format!("keyset '{id}'"), path, meta, ours, caps::KEYSET)?;
    // The record whose revoker keys check the chain: the new one, verified
    // now, or the one we hold (verified again as it was loaded).
    let trusted = match (&record, held_record) {
        (Some(env), _) => Some(
            BrandRecord::open(env, root)
                .map_err(|source| SyncError::Untrusted { what: paths::brand(id, 0), source })?,
        ),
        (None, Some(held)) => Some(held.doc.clone()),
        (None, None) => None,
    };
    let chain = match (snapshot.revocations.get(id), &trusted) {
        (Some(meta), Some(brand)) => fetch_chain(feed, known, brand, meta)?,
        (Some(_), None) => {
            return Err(SyncError::MixAndMatch(format!("revocations for unknown brand '{id}'")));
        }
        (None, _) => None,
    };
    Ok(BrandFetch { record, keyset, chain })
}

pub(crate) fn fetch_chain<F: Fetch>(
    feed: &Counted<'_, F>,
    known: &FeedState,
    brand: &BrandRecord,
    meta: &RevocationMeta,
) -> Result<Option<ChainPlan>, SyncError> {
    let id = &brand.brand_id;
    let ChainHead { seq: ours, mut head, filter_seq } =
        known.chains.get(id).copied().unwrap_or(ChainHead { seq: 0, head: genesis(id), filter_seq: 0 });
    if meta.seq < ours {
        return Err(SyncError::Rollback(format!("revocations of '{id}' at seq {} after {ours}", meta.seq)));
    }
    // Newer filters come with a base that leaves out what they answer: the
    // phone takes both (and the deltas after), whatever seq it is at.
    let new_filter = match &meta.filter {
        Some(f) if f.version < filter_seq => {
            return Err(SyncError::Rollback(format!(
                "filters of '{id}' of base {} after {filter_seq}",
                f.version
            )));
        }
        Some(f) if f.version > filter_seq => Some(f),
        _ => None,
    };
    // Filters the snapshot no longer names go with a base whose lists are
    // complete again: a phone that holds them takes that base.
    let drop_filter = meta.filter.is_none() && filter_seq > 0;
    if meta.seq == ours && new_filter.is_none() && !drop_filter {
        return if meta.head == head {
            Ok(None)
        } else {
            Err(SyncError::Fork(format!("'{id}' seq {ours} has another head")))
        };
    }
    // The revoker may only revoke, and only for its own brand.
    let revokers = (&brand.revoker_keys, 1);
    let mut plan = ChainPlan {
        write: ChainWrite {
            brand_id: id.clone(),
            base: None,
            deltas: Vec::new(),
            seq: meta.seq,
            head: meta.head,
            signed_at: UnixTime::from_secs(meta.issued_at),
            filter: FilterChange::Keep,
        },
        change: RevocationChange {
            brand_id: id.clone(),
            from_seq: ours,
            to_seq: meta.seq,
            used_base: false,
            entries: 0,
        },
    };
    let mut seq = ours;
    // A first sync, or a long gap, starts from the newest base.
    if new_filter.is_some()
        || drop_filter
        || (meta.base_seq > ours && (ours == 0 || meta.seq - ours > MAX_DELTA_RUN))
    {
        let path = paths::base(id, meta.base_seq);
        let env = envelope(&path, &feed.required(&path, caps::BASE)?)?;
        let base: RevocationBase = env.open(BASE_TYPE, revokers.0, revokers.1).map_err(untrusted(&path))?;
        check_count("revocation base", "seq", base.seq)
            .and(check_time("revocation base", "issued_at", base.issued_at))
            .map_err(|source| SyncError::Untrusted { what: path.clone(), source })?;
        if base.brand_id != *id || base.seq != meta.base_seq {
            return Err(SyncError::MixAndMatch(format!(
                "{path} is for '{}' seq {}",
                base.brand_id, base.seq
            )));
        }
        plan.change.entries += base.lists.len();
        plan.change.used_base = true;
        // The base names the filters its lists leave out: those the
        // snapshot names, or none.
        let named = meta.filter.as_ref().map(|f| f.version);
        if base.filter_seq != named {
            return Err(SyncError::MixAndMatch(format!(
                "{path} leaves out filters {:?}, the snapshot names {named:?}",
                base.filter_seq
            )));
        }
        plan.write.filter = match (new_filter, base.filter_seq) {
            (Some(f), _) => FilterChange::Set(fetch_filter(feed, brand, f)?),
            (None, Some(_)) => FilterChange::Keep,
            (None, None) => FilterChange::Clear,
        };
        plan.write.base = Some(base.lists);
        head = base.head;
        seq = base.seq;
    }
    while seq < meta.seq {
        let path = paths::delta(id, seq + 1);
        let env = envelope(&path, &feed.required(&path, caps::DELTA)?)?;
        let delta: RevocationDelta =
            env.open(DELTA_TYPE, revokers.0, revokers.1).map_err(untrusted(&path))?;
        check_time("revocation delta", "issued_at", delta.issued_at)
            .map_err(|source| SyncError::Untrusted { what: path.clone(), source })?;
        if delta.brand_id != *id || delta.seq != seq + 1 {
            return Err(SyncError::MixAndMatch(format!(
                "{path} is for '{}' seq {}",
                delta.brand_id, delta.seq
            )));
        }
        if delta.prev_head != head {
            return Err(SyncError::Fork(format!("{path} does not continue the chain we hold")));
        }
        head = next_head(&head, &env.payload);
        plan.change.entries += delta.add.len() + delta.remove.len();
        plan.write.deltas.push(ListsDelta { add: delta.add, remove: delta.remove });
        seq += 1;
    }
    if head != meta.head {
        return Err(SyncError::MixAndMatch(format!(
            "revocations of '{id}' end at another head than the snapshot's"
        )));
    }
    Ok(Some(plan))
}

/// The filters of base `meta.version`: vouched for by hash and length in the
/// snapshot, signed by the brand's revokers, and decoded once here, so a
/// store writes only filters that answer.
fn fetch_filter<F: Fetch>(
    feed: &Counted<'_, F>,
    brand: &BrandRecord,
    meta: &FileMeta,
) -> Result<FilterWrite, SyncError> {
    let id = &brand.brand_id;
    let path = paths::filter(id, meta.version);
    let env = feed.vouched(&path, meta, caps::FILTER)?;
    let doc: RevocationFilterDoc = env.open(FILTER_TYPE, &brand.revoker_keys, 1).map_err(untrusted(&path))?;
    check_time("revocation filter", "issued_at", doc.issued_at)
        .map_err(|source| SyncError::Untrusted { what: path.clone(), source })?;
    if doc.brand_id != *id || doc.seq != meta.version {
        return Err(SyncError::MixAndMatch(format!("{path} is for '{}' base {}", doc.brand_id, doc.seq)));
    }
    RevocationFilter::decode(&doc.filter).map_err(|e| SyncError::MixAndMatch(format!("{path}: {e}")))?;
    Ok(FilterWrite { seq: doc.seq, bytes: doc.filter })
}
