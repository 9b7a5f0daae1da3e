//! The root ceremony: a root (or a brand record, which the root signs) that
//! several people sign, each on their own machine, without their keys ever
//! meeting in one place.
//!
//! 1. `propose`: the operator writes the document, unsigned.
//! 2. `sign`: each holder reads what it says (decoded from the very bytes
//!    they sign, never from a description beside them) and adds their
//!    signature, with a key file or a key in their HSM.
//! 3. `assemble`: the operator merges the signed copies, checks the
//!    thresholds exactly as a phone will (for a rotation: the old root's and
//!    the new one's), and installs the result in the state.
//!
//! Threats: a holder tricked into signing something else than they read
//! (they read the payload itself); a copy altered on its way back (every
//! copy must carry the same payload byte for byte, and signatures are
//! checked, not counted); a root that phones would refuse (the same
//! threshold checks, before it is published).

use crate::authority::{Authority, AuthorityError, Rng, check_threshold};
use crate::keys::{HeldKey, KeyRef, Token};
use genuine_format::envelope::Envelope;
use genuine_format::keys::PublicKey;
use genuine_format::keys::signing::Signer;
use genuine_format::trust::{BRAND_TYPE, BrandRecord, ROOT_TYPE, RootDocument};
use std::sync::Arc;

/// Proposals are small; anything larger is not one.
const MAX_PROPOSAL: usize = 64 * 1024;

fn payload<T: serde::Serialize>(document: &T) -> Vec<u8> {
    let mut bytes = Vec::new();
    ciborium::into_writer(document, &mut bytes).expect("writing CBOR to a Vec cannot fail");
    bytes
}

/// A proposed document, decoded for the person about to sign it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// A root document.
    Root(RootDocument),
    /// A brand record.
    Brand(BrandRecord),
}

fn invalid(why: impl Into<String>) -> AuthorityError {
    AuthorityError::Invalid(why.into())
}

/// Reads a proposal file (signed or not).
pub fn read(bytes: &[u8]) -> Result<(Envelope, Proposal), AuthorityError> {
    let env = Envelope::decode(bytes, MAX_PROPOSAL).map_err(|e| invalid(format!("not a proposal: {e}")))?;
    // The holder has no key to check against yet: the payload is read as
    // it is, to show them exactly what their signature will cover.
    let proposal = match env.payload_type.as_str() {
        ROOT_TYPE => ciborium::from_reader(env.payload.as_slice()).map(Proposal::Root),
        BRAND_TYPE => ciborium::from_reader(env.payload.as_slice()).map(Proposal::Brand),
        other => return Err(invalid(format!("a '{other}' document is not signed in a ceremony"))),
    }
    .map_err(|e| invalid(format!("proposal does not decode: {e}")))?;
    Ok((env, proposal))
}

/// What a holder is asked to sign, in words.
pub fn describe(proposal: &Proposal) -> String {
    let keys = |keys: &[PublicKey]| keys.iter().map(|k| format!("    {}\n", k.to_hex())).collect::<String>();
    let date = |t: u64| genuine_format::UnixTime::from_secs(t).iso_date();
    match proposal {
        Proposal::Root(root) => format!(
            "ROOT v{}, issued {}, expires {}\n  {} of these {} root keys must sign:\n{}  timestamp keys ({} must sign):\n{}",
            root.version,
            date(root.issued_at),
            date(root.expires),
            root.threshold,
            root.keys.len(),
            keys(&root.keys),
            root.timestamp_threshold,
            keys(&root.timestamp_keys),
        ),
        Proposal::Brand(brand) => format!(
            "BRAND '{}' v{} ({}), issued {}\n  company prefixes: {}\n  hosts: {}\n  {} of these {} master keys sign its keysets:\n{}  revoker keys:\n{}",
            brand.brand_id,
            brand.version,
            brand.name,
            date(brand.issued_at),
            brand.company_prefixes.join(", "),
            brand.hosts.join(", "),
            brand.master_threshold,
            brand.master_keys.len(),
            keys(&brand.master_keys),
            keys(&brand.revoker_keys),
        ),
    }
}

/// A holder's signature on a proposal, with a key file or a key in a token.
pub fn sign(
    env: &mut Envelope,
    key: &KeyRef,
    token: Option<&dyn Token>,
) -> Result<PublicKey, AuthorityError> {
    let signer = key.signer(token)?;
    env.add_signature(signer.as_ref() as &dyn Signer)?;
    Ok(signer.public())
}

/// One envelope with every signature of `copies`, which must all carry the
/// same document byte for byte.
pub fn merge(copies: &[Envelope]) -> Result<Envelope, AuthorityError> {
    let (first, rest) = copies.split_first().ok_or_else(|| invalid("no signed copies given"))?;
    let mut merged = first.clone();
    for copy in rest {
        if copy.payload_type != first.payload_type || copy.payload != first.payload {
            return Err(invalid(
                "the copies do not carry the same document: each holder must sign the same proposal",
            ));
        }
        for sig in &copy.signatures {
            if !merged.signatures.iter().any(|s| s.keyid == sig.keyid && s.sig == sig.sig) {
                merged.signatures.push(sig.clone());
            }
        }
    }
    Ok(merged)
}

