//! Signed envelopes in the style of DSSE: a payload type, the payload bytes
//! and signatures over the pre-authenticated encoding (PAE) of both.
//!
//! The payload is only parsed after enough signatures have verified, so a
//! hostile document never reaches the CBOR decoder of its payload type, and
//! the type is inside what is signed, so a keyset can never be replayed as a
//! root or a brand record.

use crate::keys::{KeyId, PublicKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Most signatures one envelope may carry: bounds the work of checking it.
pub const MAX_SIGNATURES: usize = 32;

/// Why an envelope is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Bigger than the cap for its kind.
    #[error("document is {len} bytes, over the {cap}-byte cap")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The cap.
        cap: usize,
    },
    /// Not a CBOR envelope.
    #[error("not a signed envelope")]
    NotAnEnvelope,
    /// More than [`MAX_SIGNATURES`] signatures.
    #[error("too many signatures")]
    TooManySignatures,
    /// The payload type is not the one expected here.
    #[error("payload type is '{found}', expected '{expected}'")]
    WrongPayloadType {
        /// What was expected.
        expected: &'static str,
        /// What the envelope says.
        found: String,
    },
    /// Fewer valid signatures from the allowed keys than the threshold.
    #[error("{valid} valid signature(s), {threshold} needed")]
    BelowThreshold {
        /// Distinct allowed keys whose signature verified.
        valid: usize,
        /// How many are needed.
        threshold: usize,
    },
    /// The payload does not decode as its type, after its signatures verified.
    #[error("signed payload does not decode: {0}")]
    BadPayload(String),
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// Which key signed (see [`PublicKey::key_id`]).
    pub keyid: KeyId,
    /// The Ed25519 signature over the PAE.
    #[serde(with = "serde_bytes")]
    pub sig: [u8; 64],
}

/// A signed document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// What the payload is, e.g. `genuine/root/v1`.
    pub payload_type: String,
    /// The payload: CBOR of the document, kept verbatim.
    #[serde(with = "serde_bytes")]
    pub payload: Vec<u8>,
    /// The signatures.
    pub signatures: Vec<EnvelopeSignature>,
    /// The bytes it was decoded from. Feeds vouch for documents by the hash
    /// of their bytes as published, and a publisher's CBOR need not be
    /// ciborium's (map order, integer widths): re-encoding would turn into a
    /// permanent hash mismatch, so [`Envelope::encode`] gives these back.
    #[serde(skip)]
    raw: Option<std::sync::Arc<[u8]>>,
}

/// Two envelopes are equal when what they say is, however it was encoded.
impl PartialEq for Envelope {
    fn eq(&self, other: &Self) -> bool {
        self.payload_type == other.payload_type
            && self.payload == other.payload
            && self.signatures == other.signatures
    }
}

impl Eq for Envelope {}

/// DSSE's pre-authenticated encoding:
/// `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths in ASCII decimal.
pub(crate) fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

impl Envelope {
    /// Decodes an envelope, refusing anything over `cap` bytes before parsing.
    pub fn decode(bytes: &[u8], cap: usize) -> Result<Envelope, EnvelopeError> {
        if bytes.len() > cap {
            return Err(EnvelopeError::TooLarge { len: bytes.len(), cap });
        }
        let mut env: Envelope = ciborium::from_reader(bytes).map_err(|_| EnvelopeError::NotAnEnvelope)?;
        if env.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::TooManySignatures);
        }
        env.raw = Some(bytes.into());
        Ok(env)
    }

    /// CBOR bytes of the envelope: the very bytes it was decoded from, if it
    /// was decoded and has not been changed since; else ciborium's encoding.
    pub fn encode(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw
            && ciborium::from_reader::<Envelope, _>(&raw[..]).is_ok_and(|decoded| decoded == *self)
        {
            return raw.to_vec();
        }
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out).expect("writing CBOR to a Vec cannot fail");
        out
    }

    /// Counts distinct keys of `keys` with a valid signature; each key counts once,
    /// whatever number of signatures it appears in.
    pub fn count_valid(&self, keys: &[PublicKey]) -> usize {
        let message = pae(&self.payload_type, &self.payload);
        keys.iter()
            .filter(|key| {
                let id = key.key_id();
                self.signatures.iter().any(|s| s.keyid == id && key.verify(&message, &s.sig))
            })
            .count()
    }

    /// Checks the type and that at least `threshold` of `keys` signed;
    /// only then decodes the payload.
    pub fn open<T: DeserializeOwned>(
        &self,
        payload_type: &'static str,
        keys: &[PublicKey],
        threshold: usize,
    ) -> Result<T, EnvelopeError> {
        self.check(payload_type, keys, threshold)?.decode()
    }

    /// Checks the type and the threshold without decoding; the proof it
    /// returns is the only way to the payload.
    pub fn check(
        &self,
        payload_type: &'static str,
        keys: &[PublicKey],
        threshold: usize,
    ) -> Result<Verified<'_>, EnvelopeError> {
        if self.payload_type != payload_type {
            return Err(EnvelopeError::WrongPayloadType {
                expected: payload_type,
                found: self.payload_type.chars().take(64).collect(),
            });
        }
        // A threshold of zero would accept an unsigned document: never.
        let threshold = threshold.max(1);
        let valid = self.count_valid(keys);
        if valid < threshold {
            return Err(EnvelopeError::BelowThreshold { valid, threshold });
        }
        Ok(Verified(self))
    }
}

