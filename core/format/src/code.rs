//! The v1 code signature: `sig` = base64url(hdr | kid | Ed25519 signature), 67 bytes.
//!
//! The signature covers the GS1 data, never the URL text:
//! `"genuine/code/v1" 0x00 | hdr | kid | for each AI sorted bytewise:
//! len(AI) | AI | len(value) | value` (each length one byte).
//!
//! The message is injective: every field is length-prefixed, so the bytes
//! read back into exactly one list of (AI, value) pairs ([`parse_message`]
//! shows it). An earlier draft wrote `AI | value | 0x1D`, where `21`+`8X6A`
//! and `218`+`X6A` gave the same bytes, so a genuine code could be re-read
//! without its serial; the length prefixes make that impossible whatever
//! AIs a reader accepts.

use crate::gs1::Gs1Data;
use crate::keys::PreparedKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes in a decoded `sig`.
pub const SIG_LEN: usize = 67;
/// Characters in a `sig` as printed (base64url, no padding).
pub const SIG_TEXT_LEN: usize = 90;
/// The header byte of every v1 Ed25519 code: version 1, algorithm 0, no flags.
pub const HEADER_V1_ED25519: u8 = 0b0010_0000;
/// Domain separation: these bytes can never be confused with another signed message.
pub const DOMAIN: &[u8] = b"genuine/code/v1\0";

/// Why a `sig` value cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// Not 90 characters.
    #[error("sig must be {SIG_TEXT_LEN} characters, found {0}")]
    Length(usize),
    /// Not canonical base64url without padding.
    #[error("sig is not base64url")]
    NotBase64,
    /// A header version other than 1.
    #[error("unsupported code version {0}")]
    Version(u8),
    /// An algorithm other than Ed25519.
    #[error("unsupported signature algorithm {0}")]
    Algorithm(u8),
    /// Reserved flag bits set.
    #[error("reserved header flags set: {0:#05b}")]
    Flags(u8),
}

/// A decoded code signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSignature {
    /// The header byte.
    pub header: u8,
    /// Which claim key of the brand signed.
    pub kid: u16,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

impl CodeSignature {
    /// Decodes and checks a printed `sig`.
    pub fn parse(text: &str) -> Result<CodeSignature, SigError> {
        if text.len() != SIG_TEXT_LEN {
            return Err(SigError::Length(text.len()));
        }
        // The base64 engine refuses non-zero trailing bits, so each 67-byte
        // value has exactly one printed form.
        let mut bytes = [0u8; SIG_LEN];
        let n = URL_SAFE_NO_PAD.decode_slice(text, &mut bytes).map_err(|_| SigError::NotBase64)?;
        if n != SIG_LEN {
            return Err(SigError::NotBase64);
        }
        let header = bytes[0];
        match (header >> 5, (header >> 3) & 0b11, header & 0b111) {
            (1, 0, 0) => {}
            (1, 0, flags) => return Err(SigError::Flags(flags)),
            (1, alg, _) => return Err(SigError::Algorithm(alg)),
            (version, _, _) => return Err(SigError::Version(version)),
        }
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[3..]);
        Ok(CodeSignature { header, kid: u16::from_be_bytes([bytes[1], bytes[2]]), signature })
    }

    /// The 90-character printed form.
    pub fn to_text(&self) -> String {
        let mut bytes = [0u8; SIG_LEN];
        bytes[0] = self.header;
        bytes[1..3].copy_from_slice(&self.kid.to_be_bytes());
        bytes[3..].copy_from_slice(&self.signature);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Does `key` sign `data` with this signature?
    pub fn verifies(&self, data: &Gs1Data, key: &PreparedKey) -> bool {
        key.verify(&signed_message(self.header, self.kid, data), &self.signature)
    }
}

/// The exact bytes a code signature covers.
pub fn signed_message(header: u8, kid: u16, data: &Gs1Data) -> Vec<u8> {
    message_for(header, kid, data.elements())
}

