//! Where each of the issuer's keys lives and how it signs.
//!
//! A key is a seed in the state file (demos and tests: anyone who copies the
//! file can sign as the brand), a key generated inside a PKCS#11 token that
//! never leaves it (production), or a key its holder keeps on their own
//! machine, of which the state knows only the public half (the root
//! ceremony). The state file of a token setup holds no secret at all.

use genuine_format::keys::PublicKey;
use genuine_format::keys::signing::{SecretKey, SignError, Signer};
use serde::{Deserialize, Serialize};

/// A 32-byte secret seed, hex in the state file.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed(pub [u8; 32]);

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&genuine_format::keys::hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = genuine_format::keys::unhex(&s).and_then(|b| b.try_into().ok());
        bytes.map(Seed).ok_or_else(|| serde::de::Error::custom("seed must be 64 hex digits"))
    }
}

impl Seed {
    /// The signing key of this seed.
    pub fn key(&self) -> SecretKey {
        SecretKey::from_seed(&self.0)
    }
}

/// Public keys as hex in the state file, readable by the people who check it.
mod public_hex {
    use genuine_format::keys::PublicKey;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &PublicKey, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&key.to_hex())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PublicKey, D::Error> {
        let text = String::deserialize(d)?;
        PublicKey::from_hex(&text).ok_or_else(|| serde::de::Error::custom("public key must be 64 hex digits"))
    }
}

/// A key generated inside a PKCS#11 token: found again by its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenKey {
    /// The token's label (which HSM partition holds it).
    pub token: String,
    /// The key pair's `CKA_LABEL` in that token.
    pub label: String,
    /// Its public half, as generated.
    #[serde(with = "public_hex")]
    pub public: PublicKey,
}

/// A key that one person holds on their own machine or HSM (a root key in
/// the ceremony): this state can check its signatures, never make them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldKey {
    /// Its public half.
    #[serde(with = "public_hex")]
    pub held: PublicKey,
}

/// One key of the issuer's state, wherever it lives.
#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyRef {
    /// A seed in the state file: for demos and tests only.
    Seed(Seed),
    /// A non-extractable key in a PKCS#11 token.
    Token(TokenKey),
    /// A key someone else holds: public only.
    Held(HeldKey),
}

impl KeyRef {
    /// Its public half.
    pub fn public(&self) -> PublicKey {
        match self {
            KeyRef::Seed(seed) => seed.key().public(),
            KeyRef::Token(key) => key.public,
            KeyRef::Held(key) => key.held,
        }
    }

    /// The secret, for a key kept as a seed (tests forge codes with it).
    pub fn secret(&self) -> Option<SecretKey> {
        match self {
            KeyRef::Seed(seed) => Some(seed.key()),
            _ => None,
        }
    }

    /// Where it lives, in words.
    pub fn place(&self) -> String {
        match self {
            KeyRef::Seed(_) => "a secret seed in the file (a demo)".into(),
            KeyRef::Token(key) => format!("token '{}', label '{}'", key.token, key.label),
            KeyRef::Held(_) => "held by its holder".into(),
        }
    }

    /// A signer for this key: a seed signs here, a token key inside `token`
    /// (which must be the token that holds it), a held key nowhere.
    pub fn signer<'a>(&'a self, token: Option<&'a dyn Token>) -> Result<Box<dyn Signer + 'a>, SignError> {
        match self {
            KeyRef::Seed(seed) => Ok(Box::new(seed.key())),
            KeyRef::Token(key) => match token {
                Some(token) if token.label() == key.token => Ok(Box::new(TokenSigner { token, key })),
                Some(token) => Err(SignError(format!(
                    "key '{}' lives in token '{}', not in the open token '{}'",
                    key.label,
                    key.token,
                    token.label()
                ))),
                None => Err(SignError(format!(
                    "key '{}' lives in token '{}': give --hsm-module and --hsm-token (PIN in GENUINE_HSM_PIN)",
                    key.label, key.token
                ))),
            },
            KeyRef::Held(key) => Err(SignError(format!(
                "key {} is held by its holder: have them sign with `genuine root sign`",
                key.held.to_hex()
            ))),
        }
    }
}

/// An HSM, as the issuer uses one: make a key inside it, sign with it.
pub trait Token: Send + Sync {
    /// The token's label.
    fn label(&self) -> &str;
    /// Generates a non-extractable Ed25519 key pair labelled `label`.
    fn generate(&self, label: &str) -> Result<TokenKey, SignError>;
    /// Signs `message` with the token's key `key` (Ed25519, `CKM_EDDSA`).
    fn sign(&self, key: &TokenKey, message: &[u8]) -> Result<[u8; 64], SignError>;
}

struct TokenSigner<'a> {
    token: &'a dyn Token,
    key: &'a TokenKey,
}

impl Signer for TokenSigner<'_> {
    fn public(&self) -> PublicKey {
        self.key.public
    }
    /// Checked against the public key the state names: a token that signs
    /// with another key (a swapped label) or returns garbage is caught here,
    /// before a million boxes carry the bad signature.
    fn try_sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let signature = self.token.sign(self.key, message)?;
        if !self.key.public.verify(message, &signature) {
            return Err(SignError(format!(
                "token '{}' key '{}' made a signature that does not verify under its public key {}",
                self.key.token,
                self.key.label,
                self.key.public.to_hex()
            )));
        }
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_key_round_trips_through_the_state_file() {
        let seed = KeyRef::Seed(Seed([7; 32]));
        let public = seed.public();
        let token = KeyRef::Token(TokenKey { token: "line-1".into(), label: "claim-1".into(), public });
        let held = KeyRef::Held(HeldKey { held: public });
        let json = serde_json::to_string(&vec![seed, token, held]).unwrap();
        let back: Vec<KeyRef> = serde_json::from_str(&json).unwrap();
        assert!(matches!(&back[0], KeyRef::Seed(s) if s.0 == [7; 32]));
        assert!(matches!(&back[1], KeyRef::Token(k) if k.label == "claim-1" && k.public == public));
        assert!(matches!(&back[2], KeyRef::Held(k) if k.held == public));
        // The token's and the holder's entries carry no secret.
        assert!(!json.split("},").skip(1).any(|part| part.contains(&genuine_format::keys::hex(&[7; 32]))));
    }

    #[test]
    fn a_key_signs_only_where_it_lives() {
        let public = Seed([1; 32]).key().public();
        let token = KeyRef::Token(TokenKey { token: "a".into(), label: "k".into(), public });
        assert!(token.signer(None).is_err());
        assert!(KeyRef::Held(HeldKey { held: public }).signer(None).is_err());
        assert!(KeyRef::Seed(Seed([1; 32])).signer(None).is_ok());
    }
}
