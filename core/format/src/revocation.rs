//! Revocation entries and lists.
//!
//! An entry is the first 8 bytes of SHA-256 over a domain-separated
//! (GTIN-14, serial) or (GTIN-14, batch) — never a hash of a signature, so a
//! copied code with a re-encoded `sig` is still the same code. Deltas form a
//! hash chain: `head = SHA-256(prev_head | delta payload)`, starting from a
//! brand-specific genesis head.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A chain head: 32 bytes.
pub type Head = [u8; 32];

/// A revocation entry: 8 bytes of a domain-separated SHA-256.
pub type Entry = u64;

/// Which list an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKind {
    /// Codes the brand revoked (by GTIN + serial).
    Revoked = 0,
    /// Batches recalled (by GTIN + batch).
    Recalled = 1,
    /// Codes seen copied onto other items (by GTIN + serial).
    Cloned = 2,
}

impl ListKind {
    /// Every kind of entry list.
    pub const ALL: [ListKind; 3] = [ListKind::Revoked, ListKind::Recalled, ListKind::Cloned];

    fn domain(self) -> &'static [u8] {
        match self {
            ListKind::Revoked => b"genuine/revoked/v1\0",
            ListKind::Recalled => b"genuine/recalled/v1\0",
            ListKind::Cloned => b"genuine/cloned/v1\0",
        }
    }
}

/// The entry for a GTIN-14 and a serial (revoked, cloned) or batch (recalled).
pub fn entry(kind: ListKind, gtin14: &str, value: &str) -> Entry {
    let mut h = Sha256::new();
    h.update(kind.domain());
    h.update(gtin14.as_bytes());
    h.update([0x1D]);
    h.update(value.as_bytes());
    let digest = h.finalize();
    u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

/// The head a brand's chain starts from (seq 0).
pub fn genesis(brand_id: &str) -> Head {
    let mut h = Sha256::new();
    h.update(b"genuine/revocations/v1\0");
    h.update(brand_id.as_bytes());
    h.finalize().into()
}

/// The head after a delta whose signed payload is `payload`.
pub fn next_head(prev: &Head, payload: &[u8]) -> Head {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(payload);
    h.finalize().into()
}

/// Entries packed as big-endian 8-byte values in one byte string: 8 bytes an
/// entry on the wire (a CBOR array of byte strings would cost 9 and more).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries(pub Vec<Entry>);

impl Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = self.0.iter().flat_map(|e| e.to_be_bytes()).collect();
        serde_bytes::Bytes::new(&bytes).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(d)?;
        if bytes.len() % 8 != 0 {
            return Err(serde::de::Error::custom("entries must be 8 bytes each"));
        }
        Ok(Entries(
            bytes.chunks_exact(8).map(|c| u64::from_be_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
        ))
    }
}

/// A brand's lists (or the additions/removals of a delta).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationLists {
    /// Revoked codes.
    pub revoked: Entries,
    /// Recalled batches.
    pub recalled: Entries,
    /// Cloned codes.
    pub cloned: Entries,
    /// Revoked claim keys (kids of this brand).
    pub keys: Vec<u16>,
}

impl RevocationLists {
    /// The entries of one kind.
    pub fn of(&self, kind: ListKind) -> &[Entry] {
        match kind {
            ListKind::Revoked => &self.revoked.0,
            ListKind::Recalled => &self.recalled.0,
            ListKind::Cloned => &self.cloned.0,
        }
    }

    /// The entries of one kind, mutably.
    pub fn of_mut(&mut self, kind: ListKind) -> &mut Vec<Entry> {
        match kind {
            ListKind::Revoked => &mut self.revoked.0,
            ListKind::Recalled => &mut self.recalled.0,
            ListKind::Cloned => &mut self.cloned.0,
        }
    }

    /// Number of entries of every kind, keys included.
    pub fn len(&self) -> usize {
        ListKind::ALL.iter().map(|k| self.of(*k).len()).sum::<usize>() + self.keys.len()
    }

    /// Nothing at all?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_domain_separated() {
        let a = entry(ListKind::Revoked, "09506000134352", "ABC");
        assert_ne!(a, entry(ListKind::Cloned, "09506000134352", "ABC"));
        assert_ne!(a, entry(ListKind::Revoked, "09506000134352", "ABD"));
        assert_ne!(entry(ListKind::Revoked, "0950600013435", "2ABC"), a);
        assert_eq!(a, entry(ListKind::Revoked, "09506000134352", "ABC"));
    }

    #[test]
    fn entries_round_trip_through_cbor() {
        let lists =
            RevocationLists { revoked: Entries(vec![1, u64::MAX]), keys: vec![3], ..Default::default() };
        let mut bytes = Vec::new();
        ciborium::into_writer(&lists, &mut bytes).unwrap();
        let back: RevocationLists = ciborium::from_reader(bytes.as_slice()).unwrap();
        assert_eq!(back, lists);
    }
}
