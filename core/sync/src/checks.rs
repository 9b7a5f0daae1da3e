//! Range checks on the numbers of the feed's own documents (timestamp,
//! snapshot): a number too large for the store is refused before anything
//! acts on it (security review finding 3).

use crate::error::SyncError;
use crate::limits::MAX_TIMESTAMP_LIFETIME;
use genuine_format::feed::{Snapshot, Timestamp};
use genuine_format::trust::{TrustError, check_count, check_time};

/// A timestamp's times must be in range and its lifetime short: it is the
/// one document whose signed time this device acts on.
pub(crate) fn check_timestamp_numbers(ts: &Timestamp) -> Result<(), SyncError> {
    let checked = (|| {
        check_time("timestamp", "issued_at", ts.issued_at)?;
        check_time("timestamp", "expires", ts.expires)?;
        check_count("timestamp", "version", ts.version)?;
        check_count("timestamp", "snapshot version", ts.snapshot.version)?;
        match ts.expires.checked_sub(ts.issued_at) {
            Some(life) if life > 0 && life <= MAX_TIMESTAMP_LIFETIME => Ok(()),
            _ => Err(TrustError::Invalid {
                kind: "timestamp",
                why: format!("a timestamp must live more than 0 s and at most {MAX_TIMESTAMP_LIFETIME} s"),
            }),
        }
    })();
    checked.map_err(|source| SyncError::Untrusted { what: "timestamp".into(), source })
}

/// Every number of a snapshot in range, before any of it is acted on.
pub(crate) fn check_snapshot_numbers(snapshot: &Snapshot) -> Result<(), TrustError> {
    check_count("snapshot", "version", snapshot.version)?;
    check_time("snapshot", "issued_at", snapshot.issued_at)?;
    check_count("snapshot", "root version", snapshot.root.version)?;
    for meta in snapshot.brands.values().chain(snapshot.keysets.values()) {
        check_count("snapshot", "document version", meta.version)?;
    }
    for meta in snapshot.revocations.values() {
        check_count("snapshot", "revocation seq", meta.seq)?;
        check_count("snapshot", "revocation base seq", meta.base_seq)?;
        check_time("snapshot", "revocation issued_at", meta.issued_at)?;
    }
    Ok(())
}
