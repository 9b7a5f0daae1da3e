//! The trust bundle: one file with everything needed to verify offline from
//! the first launch — root documents, brand records and keysets, each still in
//! its signed envelope. The bundle itself is not signed; every part is.

use crate::envelope::{Envelope, EnvelopeError};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Format tag of a v1 bundle.
pub const BUNDLE_FORMAT: &str = "genuine/bundle/v1";
/// Largest bundle accepted.
pub const MAX_BUNDLE_LEN: usize = 8 << 20;
/// Largest root document.
pub const MAX_ROOT_LEN: usize = 64 << 10;
/// Largest brand record.
pub const MAX_BRAND_LEN: usize = 64 << 10;
/// Largest keyset.
pub const MAX_KEYSET_LEN: usize = 1 << 20;
/// Most documents of each kind in a bundle.
pub const MAX_DOCUMENTS: usize = 4096;
/// Most root documents in a bundle: each is checked against each root the
/// import trusts (signature verifications every time), and a real chain of
/// rotations is short, so a hostile bundle of thousands of roots is refused
/// before it can cost minutes.
pub const MAX_ROOTS: usize = 64;

/// Why a bundle cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Over [`MAX_BUNDLE_LEN`].
    #[error("bundle is {0} bytes, over the cap")]
    TooLarge(usize),
    /// Not a CBOR bundle, or of another format.
    #[error("not a Genuine trust bundle")]
    NotABundle,
    /// More than [`MAX_DOCUMENTS`] of a kind.
    #[error("too many documents")]
    TooManyDocuments,
    /// One of its envelopes.
    #[error("{kind} #{index}: {source}")]
    Envelope {
        /// Which list.
        kind: &'static str,
        /// Position in it.
        index: usize,
        /// The problem.
        source: EnvelopeError,
    },
}

#[derive(Serialize, Deserialize)]
struct Wire {
    format: String,
    roots: Vec<ByteBuf>,
    brands: Vec<ByteBuf>,
    keysets: Vec<ByteBuf>,
}

/// A decoded bundle: envelopes whose signatures are not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustBundle {
    /// Root documents, any order.
    pub roots: Vec<Envelope>,
    /// Brand records.
    pub brands: Vec<Envelope>,
    /// Keysets.
    pub keysets: Vec<Envelope>,
}

impl TrustBundle {
    /// Decodes a bundle, with size caps on the whole and on each part.
    pub fn decode(bytes: &[u8]) -> Result<TrustBundle, BundleError> {
        if bytes.len() > MAX_BUNDLE_LEN {
            return Err(BundleError::TooLarge(bytes.len()));
        }
        let wire: Wire = ciborium::from_reader(bytes).map_err(|_| BundleError::NotABundle)?;
        if wire.format != BUNDLE_FORMAT {
            return Err(BundleError::NotABundle);
        }
        if wire.roots.len() > MAX_ROOTS {
            return Err(BundleError::TooManyDocuments);
        }
        let open = |kind: &'static str, list: Vec<ByteBuf>, cap: usize| {
            if list.len() > MAX_DOCUMENTS {
                return Err(BundleError::TooManyDocuments);
            }
            list.iter()
                .enumerate()
                .map(|(index, b)| {
                    Envelope::decode(b, cap).map_err(|source| BundleError::Envelope { kind, index, source })
                })
                .collect()
        };
        Ok(TrustBundle {
            roots: open("root", wire.roots, MAX_ROOT_LEN)?,
            brands: open("brand record", wire.brands, MAX_BRAND_LEN)?,
            keysets: open("keyset", wire.keysets, MAX_KEYSET_LEN)?,
        })
    }

    /// Encodes the bundle.
    pub fn encode(&self) -> Vec<u8> {
        let list = |l: &[Envelope]| l.iter().map(|e| ByteBuf::from(e.encode())).collect();
        let wire = Wire {
            format: BUNDLE_FORMAT.to_string(),
            roots: list(&self.roots),
            brands: list(&self.brands),
            keysets: list(&self.keysets),
        };
        let mut out = Vec::new();
        ciborium::into_writer(&wire, &mut out).expect("writing CBOR to a Vec cannot fail");
        out
    }
}
