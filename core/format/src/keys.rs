//! Ed25519 public keys, key ids and the one signature check everything uses.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// An Ed25519 public key, 32 bytes as CBOR bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PublicKey(#[serde(with = "serde_bytes")] pub [u8; 32]);

/// A key id: the first 8 bytes of SHA-256 of the public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyId(#[serde(with = "serde_bytes")] pub [u8; 8]);

impl PublicKey {
    /// This key's id.
    pub fn key_id(&self) -> KeyId {
        let digest = Sha256::digest(self.0);
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }

    /// Checks an Ed25519 signature with `verify_strict` (see [`PreparedKey::verify`]).
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        PreparedKey::new(*self).verify(message, signature)
    }

    /// Lower-case hex, for people and JSON.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<PublicKey> {
        let bytes = unhex(s)?;
        Some(PublicKey(bytes.try_into().ok()?))
    }
}

/// A public key decompressed once: keys that verify many codes skip the
/// curve-point decoding (about a tenth of a signature check) each time.
#[derive(Clone, Debug)]
pub struct PreparedKey {
    key: PublicKey,
    /// `None` for bytes that are not a curve point: such a key verifies nothing.
    point: Option<ed25519_dalek::VerifyingKey>,
}

impl PreparedKey {
    /// Decodes the key.
    pub fn new(key: PublicKey) -> PreparedKey {
        PreparedKey { key, point: ed25519_dalek::VerifyingKey::from_bytes(&key.0).ok() }
    }

    /// The key's bytes.
    pub fn public(&self) -> PublicKey {
        self.key
    }

    /// Checks an Ed25519 signature with `verify_strict`.
    ///
    /// `verify_strict` refuses small-order keys and non-canonical signatures,
    /// so a signature cannot be bent into a second valid one, and a weak key
    /// cannot make "any message" verify.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.point.is_some_and(|point| point.verify_strict(message, &sig).is_ok())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", hex(&self.0))
    }
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses hex digits (either case) into bytes.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// Signing, for brand tooling only.
#[cfg(feature = "signing")]
pub mod signing {
    use super::PublicKey;
    use ed25519_dalek::Signer as _;

    /// An Ed25519 signing key made from a 32-byte seed.
    pub struct SecretKey(ed25519_dalek::SigningKey);

    impl SecretKey {
        /// The key for this seed. Seeds must come from a CSPRNG.
        pub fn from_seed(seed: &[u8; 32]) -> SecretKey {
            SecretKey(ed25519_dalek::SigningKey::from_bytes(seed))
        }

        /// The seed, to store the key.
        pub fn seed(&self) -> [u8; 32] {
            self.0.to_bytes()
        }

        /// The matching public key.
        pub fn public(&self) -> PublicKey {
            PublicKey(self.0.verifying_key().to_bytes())
        }

        /// Signs a message.
        pub fn sign(&self, message: &[u8]) -> [u8; 64] {
            self.0.sign(message).to_bytes()
        }
    }

    /// Why a signer could not sign (an HSM that is gone, a key held by
    /// someone else, a signature that does not verify).
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("{0}")]
    pub struct SignError(pub String);

    /// Anything that signs with one Ed25519 key: a seed in memory, or a key
    /// that never leaves an HSM (the issuer's PKCS#11 backend).
    pub trait Signer: Sync {
        /// The key's public half.
        fn public(&self) -> PublicKey;
        /// Signs a message.
        fn try_sign(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
    }

    impl Signer for SecretKey {
        fn public(&self) -> PublicKey {
            SecretKey::public(self)
        }
        fn try_sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
            Ok(self.sign(message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é1"), None);
        let key = PublicKey([7; 32]);
        assert_eq!(PublicKey::from_hex(&key.to_hex()), Some(key));
    }

    #[test]
    fn a_small_order_key_verifies_nothing() {
        // The identity point: with plain `verify` some signatures pass for any message.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut sig = [0u8; 64];
        sig[0] = 1;
        assert!(!PublicKey(identity).verify(b"anything", &sig));
    }
}
