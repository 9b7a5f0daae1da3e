"""The executor's half of the sweep: one partition of listing rows in, one
row per code (or per image without one) out, with its verdict and rule.

The verifier is opened once per partition, on a private copy of the store
the driver built and shipped (so every task verifies against the same
trust, synced once), and checked against what the driver saw: a task with
a damaged or different store fails loudly rather than verify against less.
Images are read and scanned a few at a time (``CHUNK``), so a task holds at
most that many photos, and the scanning runs in Rust without the GIL.
"""

import json
import os
import shutil
import tempfile

import genuine
import pandas as pd

from . import rules
from .images import read_image

# Photos read, scanned and verified per call into Rust.
CHUNK = 8

COLUMNS = ["row", "listing_id", "seller_id", "image", "claimed_brand", "claimed_gtin", "status", "detail", "codes",
           "text", "verdict", "reason", "brand", "gtin", "serial", "vouched", "rule", "evidence"]

SCHEMA = ("row long, listing_id string, seller_id string, image string, claimed_brand string, claimed_gtin string, "
          "status string, detail string, codes int, text string, verdict string, reason string, brand string, "
          "gtin string, serial string, vouched boolean, rule string, evidence string")


class Trust:
    """What the driver ships: file names (for ``SparkFiles.get``) and what the store must hold."""

    def __init__(self, anchor, store, expect, now, max_bytes, roots):
        self.anchor, self.store, self.expect = anchor, store, expect
        self.now, self.max_bytes, self.roots = now, max_bytes, roots


def fingerprint(status):
    """What two stores must agree on to give the same verdicts."""
    brands = sorted((b["brand_id"], b.get("keyset_version"), b.get("revocation_seq")) for b in status["brands"])
    return {"root": status.get("root_version"), "timestamp": status.get("timestamp_version"), "brands": brands}


def open_verifier(trust, workdir):
    """The verifier on a private copy of the shipped store, checked against the driver's."""
    from pyspark import SparkFiles

    db = os.path.join(workdir, "genuine.db")
    shutil.copyfile(SparkFiles.get(trust.store), db)
    verifier = genuine.Verifier.open(anchor=SparkFiles.get(trust.anchor), db=db)
    if verifier.notes:
        raise genuine.TrustError("the shipped store: " + "; ".join(verifier.notes))
    status = verifier.status()
    if json.loads(json.dumps(fingerprint(status))) != trust.expect:
        raise genuine.TrustError(f"the shipped store differs from the driver's: {fingerprint(status)}")
    return verifier, {b["brand_id"]: b["name"] for b in status["brands"]}


def sweep(batches, trust):
    """``mapInPandas``'s function: an iterator of pandas frames in, of frames out."""
    workdir = tempfile.mkdtemp(prefix="genuine-sweep-")
    try:
        verifier, names = open_verifier(trust, workdir)
        with verifier:
            for batch in batches:
                for start in range(0, len(batch), CHUNK):
                    yield frame(chunk_rows(verifier, names, batch.iloc[start:start + CHUNK], trust))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def frame(rows):
    """Rows as a frame of plain Python values: every column present, None for
    missing (pandas would otherwise guess a float column of NaN for a chunk
    whose rows all lack one, which Arrow cannot take as a string or a bool)."""
    data = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in COLUMNS}
    data["row"] = data["row"].astype("int64")
    data["codes"] = data["codes"].astype("int32")
    return pd.DataFrame(data, columns=COLUMNS)


def chunk_rows(verifier, names, chunk, trust):
    """The rows of a few listing rows: read, scan and verify, rules."""
    out, todo = [], []
    for row in chunk.itertuples(index=False):
        base = {"row": row.row, "listing_id": row.listing_id, "seller_id": row.seller_id, "image": row.image,
                "claimed_brand": row.claimed_brand, "claimed_gtin": row.claimed_gtin}
        if row.row_status not in ("ok", "conflicting_listing"):
            out.append(dict(base, status=row.row_status, detail=row.row_detail, codes=0))
            continue
        data, status, detail = read_image(row.image, trust.max_bytes, trust.roots)
        if data is None:
            out.append(dict(base, status=status, detail=detail, codes=0))
        else:
            # A listing id two sellers give is still scanned (a forger must
            # not hide a listing behind a shared id), and its rows say so.
            if row.row_status != "ok":
                base = dict(base, conflict=row.row_detail)
            todo.append((base, data))
    if not todo:
        return out
    photos = verifier.scan_and_verify_many([d for _, d in todo], names=[b["image"] for b, _ in todo], now=trust.now)
    for (base, _), photo in zip(todo, photos):
        if photo.error is not None:
            status = "internal_error" if isinstance(photo.error, genuine.InternalError) else "unreadable"
            out.append(dict(base, status=status, detail=str(photo.error), codes=0))
            continue
        conflict = base.pop("conflict", None)
        ok, ok_detail = ("conflicting_listing", conflict) if conflict else ("ok", None)
        if not photo.codes:
            out.append(dict(base, status=ok, detail=ok_detail or "no code found", codes=0))
            continue
        gtin = rules.claimed_gtin14(base["claimed_gtin"])
        for v in photo.codes:
            rule, evidence = rules.code_rule(v.verdict, v.reason, v.brand, v.gtin, base["claimed_brand"], gtin,
                                             names)
            out.append(dict(base, status=ok, detail=ok_detail, codes=len(photo.codes), text=v.text,
                            verdict=v.verdict, reason=v.reason, brand=v.brand, gtin=v.gtin, serial=v.serial,
                            vouched=v.vouched, rule=rule,
                            evidence=None if rule is None else json.dumps(dict(evidence, image=base["image"],
                                                                               text=v.text), sort_keys=True)))
    return out
