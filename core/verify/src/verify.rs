//! Offline verification of a scanned text against a trust state.
//!
//! The order of checks matters: nothing about the key's brand is believed
//! until the signature over the GS1 data verifies under a key whose scope
//! covers the GTIN, so a code can never borrow another brand's trust.

use genuine_format::UnixTime;
use genuine_format::code::CodeSignature;
use genuine_format::gs1::{AI_EXPIRY, Gs1Data};
use genuine_format::link::{DigitalLink, LinkError};
use genuine_format::revocation::{ListKind, entry};
use genuine_format::verdict::{
    Authentic, ForgeryReason, Freshness, Issuer, NotSignedReason, Product, RevocationReason, Verdict, Warning,
};
use genuine_state::{KeyIndex, KeyRecord, TrustState};

/// A device clock further than this behind the time floor is reported.
pub const CLOCK_SLACK_SECS: u64 = 3600;

/// Verifies a scanned text. `device_now` is the device clock (unix seconds);
/// the time used is the later of it and the store's time floor, so turning
/// the clock back cannot revive an expired key.
pub fn verify<S: TrustState + ?Sized>(
    store: &S,
    text: &str,
    device_now: UnixTime,
) -> Result<Verdict, S::Error> {
    let link = match DigitalLink::parse(text) {
        Ok(link) => link,
        Err(LinkError::NotALink) => return Ok(not_signed(NotSignedReason::NotAProductLink)),
        Err(_) if !looks_signed(text) => return Ok(not_signed(NotSignedReason::NotAProductLink)),
        Err(e) => {
            return Ok(Verdict::Malformed { reason: e.to_string() });
        }
    };
    let Some(sig_text) = &link.sig else {
        return Ok(not_signed(NotSignedReason::UnsignedProductLink));
    };
    let sig = match CodeSignature::parse(sig_text) {
        Ok(sig) => sig,
        Err(e) => {
            return Ok(Verdict::Malformed { reason: e.to_string() });
        }
    };
    let claimed = Product::new(&link.data, &link.host);

    let index = store.key_index()?;
    let floor = index.time_floor();
    let now = device_now.max(floor);
    let mut warnings = Vec::new();
    if device_now.plus(CLOCK_SLACK_SECS) < floor {
        warnings.push(Warning::ClockBehind { device: device_now.as_secs(), signed_floor: floor.as_secs() });
    }

    // Keys whose scope covers this GTIN; where several match, try each.
    let mut candidates = index.keys_for(link.data.gtin(), sig.kid).peekable();
    let none_in_scope = candidates.peek().is_none();
    let Some(key) = candidates.find(|k| sig.verifies(&link.data, &k.key)).map(|k| &k.record) else {
        return Ok(match out_of_scope_signer(&index, &link, &sig) {
            Some(signer) => Verdict::Forged {
                claimed,
                reason: ForgeryReason::KeyOutOfScope { signer_brand: signer.brand_id },
            },
            None if none_in_scope => Verdict::UnknownIssuer { claimed, kid: sig.kid },
            None => Verdict::Forged { claimed, reason: ForgeryReason::BadSignature },
        });
    };

    // The code carries no signing time, so the key's windows bound it: before
    // sign_from it cannot exist yet; after verify_until the brand no longer vouches.
    if now < key.sign_from {
        let reason = ForgeryReason::KeyNotYetValid { sign_from: key.sign_from.as_secs() };
        return Ok(Verdict::Forged { claimed, reason });
    }
    if now > key.verify_until {
        let reason = ForgeryReason::KeyExpired { verify_until: key.verify_until.as_secs() };
        return Ok(Verdict::Forged { claimed, reason });
    }
    let issuer = issuer(key);
    if let Some((reason, since)) = revocation(store, &index, key, &link.data)? {
        return Ok(Verdict::Revoked { product: claimed, issuer, reason, since: since.as_secs() });
    }

    // Registered hosts are https addresses: a plain-http link is not one.
    let origin = link.origin();
    if !index.host_registered(&key.brand_id, &origin) {
        warnings.push(Warning::UnregisteredHost { host: origin });
    }
    if let Some(expiry) = link.data.date(AI_EXPIRY)
        && expiry.end_unix() <= now.as_secs()
    {
        warnings.push(Warning::ProductExpired { expiry });
    }
    let revocation = Freshness::at(index.brand_synced_at(&key.brand_id), now);
    Ok(Verdict::Authentic(Authentic { product: claimed, issuer, revocation, warnings }))
}

/// Is this validly signed code revoked, and since when? Keys first (revoked
/// in the keyset itself, or through the brand's `keys` list), then the
/// brand's synced lists: revoked and cloned codes, recalled batches. For list
/// entries "since" is the signed time of the lists that carry them.
fn revocation<S: TrustState + ?Sized>(
    store: &S,
    index: &KeyIndex,
    key: &KeyRecord,
    data: &Gs1Data,
) -> Result<Option<(RevocationReason, UnixTime)>, S::Error> {
    if let Some(since) = key.revoked_at.or_else(|| index.key_revoked_since(&key.brand_id, key.kid)) {
        return Ok(Some((RevocationReason::KeyRevoked, since)));
    }
    let Some(lists) = index.lists_of(&key.brand_id) else {
        return Ok(None);
    };
    let gtin = data.gtin().as_str();
    let checks = [
        (ListKind::Revoked, data.serial(), RevocationReason::CodeRevoked),
        (ListKind::Cloned, data.serial(), RevocationReason::CodeCloned),
        (ListKind::Recalled, data.batch(), RevocationReason::BatchRecalled),
    ];
    for (kind, value, reason) in checks {
        let Some(value) = value else { continue };
        let entry = entry(kind, gtin, value);
        // A closed key's filter block answers exactly for every serial that
        // key signed; entries revoked since the base are still entries.
        if index.filtered(lists, key.kid, kind, entry) == Some(true)
            || (index.has_entries(lists, kind) && store.listed(lists, kind, entry)?)
        {
            return Ok(Some((reason, lists.signed_at)));
        }
    }
    Ok(None)
}

/// A real key of another scope that signed this exact data: the code is a
/// genuine signature put on a GTIN its key may not vouch for.
fn out_of_scope_signer(index: &KeyIndex, link: &DigitalLink, sig: &CodeSignature) -> Option<KeyRecord> {
    index
        .keys_with_kid(sig.kid)
        .filter(|k| !k.covers(link.data.gtin()))
        .find(|k| sig.verifies(&link.data, &k.key))
        .map(|k| k.record.clone())
}

fn issuer(key: &KeyRecord) -> Issuer {
    Issuer {
        brand_id: key.brand_id.clone(),
        brand_name: key.brand_name.clone(),
        kid: key.kid,
        verify_until: key.verify_until.as_secs(),
    }
}

fn not_signed(reason: NotSignedReason) -> Verdict {
    Verdict::NotSigned { reason }
}

/// Does a text that failed to parse still claim to be a Genuine code?
/// Only then is it "malformed"; a broken plain link is just "not signed".
fn looks_signed(text: &str) -> bool {
    text.contains("sig=")
}
