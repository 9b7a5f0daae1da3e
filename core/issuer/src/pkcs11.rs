//! Keys in a PKCS#11 token (an HSM, a cloud HSM, SoftHSM2 in tests).
//!
//! Every key is generated inside the token as sensitive and non-extractable,
//! so no secret is ever in this process, on disk or in a backup of the state
//! file: a thief with the state file and this machine's disk can sign
//! nothing without the token and its PIN. Signing is Ed25519 (`CKM_EDDSA`,
//! pure), and every signature is checked against the key's public half
//! before it is used (`keys::TokenSigner`), so a token that signs with
//! another key, or returns garbage, cannot put a bad signature on a million
//! boxes.

use crate::keys::{Token, TokenKey};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use genuine_format::keys::PublicKey;
use genuine_format::keys::signing::SignError;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// `CKA_EC_PARAMS` for Ed25519: the curve's name as a DER PrintableString,
/// the form PKCS#11 3.0 and SoftHSM2 accept.
const ED25519_PARAMS: &[u8] = b"\x13\x0cedwards25519";

/// An open, logged-in token. Sessions are pooled so that threads signing a
/// packaging line's codes each use their own (a session is not shareable).
pub struct Pkcs11Token {
    label: String,
    context: Pkcs11,
    slot: Slot,
    sessions: Mutex<Vec<Session>>,
    handles: Mutex<HashMap<String, ObjectHandle>>,
}

fn failed(what: &str) -> impl Fn(cryptoki::error::Error) -> SignError + '_ {
    move |e| SignError(format!("PKCS#11 {what}: {e}"))
}

