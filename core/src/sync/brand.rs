//! One brand's part of a sync: its record and keyset, and its revocation
//! chain, all checked; any refusal here concerns that brand alone.

use super::*;

/// One brand's checked revocation work.
pub(super) struct ChainPlan {
    pub(super) brand_id: String,
    pub(super) base: Option<RevocationLists>,
    pub(super) deltas: Vec<(RevocationLists, RevocationLists)>,
    pub(super) meta: RevocationMeta,
    pub(super) change: RevocationChange,
}

/// One brand's new documents and revocation work, all checked.
pub(super) struct BrandFetch {
    pub(super) record: Option<Envelope>,
    pub(super) keyset: Option<Envelope>,
    pub(super) chain: Option<ChainPlan>,
}

/// A brand document the snapshot lists: `None` if ours is that version.
pub(super) fn fetch_document<F: Fetch>(
    feed: &Counted<'_, F>,
    kind: &str,
    path: String,
    listed: Option<&FileMeta>,
    ours: Option<&(u64, Vec<u8>)>,
    cap: u64,
) -> Result<Option<Envelope>, SyncError> {
    let Some(meta) = listed else { return Ok(None) };
    match ours {
        Some((v, _)) if meta.version < *v => {
            Err(SyncError::Rollback(format!("{kind} v{} after v{v}", meta.version)))
        }
        Some((v, bytes)) if meta.version == *v => match meta.matches(bytes) {
            true => Ok(None),
            false => Err(SyncError::MixAndMatch(format!("{kind} v{v} differs from ours"))),
        },
        _ => feed.vouched(&path, meta, cap).map(Some),
    }
}

pub(super) fn fetch_brand<F: Fetch>(
    feed: &Counted<'_, F>,
    known: &Known,
    snapshot: &Snapshot,
    root: &RootDocument,
    id: &str,
) -> Result<BrandFetch, SyncError> {
    type Listed = BTreeMap<String, FileMeta>;
    type Ours = BTreeMap<String, (u64, Vec<u8>)>;
    let document = |kind: &str, listed: &Listed, ours: &Ours, cap: u64, path: fn(&str, u64) -> String| {
        let meta = listed.get(id);
        let path = path(id, meta.map_or(0, |m| m.version));
        fetch_document(feed, &format!("{kind} '{id}'"), path, meta, ours.get(id), cap)
    };
    let record = document("brand record", &snapshot.brands, &known.brands, caps::BRAND, paths::brand)?;
    let keyset = document("keyset", &snapshot.keysets, &known.keysets, caps::KEYSET, paths::keyset)?;
    // The record whose revoker keys check the chain: the new one, verified
    // now, or the one we hold (verified when it was imported).
    let trusted = match (&record, known.brands.get(id)) {
        (Some(env), _) => Some(
            BrandRecord::open(env, root)
                .map_err(|source| SyncError::Untrusted { what: paths::brand(id, 0), source })?,
        ),
        (None, Some((_, bytes))) => Some(
            envelope("stored brand record", bytes)?
                .decode_payload()
                .map_err(|e| SyncError::Store(StoreError::Corrupt(e.to_string())))?,
        ),
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

pub(super) fn fetch_chain<F: Fetch>(
    feed: &Counted<'_, F>,
    known: &Known,
    brand: &BrandRecord,
    meta: &RevocationMeta,
) -> Result<Option<ChainPlan>, SyncError> {
    let id = &brand.brand_id;
    let (ours, mut head) = known.chains.get(id).copied().unwrap_or((0, genesis(id)));
    if meta.seq < ours {
        return Err(SyncError::Rollback(format!("revocations of '{id}' at seq {} after {ours}", meta.seq)));
    }
    if meta.seq == ours {
        return if meta.head == head {
            Ok(None)
        } else {
            Err(SyncError::Fork(format!("'{id}' seq {ours} has another head")))
        };
    }
    // The revoker may only revoke, and only for its own brand.
    let revokers = (&brand.revoker_keys, 1);
    let mut plan = ChainPlan {
        brand_id: id.clone(),
        base: None,
        deltas: Vec::new(),
        meta: meta.clone(),
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
    if meta.base_seq > ours && (ours == 0 || meta.seq - ours > MAX_DELTA_RUN) {
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
        plan.base = Some(base.lists);
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
        plan.deltas.push((delta.add, delta.remove));
        seq += 1;
    }
    if head != meta.head {
        return Err(SyncError::MixAndMatch(format!(
            "revocations of '{id}' end at another head than the snapshot's"
        )));
    }
    Ok(Some(plan))
}
