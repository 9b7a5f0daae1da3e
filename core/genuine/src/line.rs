//! A verdict as tools hand it on: one JSON line (what `genuine verify
//! --json` prints and the Python package's `Verdict.json()` returns, field
//! for field) and one flat row (the columns of a table of codes, such as the
//! marketplace sweep's), both in the words of the verdict's own JSON.

use crate::wording::{VerdictCard, describe};
use crate::{NotSignedReason, Verdict};
use serde::Serialize;

/// One verified code as a JSON line: the input it came from, its text, the
/// verdict and the shopper's card. Field order is part of the format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictLine<'a> {
    /// What was verified: a code's text, or the name of the image it was in.
    pub input: &'a str,
    /// The code's text.
    pub text: &'a str,
    /// The verdict.
    pub result: &'a Verdict,
    /// The card in the shipped English wording.
    pub card: VerdictCard,
}

impl<'a> VerdictLine<'a> {
    /// The line for `verdict` of `text`, found in `input`.
    pub fn new(input: &'a str, text: &'a str, result: &'a Verdict) -> VerdictLine<'a> {
        VerdictLine { input, text, result, card: describe(result) }
    }

    /// As one line of JSON.
    pub fn to_json(&self) -> String {
        // Every field is a string, number, bool or list of them: cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A verdict as the columns of a table row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictRow {
    /// The kind: `authentic`, `revoked`, `forged`, `unknown_issuer`,
    /// `not_signed` or `malformed`.
    pub verdict: &'static str,
    /// Why, in the JSON's words: the revocation reason, the failed check,
    /// the not-signed reason, what is malformed, or an authentic code's
    /// warnings (comma-separated); none when there is nothing to add.
    pub reason: Option<String>,
    /// The brand whose key signed it (authentic and revoked codes only).
    pub brand: Option<String>,
    /// The GTIN-14 the code carries.
    pub gtin: Option<String>,
    /// The serial the code carries.
    pub serial: Option<String>,
    /// Whether a trusted key signed the GTIN and serial (authentic and
    /// revoked). Otherwise they are only what the code claims: anyone can
    /// print another brand's GTIN on a fake.
    pub vouched: bool,
}

/// The snake_case word serde gives a unit variant or a tagged enum's tag.
fn word<T: Serialize>(value: &T, tag: &str) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Object(map) => map.get(tag)?.as_str().map(str::to_string),
        _ => None,
    }
}

impl VerdictRow {
    /// The row of `verdict`.
    pub fn new(verdict: &Verdict) -> VerdictRow {
        let product =
            |p: &crate::Product, vouched: bool, brand: Option<&str>, reason: Option<String>| VerdictRow {
                verdict: verdict.kind(),
                reason,
                brand: brand.map(str::to_string),
                gtin: Some(p.gtin.clone()),
                serial: p.serial.clone(),
                vouched,
            };
        match verdict {
            Verdict::Authentic(a) => {
                let warnings: Vec<String> = a.warnings.iter().filter_map(|w| word(w, "warning")).collect();
                let reason = (!warnings.is_empty()).then(|| warnings.join(","));
                product(&a.product, true, Some(&a.issuer.brand_id), reason)
            }
            Verdict::Revoked { product: p, issuer, reason, .. } => {
                product(p, true, Some(&issuer.brand_id), word(reason, ""))
            }
            Verdict::Forged { claimed, reason } => product(claimed, false, None, word(reason, "check")),
            Verdict::UnknownIssuer { claimed, .. } => product(claimed, false, None, None),
            Verdict::NotSigned { reason } => VerdictRow::bare(verdict, word::<NotSignedReason>(reason, "")),
            Verdict::Malformed { reason } => VerdictRow::bare(verdict, Some(reason.clone())),
        }
    }

    fn bare(verdict: &Verdict, reason: Option<String>) -> VerdictRow {
        VerdictRow { verdict: verdict.kind(), reason, brand: None, gtin: None, serial: None, vouched: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ForgeryReason, Freshness, Product, RevocationReason, Warning};

    fn product() -> Product {
        Product {
            gtin: "09506000134352".into(),
            serial: Some("ABC234".into()),
            batch: None,
            variant: None,
            expiry: None,
            attributes: vec![],
            host: "id.acme.example".into(),
        }
    }

    fn issuer() -> crate::Issuer {
        crate::Issuer { brand_id: "acme".into(), brand_name: "Acme Foods".into(), kid: 1, verify_until: 9 }
    }

    #[test]
    fn rows_use_the_words_of_the_json() {
        let revoked = Verdict::Revoked {
            product: product(),
            issuer: issuer(),
            reason: RevocationReason::CodeCloned,
            since: 5,
        };
        let row = VerdictRow::new(&revoked);
        assert_eq!((row.verdict, row.reason.as_deref()), ("revoked", Some("code_cloned")));
        assert_eq!(
            (row.brand.as_deref(), row.serial.as_deref(), row.vouched),
            (Some("acme"), Some("ABC234"), true)
        );

        let forged = Verdict::Forged {
            claimed: product(),
            reason: ForgeryReason::KeyOutOfScope { signer_brand: "globex".into() },
        };
        let row = VerdictRow::new(&forged);
        assert_eq!((row.verdict, row.reason.as_deref()), ("forged", Some("key_out_of_scope")));
        assert_eq!((row.brand, row.gtin.as_deref(), row.vouched), (None, Some("09506000134352"), false));

        let authentic = Verdict::Authentic(crate::Authentic {
            product: product(),
            issuer: issuer(),
            revocation: Freshness::Fresh,
            warnings: vec![Warning::UnregisteredHost { host: "x.example".into() }],
        });
        assert_eq!(VerdictRow::new(&authentic).reason.as_deref(), Some("unregistered_host"));

        let plain = Verdict::NotSigned { reason: NotSignedReason::NotAProductLink };
        let row = VerdictRow::new(&plain);
        assert_eq!(
            (row.verdict, row.reason.as_deref(), row.gtin),
            ("not_signed", Some("not_a_product_link"), None)
        );
    }

    #[test]
    fn the_line_is_input_text_result_card_in_that_order() {
        let plain = Verdict::NotSigned { reason: NotSignedReason::UnsignedProductLink };
        let json = VerdictLine::new("photo.jpg", "https://x.example/01/1", &plain).to_json();
        assert!(json.starts_with(r#"{"input":"photo.jpg","text":"https://x.example/01/1","result":{"verdict":"not_signed","reason":"unsigned_product_link"},"card":{"#), "{json}");
    }
}