/// Checks `threshold` valid signatures of `keys`, naming what is missing.
fn enough(env: &Envelope, keys: &[PublicKey], threshold: u8, whose: &str) -> Result<(), AuthorityError> {
    let valid = env.count_valid(keys);
    if valid < usize::from(threshold).max(1) {
        return Err(invalid(format!(
            "{valid} valid signature(s) of the {whose} keys, {threshold} needed: more holders must sign"
        )));
    }
    Ok(())
}

impl Authority {
    /// A new operator state whose root keys are held by others: the root
    /// document to sign (v1), and the state that will hold it once
    /// assembled. Only the online timestamp key is made here.
    pub fn propose_new(
        token: Option<Arc<dyn Token>>,
        keys: Vec<PublicKey>,
        threshold: u8,
        expires: u64,
        now: u64,
        rng: Rng<'_>,
    ) -> Result<(Authority, Envelope), AuthorityError> {
        let held = keys.into_iter().map(|k| KeyRef::Held(HeldKey { held: k })).collect();
        let a = Authority::unsigned_first_root(token, held, threshold, expires, now, rng)?;
        let env = Envelope::unsigned_bytes(ROOT_TYPE, payload(&a.root));
        Ok((a, env))
    }

    /// Whether the root has been assembled (a proposed state has none yet).
    pub fn has_root(&self) -> bool {
        !self.root_envelopes.is_empty()
    }

    /// The next root, to new keys held by others: both the current root's
    /// holders and the new ones must sign it.
    pub fn propose_rotation(
        &self,
        keys: Vec<PublicKey>,
        threshold: u8,
        expires: u64,
        now: u64,
    ) -> Result<Envelope, AuthorityError> {
        check_threshold(keys.len(), threshold)?;
        let root = RootDocument {
            version: self.root.version + 1,
            issued_at: now,
            expires,
            keys,
            threshold,
            ..self.root.clone()
        };
        Ok(Envelope::unsigned_bytes(ROOT_TYPE, payload(&root)))
    }

    /// A brand's current record, for the root's holders to sign.
    pub fn propose_brand(&self, brand_id: &str) -> Result<Envelope, AuthorityError> {
        let brand =
            self.brands.get(brand_id).ok_or_else(|| AuthorityError::UnknownBrand(brand_id.to_string()))?;
        Ok(Envelope::unsigned_bytes(BRAND_TYPE, payload(&brand.record)))
    }

    /// Installs a signed proposal after checking it as a phone would.
    pub fn assemble(&mut self, env: Envelope, now: u64) -> Result<String, AuthorityError> {
        match env.payload_type.as_str() {
            ROOT_TYPE => {
                let root: RootDocument = ciborium::from_reader(env.payload.as_slice())
                    .map_err(|e| invalid(format!("root does not decode: {e}")))?;
                enough(&env, &root.keys, root.threshold, "new root's")?;
                if self.has_root() {
                    if root.version != self.root.version + 1 {
                        return Err(invalid(format!(
                            "this is root v{}, the state is at v{}: only v{} can follow",
                            root.version,
                            self.root.version,
                            self.root.version + 1
                        )));
                    }
                    enough(&env, &self.root.keys, self.root.threshold, "current root's")?;
                    let held = root.keys.iter().map(|k| KeyRef::Held(HeldKey { held: *k })).collect();
                    let version = root.version;
                    self.install_root(env, root, held, now);
                    Ok(format!("root v{version} installed; every brand record must now be signed under it"))
                } else {
                    if root != self.root {
                        return Err(invalid("this root is not the one this state proposed"));
                    }
                    enough(&env, &self.anchor.keys, self.anchor.threshold, "anchor's")?;
                    self.root_envelopes.push(serde_bytes::ByteBuf::from(env.encode()));
                    Ok("root v1 installed".into())
                }
            }
            BRAND_TYPE => {
                let record: BrandRecord = env
                    .check(BRAND_TYPE, &self.root.keys, usize::from(self.root.threshold))
                    .map_err(|e| invalid(format!("brand record: {e} of the root's keys")))?
                    .decode()
                    .map_err(|e| invalid(format!("brand record does not decode: {e}")))?;
                let brand = self
                    .brands
                    .get_mut(&record.brand_id)
                    .ok_or_else(|| AuthorityError::UnknownBrand(record.brand_id.clone()))?;
                if record != brand.record {
                    return Err(invalid(format!(
                        "this is brand '{}' v{} as proposed, the state now holds v{}: propose it again",
                        record.brand_id, record.version, brand.record.version
                    )));
                }
                brand.record_envelope = Some(serde_bytes::ByteBuf::from(env.encode()));
                Ok(format!("brand '{}' v{} signed by the root", record.brand_id, record.version))
            }
            other => Err(invalid(format!("a '{other}' document is not assembled in a ceremony"))),
        }
    }
}
