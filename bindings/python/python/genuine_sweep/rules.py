"""The rules a listing's codes are held to, and the evidence each keeps.

Per code (here, on the executor, beside the verdict):

- ``forged``: the code claims a Genuine signature it does not have (the
  signature fails, its key may not sign this GTIN or signed outside its
  window), or it claims one and cannot be read (``malformed``).
- ``not_ours``: a code in Genuine's format signed by no key this trust
  knows: another operator's, a brand not in the bundle, or a made-up key.
- ``copied``: the brand listed the serial as cloned: seen copied onto
  other items.
- ``revoked``: the brand revoked the code, its batch or its key.
- ``brand_mismatch``: a genuine code of another brand than the listing
  claims, or of another GTIN than it claims.

Across listings (in Spark, ``job.py``): ``shared_serial``, one vouched serial
in the listings of N or more sellers: one genuine box photographed for
everyone's fakes. Only vouched codes count (a forger can print any serial,
and would otherwise frame the sellers of the real one).
"""

import unicodedata

import genuine

# Most severe first: a listing's headline rule is the first of its rules here.
SEVERITY = ["forged", "not_ours", "copied", "revoked", "brand_mismatch", "shared_serial"]


def normal_name(name):
    """A brand name or id as compared: compatibility forms (fullwidth and
    the like) and case folded, punctuation dropped; letters of every script
    kept, so a claim in look-alike or other letters stays a claim (and does
    not match) rather than folding to nothing."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


def claimed_gtin14(claimed):
    """The claimed GTIN as the 14 digits codes carry, or None if absent or not a GTIN
    (then there is nothing to compare: a listing's own typo is not a finding)."""
    if claimed is None or not str(claimed).strip():
        return None
    try:
        return genuine.gtin(str(claimed).strip())
    except genuine.BadInput:
        return None


def code_rule(verdict, reason, brand, gtin, claimed_brand, claimed_gtin, brand_names):
    """The rule one code breaks, with its evidence, or (None, None).

    ``claimed_gtin`` is already 14 digits (or None); ``brand_names`` maps a
    brand id to its name, from the store.
    """
    if verdict in ("forged", "malformed"):
        return "forged", {"verdict": verdict, "reason": reason, "claimed_gtin_in_code": gtin}
    if verdict == "unknown_issuer":
        return "not_ours", {"verdict": verdict, "claimed_gtin_in_code": gtin}
    if verdict == "revoked":
        return ("copied" if reason == "code_cloned" else "revoked"), {"verdict": verdict, "reason": reason,
                                                                      "brand": brand}
    if verdict != "authentic":
        return None, None
    names = {normal_name(brand)}
    if brand in brand_names:
        names.add(normal_name(brand_names[brand]))
    wrong_brand = claimed_brand is not None and normal_name(str(claimed_brand)) not in names | {""}
    wrong_gtin = claimed_gtin is not None and claimed_gtin != gtin
    if wrong_brand or wrong_gtin:
        return "brand_mismatch", {"code_brand": brand, "code_brand_name": brand_names.get(brand), "code_gtin": gtin,
                                  "claimed_brand": claimed_brand, "claimed_gtin": claimed_gtin}
    return None, None


def headline(rules):
    """The most severe of a listing's rules."""
    return min(rules, key=SEVERITY.index)