/// Proof that an envelope's type and a threshold of its signatures checked:
/// only [`Envelope::check`] makes one, and only through it is a payload
/// decoded, so no parser ever reads bytes that nobody trusted signed.
#[derive(Debug, Clone, Copy)]
pub struct Verified<'a>(&'a Envelope);

impl<'a> Verified<'a> {
    /// The envelope that checked.
    pub fn envelope(&self) -> &'a Envelope {
        self.0
    }

    /// Decodes the signed payload.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, EnvelopeError> {
        ciborium::from_reader(self.0.payload.as_slice()).map_err(|e| EnvelopeError::BadPayload(e.to_string()))
    }
}

/// Signs payload bytes with signers that may fail (keys in an HSM), checking
/// every signature before it is returned.
#[cfg(feature = "signing")]
pub fn try_seal_bytes(
    payload_type: &str,
    payload: Vec<u8>,
    signers: &[&dyn crate::keys::signing::Signer],
) -> Result<Envelope, crate::keys::signing::SignError> {
    let mut envelope = Envelope::unsigned_bytes(payload_type, payload);
    for signer in signers {
        envelope.add_signature(*signer)?;
    }
    Ok(envelope)
}

/// [`try_seal_bytes`] of a document's CBOR.
#[cfg(feature = "signing")]
pub fn try_seal<T: Serialize>(
    payload_type: &str,
    document: &T,
    signers: &[&dyn crate::keys::signing::Signer],
) -> Result<Envelope, crate::keys::signing::SignError> {
    let mut payload = Vec::new();
    ciborium::into_writer(document, &mut payload).expect("writing CBOR to a Vec cannot fail");
    try_seal_bytes(payload_type, payload, signers)
}

#[cfg(feature = "signing")]
impl Envelope {
    /// An envelope with no signature yet: a proposal that key holders sign
    /// one by one on their own machines (the root ceremony).
    pub fn unsigned_bytes(payload_type: &str, payload: Vec<u8>) -> Envelope {
        Envelope { payload_type: payload_type.to_string(), payload, signatures: Vec::new(), raw: None }
    }

    /// Adds (or replaces) this signer's signature over the envelope as it is.
    pub fn add_signature(
        &mut self,
        signer: &dyn crate::keys::signing::Signer,
    ) -> Result<(), crate::keys::signing::SignError> {
        let keyid = signer.public().key_id();
        let sig = signer.try_sign(&pae(&self.payload_type, &self.payload))?;
        self.signatures.retain(|s| s.keyid != keyid);
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(crate::keys::signing::SignError(format!(
                "an envelope holds at most {MAX_SIGNATURES} signatures"
            )));
        }
        self.signatures.push(EnvelopeSignature { keyid, sig });
        self.raw = None;
        Ok(())
    }
}

/// Signs payload bytes as they are (brand tooling, and fuzzing: a fuzzer
/// that signs what it chooses reaches the checks behind the signatures).
#[cfg(feature = "signing")]
pub fn seal_bytes(
    payload_type: &str,
    payload: Vec<u8>,
    signers: &[&crate::keys::signing::SecretKey],
) -> Envelope {
    let message = pae(payload_type, &payload);
    let signatures = signers
        .iter()
        .map(|k| EnvelopeSignature { keyid: k.public().key_id(), sig: k.sign(&message) })
        .collect();
    Envelope { payload_type: payload_type.to_string(), payload, signatures, raw: None }
}

/// Signing envelopes, for brand tooling only.
#[cfg(feature = "signing")]
pub fn seal<T: Serialize>(
    payload_type: &str,
    document: &T,
    signers: &[&crate::keys::signing::SecretKey],
) -> Envelope {
    let mut payload = Vec::new();
    ciborium::into_writer(document, &mut payload).expect("writing CBOR to a Vec cannot fail");
    seal_bytes(payload_type, payload, signers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn oversized_and_garbage_envelopes_are_refused() {
        assert!(matches!(Envelope::decode(&[0; 100], 10), Err(EnvelopeError::TooLarge { .. })));
        assert_eq!(Envelope::decode(&[0xff; 100], 1000), Err(EnvelopeError::NotAnEnvelope));
        assert_eq!(Envelope::decode(&[], 1000), Err(EnvelopeError::NotAnEnvelope));
    }
}
