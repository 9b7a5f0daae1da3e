//! The sync's plan, in TUF's order: roots, timestamp, snapshot, then each
//! brand's documents and revocation chain; then what of it the store may
//! admit. Everything is fetched and checked before anything is written.

use crate::brand::fetch_brand;
use crate::checks::{check_snapshot_numbers, check_timestamp_numbers};
use crate::counted::{Counted, envelope, untrusted};
use crate::error::{RefusedBrand, SyncError, SyncReport};
use crate::fetch::{CancelToken, Fetch, Fetched};
use crate::limits::MAX_ROOT_STEPS;
use genuine_format::UnixTime;
use genuine_format::admit::{AdmitError, admit};
use genuine_format::bundle::TrustBundle;
use genuine_format::feed::{SNAPSHOT_TYPE, Snapshot, TIMESTAMP_TYPE, Timestamp, caps, paths};
use genuine_format::trust::{RootDocument, TrustAnchor};
use genuine_state::{FeedState, FeedWrite, TimestampWrite};
use std::sync::atomic::Ordering;

/// Fetches and checks everything a sync needs, from what the store knows,
/// into the one write the store applies (and the report of it).
pub(crate) fn plan(
    known: &FeedState,
    anchor: &TrustAnchor,
    feed: &impl Fetch,
    device_now: UnixTime,
    cancel: &CancelToken,
) -> Result<(FeedWrite, SyncReport), SyncError> {
    let feed = Counted { inner: feed, cancel, bytes: Default::default(), files: Default::default() };
    let feed = &feed;
    let now = device_now.max(known.time_floor);
    let known_root = known.held.root().ok_or(SyncError::Import(AdmitError::NoTrustedRoot))?;

    // 1. Roots: walk v+1, v+2, ... until the feed has no next one.
    let mut root = known_root.clone();
    let mut roots = Vec::new();
    for _ in 0..MAX_ROOT_STEPS {
        let path = paths::root(u64::from(root.version) + 1);
        let bytes = match feed.get(&path, caps::ROOT, None)? {
            Fetched::Body(b, _) => b,
            _ => break,
        };
        let env = envelope(&path, &bytes)?;
        root = RootDocument::open_next(&env, &root)
            .map_err(|source| SyncError::Untrusted { what: path, source })?;
        roots.push(env);
    }
    // A root that replaced the timestamp keys is how the operator recovers
    // from a stolen timestamp key (as in TUF): what the old keys signed —
    // however high its version — no longer holds the feed back.
    let ts_keys_replaced = root.timestamp_keys != known_root.timestamp_keys
        || root.timestamp_threshold != known_root.timestamp_threshold;
    let (known_ts_version, known_ts_bytes, known_ts_etag) = if ts_keys_replaced {
        (None, None, None)
    } else {
        (known.timestamp_version, known.timestamp_bytes.as_deref(), known.timestamp_etag.as_deref())
    };

    // 2. Timestamp: freshness, signed by the root's timestamp keys.
    let ts_keys = (&root.timestamp_keys, usize::from(root.timestamp_threshold));
    let (ts_bytes, ts_etag, not_modified) =
        match feed.get(&paths::timestamp(), caps::TIMESTAMP, known_ts_etag)? {
            Fetched::Body(b, etag) => (b, etag, false),
            Fetched::NotModified => match known_ts_bytes {
                Some(b) => (b.to_vec(), known.timestamp_etag.clone(), true),
                None => return Err(SyncError::Missing(paths::timestamp())),
            },
            Fetched::NotFound => return Err(SyncError::Missing(paths::timestamp())),
        };
    let timestamp: Timestamp = envelope("timestamp", &ts_bytes)?
        .open(TIMESTAMP_TYPE, ts_keys.0, ts_keys.1)
        .map_err(untrusted("timestamp"))?;
    check_timestamp_numbers(&timestamp)?;
    let same_timestamp = known_ts_bytes == Some(&ts_bytes[..]);
    // No signer can move the floor or freshness past what this device saw.
    let taken_now = UnixTime::from_secs(timestamp.issued_at).min(device_now);
    let seen_at = if same_timestamp { known.timestamp_seen_at.unwrap_or(taken_now) } else { taken_now };
    // Rollback: never an older timestamp while ours still vouches. Once ours
    // has lapsed (counted from when we accepted it) a valid, unexpired one
    // replaces it whatever its version, so a timestamp key's holder can hold
    // a device back at most one timestamp lifetime.
    let ours_live = known.timestamp_live_until.is_some_and(|until| until > now);
    if let Some(v) = known_ts_version
        && ours_live
        && !same_timestamp
        && timestamp.version <= v
    {
        return Err(SyncError::Rollback(format!("timestamp v{} after v{v}", timestamp.version)));
    }
    if timestamp.expires <= now.as_secs() {
        return Err(SyncError::Freeze { expired_at: timestamp.expires });
    }

    // 3. Snapshot, by the hash and length the timestamp gives.
    let snap_path = paths::snapshot(timestamp.snapshot.version);
    let snapshot_bytes = match &known.snapshot_bytes {
        Some(b) if timestamp.snapshot.matches(b) => b.clone(),
        _ => feed.vouched(&snap_path, &timestamp.snapshot, caps::SNAPSHOT)?.encode(),
    };
    let snapshot: Snapshot = envelope(&snap_path, &snapshot_bytes)?
        .open(SNAPSHOT_TYPE, ts_keys.0, ts_keys.1)
        .map_err(untrusted("snapshot"))?;
    check_snapshot_numbers(&snapshot)
        .map_err(|source| SyncError::Untrusted { what: snap_path.clone(), source })?;
    if snapshot.version != timestamp.snapshot.version {
        return Err(SyncError::MixAndMatch(format!(
            "snapshot v{} named as v{}",
            snapshot.version, timestamp.snapshot.version
        )));
    }
    if snapshot.root.version != u64::from(root.version) {
        return Err(SyncError::MixAndMatch(format!(
            "snapshot names root v{}, the feed's root chain ends at v{}",
            snapshot.root.version, root.version
        )));
    }

    // 4. Each brand on its own: its record, keyset and revocation chain. A
    // brand whose documents are refused is skipped and reported, and every
    // other brand goes on (one brand must never block the others: security
    // review finding 3); network trouble still stops the whole sync.
    let mut bundle = TrustBundle { roots, ..TrustBundle::default() };
    let mut chains = Vec::new();
    let mut refused = Vec::new();
    let ids: std::collections::BTreeSet<&String> =
        snapshot.brands.keys().chain(snapshot.keysets.keys()).chain(snapshot.revocations.keys()).collect();
    for id in ids {
        match fetch_brand(feed, known, &snapshot, &root, id) {
            Ok(brand) => {
                bundle.brands.extend(brand.record);
                bundle.keysets.extend(brand.keyset);
                chains.extend(brand.chain);
            }
            Err(e) if e.concerns_one_brand() => {
                refused.push(RefusedBrand { brand_id: id.clone(), reason: e.to_string() })
            }
            Err(e) => return Err(e),
        }
    }
    if feed.cancel.is_cancelled() {
        return Err(SyncError::Cancelled);
    }

    // 5. What the store may take of the documents: the same admission as a
    // bundle import. A brand it refuses is skipped with its chain, since the
    // chain was checked against the record that was refused.
    let admission = admit(&known.held, anchor, &bundle, now)?;
    refused.extend(
        admission
            .report
            .refused
            .iter()
            .map(|r| RefusedBrand { brand_id: r.brand_id.clone(), reason: r.error.to_string() }),
    );
    let is_refused = |id: &str| refused.iter().any(|r| r.brand_id == id);
    let (chains, revocations): (Vec<_>, Vec<_>) =
        chains.into_iter().filter(|c| !is_refused(&c.write.brand_id)).map(|c| (c.write, c.change)).unzip();
    let fresh_brands = snapshot.brands.keys().filter(|id| !is_refused(id)).cloned().collect();
    let report = SyncReport {
        timestamp_version: timestamp.version,
        not_modified,
        trust: admission.report.clone(),
        revocations,
        bytes_fetched: feed.bytes.load(Ordering::Relaxed),
        files_fetched: feed.files.load(Ordering::Relaxed),
        refused,
    };
    let write = FeedWrite {
        read_at_revision: known.revision,
        admission,
        chains,
        timestamp: TimestampWrite {
            version: timestamp.version,
            issued_at: UnixTime::from_secs(timestamp.issued_at),
            expires: UnixTime::from_secs(timestamp.expires),
            bytes: ts_bytes,
            etag: ts_etag,
            seen_at,
            is_new: !same_timestamp,
        },
        snapshot_bytes,
        fresh_brands,
    };
    Ok((write, report))
}