impl Pkcs11Token {
    /// Loads the PKCS#11 `module`, finds the token labelled `label` and logs
    /// in as its user with `pin`.
    pub fn open(module: &Path, label: &str, pin: &str) -> Result<Pkcs11Token, SignError> {
        let context = Pkcs11::new(module)
            .map_err(|e| SignError(format!("PKCS#11 module {}: {e}", module.display())))?;
        context
            .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .map_err(failed("initialize"))?;
        let slots = context.get_slots_with_token().map_err(failed("slots"))?;
        let slot = slots
            .into_iter()
            .find(|slot| context.get_token_info(*slot).is_ok_and(|info| info.label().trim_end() == label))
            .ok_or_else(|| {
                SignError(format!("no PKCS#11 token labelled '{label}' in {}", module.display()))
            })?;
        let session = context.open_rw_session(slot).map_err(failed("session"))?;
        session.login(UserType::User, Some(&AuthPin::new(pin.into()))).map_err(failed("login"))?;
        Ok(Pkcs11Token {
            label: label.to_string(),
            context,
            slot,
            sessions: Mutex::new(vec![session]),
            handles: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `f` on a pooled session (opening another one when all are busy:
    /// sessions of a logged-in application are logged in too).
    fn with_session<T>(&self, f: impl FnOnce(&Session) -> Result<T, SignError>) -> Result<T, SignError> {
        let pooled = self.sessions.lock().map_err(|_| SignError("session pool poisoned".into()))?.pop();
        let session = match pooled {
            Some(session) => session,
            None => self.context.open_rw_session(self.slot).map_err(failed("session"))?,
        };
        let result = f(&session);
        if let Ok(mut pool) = self.sessions.lock() {
            pool.push(session);
        }
        result
    }

    fn find(session: &Session, class: ObjectClass, label: &str) -> Result<Vec<ObjectHandle>, SignError> {
        let template = [
            Attribute::Class(class),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::Label(label.into()),
        ];
        session.find_objects(&template).map_err(failed("find"))
    }

    /// The private key labelled `label` (looked up once, then cached).
    fn private_key(&self, session: &Session, label: &str) -> Result<ObjectHandle, SignError> {
        if let Some(handle) = self.handles.lock().ok().and_then(|h| h.get(label).copied()) {
            return Ok(handle);
        }
        let found = Self::find(session, ObjectClass::PRIVATE_KEY, label)?;
        let [handle] = found[..] else {
            return Err(SignError(format!(
                "token '{}' has {} private keys labelled '{label}' (expected one)",
                self.label,
                found.len()
            )));
        };
        if let Ok(mut handles) = self.handles.lock() {
            handles.insert(label.to_string(), handle);
        }
        Ok(handle)
    }

    /// Whether the private key labelled `label` is sensitive and
    /// non-extractable, as the token reports it (an auditor's check).
    pub fn is_sealed(&self, label: &str) -> Result<bool, SignError> {
        self.with_session(|session| {
            let handle = self.private_key(session, label)?;
            let kinds =
                [AttributeType::Sensitive, AttributeType::Extractable, AttributeType::NeverExtractable];
            let attributes = session.get_attributes(handle, &kinds).map_err(failed("attributes"))?;
            let flag = |want: AttributeType| {
                attributes.iter().find_map(|a| match (a, want) {
                    (Attribute::Sensitive(v), AttributeType::Sensitive)
                    | (Attribute::Extractable(v), AttributeType::Extractable)
                    | (Attribute::NeverExtractable(v), AttributeType::NeverExtractable) => Some(*v),
                    _ => None,
                })
            };
            Ok(flag(AttributeType::Sensitive) == Some(true)
                && flag(AttributeType::Extractable) == Some(false)
                && flag(AttributeType::NeverExtractable) == Some(true))
        })
    }
}

/// The 32 bytes of an Ed25519 `CKA_EC_POINT`: a DER OCTET STRING (PKCS#11
/// 3.0), or the raw point some tokens return.
fn ec_point(bytes: &[u8]) -> Option<PublicKey> {
    let raw = match bytes {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest,
        raw if raw.len() == 32 => raw,
        _ => return None,
    };
    Some(PublicKey(raw.try_into().ok()?))
}

impl Token for Pkcs11Token {
    fn label(&self) -> &str {
        &self.label
    }

    fn generate(&self, label: &str) -> Result<TokenKey, SignError> {
        self.with_session(|session| {
            if !Self::find(session, ObjectClass::PRIVATE_KEY, label)?.is_empty() {
                return Err(SignError(format!(
                    "token '{}' already has a key labelled '{label}'",
                    self.label
                )));
            }
            let public_template = [
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Verify(true),
                Attribute::EcParams(ED25519_PARAMS.to_vec()),
                Attribute::Label(label.into()),
            ];
            let private_template = [
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
                Attribute::Label(label.into()),
            ];
            let (public, _) = session
                .generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public_template, &private_template)
                .map_err(failed("generate"))?;
            let point =
                session.get_attributes(public, &[AttributeType::EcPoint]).map_err(failed("public key"))?;
            let public = point
                .iter()
                .find_map(|a| match a {
                    Attribute::EcPoint(bytes) => ec_point(bytes),
                    _ => None,
                })
                .ok_or_else(|| SignError(format!("token '{}' gave no Ed25519 public key", self.label)))?;
            Ok(TokenKey { token: self.label.clone(), label: label.to_string(), public })
        })
    }

    fn sign(&self, key: &TokenKey, message: &[u8]) -> Result<[u8; 64], SignError> {
        self.with_session(|session| {
            let handle = self.private_key(session, &key.label)?;
            let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
            let signature = session.sign(&mechanism, handle, message).map_err(failed("sign"))?;
            signature
                .try_into()
                .map_err(|s: Vec<u8>| SignError(format!("token gave a {}-byte signature", s.len())))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_points_in_both_encodings_and_nothing_else() {
        let raw = [9u8; 32];
        let mut der = vec![0x04, 0x20];
        der.extend_from_slice(&raw);
        assert_eq!(ec_point(&der), Some(PublicKey(raw)));
        assert_eq!(ec_point(&raw), Some(PublicKey(raw)));
        assert_eq!(ec_point(&der[..33]), None);
        assert_eq!(ec_point(&[0x04, 0x41, 1, 2]), None);
    }
}
