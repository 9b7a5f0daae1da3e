//! Verdicts in words a person can act on: a headline for the technical
//! reader, then the shopper's card from the shared wording (the same words
//! the apps show).

use genuine::wording::{Tone, describe};
use genuine::{
    ForgeryReason, Freshness, NotSignedReason, Product, RevocationReason, UnixTime, Verdict, Warning,
};
use std::fmt::Write;

/// A unix time as a UTC date.
pub fn date(time: UnixTime) -> String {
    time.iso_date()
}

fn date_secs(secs: u64) -> String {
    date(UnixTime::from_secs(secs))
}

fn product_line(p: &Product) -> String {
    let mut s = format!("GTIN {}", p.gtin);
    for (label, v) in [("serial", &p.serial), ("batch", &p.batch), ("variant", &p.variant)] {
        if let Some(v) = v {
            let _ = write!(s, " · {label} {v}");
        }
    }
    if let Some(e) = p.expiry {
        let _ = write!(s, " · expires {e}");
    }
    s
}

pub fn freshness(f: &Freshness) -> String {
    match f {
        Freshness::Fresh => "revocation lists fresh".into(),
        Freshness::Stale { days } => format!("revocation lists {days} day(s) old"),
        Freshness::Unknown => {
            "revocation lists not synced (only keys revoked in the bundle were checked)".into()
        }
    }
}

fn warning(w: &Warning) -> String {
    match w {
        Warning::UnregisteredHost { host } => format!(
            "the link goes to {host}, which the brand has not registered: do not enter details on that page"
        ),
        Warning::ProductExpired { expiry } => format!("the product expired on {expiry}"),
        Warning::ClockBehind { device, signed_floor } => format!(
            "this device's clock ({}) is behind signed data ({}); the later time was used",
            date_secs(*device),
            date_secs(*signed_floor)
        ),
    }
}

/// The verdict as a few lines of text; `demo` when the embedded demo trust
/// was used (no `--anchor`), which knows only the demo brands.
pub fn human(verdict: &Verdict, text: &str, demo: bool) -> String {
    let mut out = String::new();
    // Whole, so a copied URL still works; control characters cannot reach
    // the terminal.
    let shown: String = text.chars().map(|c| if c.is_control() { '.' } else { c }).collect();
    let card = describe(verdict);
    match verdict {
        Verdict::Authentic(a) if card.tone == Tone::LookAlikeLink => {
            let _ = writeln!(
                out,
                "LOOK-ALIKE LINK: a genuine signature by {} ({}), key {}, on a link the brand never registered",
                a.issuer.brand_name, a.issuer.brand_id, a.issuer.kid
            );
            let _ = writeln!(out, "  product  {}", product_line(&a.product));
            for w in &a.warnings {
                let _ = writeln!(out, "  warning  {}", warning(w));
            }
        }
        Verdict::Authentic(a) => {
            let _ = writeln!(
                out,
                "GENUINE: issued by {} ({}), key {}",
                a.issuer.brand_name, a.issuer.brand_id, a.issuer.kid
            );
            let _ = writeln!(out, "  product  {}", product_line(&a.product));
            let _ = writeln!(
                out,
                "  checked  signature, key window, key scope, key revocation; {}",
                freshness(&a.revocation)
            );
            for w in &a.warnings {
                let _ = writeln!(out, "  warning  {}", warning(w));
            }
            let _ = writeln!(
                out,
                "  note     a genuine code proves the brand minted it; copies of it on fakes exist"
            );
        }
        Verdict::Revoked { product, issuer, reason, since } => {
            let why = match reason {
                RevocationReason::KeyRevoked => "the brand revoked the key that signed it",
                RevocationReason::CodeRevoked => "the brand revoked this code",
                RevocationReason::BatchRecalled => "the batch was recalled",
                RevocationReason::CodeCloned => "this code has been seen copied onto other items",
            };
            let _ = writeln!(
                out,
                "REVOKED: {why}, on {} ({}, key {})",
                date_secs(*since),
                issuer.brand_name,
                issuer.kid
            );
            let _ = writeln!(out, "  product  {}", product_line(product));
        }
        Verdict::Forged { claimed, reason } => {
            let why = match reason {
                ForgeryReason::BadSignature => "the signature does not match the product data".to_string(),
                ForgeryReason::KeyOutOfScope { signer_brand } => {
                    format!("signed by a key of '{signer_brand}', which may not sign this product")
                }
                ForgeryReason::KeyNotYetValid { sign_from } => {
                    format!("its key only signs from {}", date_secs(*sign_from))
                }
                ForgeryReason::KeyExpired { verify_until } => {
                    format!("its key stopped vouching on {}", date_secs(*verify_until))
                }
            };
            let _ = writeln!(out, "FORGED: {why}");
            let _ = writeln!(out, "  claims   {}", product_line(claimed));
        }
        Verdict::UnknownIssuer { claimed, kid } => {
            // Under the demo trust a sync cannot help: the brand is not in it.
            let help = if demo {
                "the embedded demo trust (no --anchor) knows only the demo brands: for your own \
                 brand's codes pass --anchor and --bundle (`genuine bundle` writes them)"
            } else {
                "a sync may help"
            };
            let _ = writeln!(
                out,
                "UNKNOWN ISSUER: no trusted key {kid} for this product's company prefix; {help}"
            );
            let _ = writeln!(out, "  claims   {}", product_line(claimed));
        }
        Verdict::NotSigned { reason } => {
            let why = match reason {
                NotSignedReason::UnsignedProductLink => "a product link without a Genuine signature",
                NotSignedReason::NotAProductLink => "not a product code",
            };
            let _ = writeln!(out, "NOT A GENUINE CODE: {why}");
        }
        Verdict::Malformed { reason } => {
            let _ = writeln!(out, "MALFORMED: looks like a Genuine code but cannot be read: {reason}");
        }
    }
    let _ = writeln!(out, "  shopper  {}: {} {}", card.title, card.explanation, card.next_step);
    let _ = writeln!(out, "  text     {shown}");
    out
}