/// The signed message for any sorted list of (AI, value) pairs. Each AI and
/// value is written after its length in one byte; [`Gs1Data`] keeps AIs to 4
/// digits and values to 90 bytes, and longer ones are cut off at 255 here
/// only so that this function has no panic (such data never gets this far).
pub fn message_for<'a>(
    header: u8,
    kid: u16,
    elements: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut msg = Vec::with_capacity(128);
    msg.extend_from_slice(DOMAIN);
    msg.push(header);
    msg.extend_from_slice(&kid.to_be_bytes());
    for (ai, value) in elements {
        for field in [ai.as_bytes(), value.as_bytes()] {
            let field = &field[..field.len().min(255)];
            msg.push(field.len() as u8);
            msg.extend_from_slice(field);
        }
    }
    msg
}

/// (AI, value) pairs, sorted by AI.
pub type Elements = Vec<(String, String)>;

/// Reads a signed message back into its header, kid and (AI, value) pairs;
/// `None` if the bytes are not a message. It exists to prove, in tests and
/// to other implementers, that the encoding is injective: a message has a
/// single reading, so two different sets of elements never sign alike.
pub fn parse_message(msg: &[u8]) -> Option<(u8, u16, Elements)> {
    let rest = msg.strip_prefix(DOMAIN)?;
    let (&[header, k0, k1], mut rest) = rest.split_first_chunk::<3>()?;
    let mut elements = Vec::new();
    while !rest.is_empty() {
        let mut field = || -> Option<String> {
            let (&len, tail) = rest.split_first()?;
            let (bytes, tail) = tail.split_at_checked(usize::from(len))?;
            rest = tail;
            String::from_utf8(bytes.to_vec()).ok()
        };
        let ai = field()?;
        let value = field()?;
        elements.push((ai, value));
    }
    Some((header, u16::from_be_bytes([k0, k1]), elements))
}

/// Signs product data with a claim key (brand tooling only).
#[cfg(feature = "signing")]
pub fn sign(data: &Gs1Data, kid: u16, key: &crate::keys::signing::SecretKey) -> CodeSignature {
    let signature = key.sign(&signed_message(HEADER_V1_ED25519, kid, data));
    CodeSignature { header: HEADER_V1_ED25519, kid, signature }
}

/// Signs product data with a claim key that may live in an HSM.
#[cfg(feature = "signing")]
pub fn try_sign(
    data: &Gs1Data,
    kid: u16,
    key: &dyn crate::keys::signing::Signer,
) -> Result<CodeSignature, crate::keys::signing::SignError> {
    let message = signed_message(HEADER_V1_ED25519, kid, data);
    let signature = key.try_sign(&message)?;
    Ok(CodeSignature { header: HEADER_V1_ED25519, kid, signature })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig_text(header: u8) -> String {
        let mut bytes = [0u8; SIG_LEN];
        bytes[0] = header;
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn header_fields_are_checked() {
        assert!(CodeSignature::parse(&sig_text(HEADER_V1_ED25519)).is_ok());
        assert_eq!(CodeSignature::parse(&sig_text(0b0100_0000)), Err(SigError::Version(2)));
        assert_eq!(CodeSignature::parse(&sig_text(0b0010_1000)), Err(SigError::Algorithm(1)));
        assert_eq!(CodeSignature::parse(&sig_text(0b0010_0001)), Err(SigError::Flags(1)));
    }

    #[test]
    fn only_canonical_90_character_base64url_is_read() {
        let good = sig_text(HEADER_V1_ED25519);
        assert_eq!(CodeSignature::parse(&good[..89]), Err(SigError::Length(89)));
        assert_eq!(CodeSignature::parse(&format!("{good}A")), Err(SigError::Length(91)));
        let mut plus = good.clone();
        plus.replace_range(10..11, "+");
        assert_eq!(CodeSignature::parse(&plus), Err(SigError::NotBase64));
        // The last character carries 2 padding bits; 'B' sets one of them.
        let mut trailing = good.clone();
        trailing.replace_range(89..90, "B");
        assert_eq!(CodeSignature::parse(&trailing), Err(SigError::NotBase64));
        assert_eq!(CodeSignature::parse(""), Err(SigError::Length(0)));
    }

    #[test]
    fn round_trips_kid_and_signature() {
        let sig = CodeSignature { header: HEADER_V1_ED25519, kid: 0xBEEF, signature: [9; 64] };
        assert_eq!(CodeSignature::parse(&sig.to_text()), Ok(sig));
    }
}
