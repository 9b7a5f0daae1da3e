#!/usr/bin/env python3
"""A synthetic marketplace for the sweep's tests and benchmark: listing
photos of packaging, each with a genuine, forged, revoked or copied code,
another QR code or none, and the listings table that points at them, with
the truth of what a sweep must find. Deterministic for a seed.

    cargo build -p genuine-tests --bin make-marketplace
    python3 tests/marketplace.py OUT [--seed 7] [--listings 60] [--size 800]

writes OUT/world/ (anchor.txt, trust.bundle, feed/: from make-marketplace,
the demo world with Acme's revoked and cloned serials in a feed published
now), OUT/images/, OUT/listings.parquet and OUT/listings.csv (listing_id,
seller_id, image, claimed_brand, claimed_gtin) and OUT/expected.json: the
rules each listing must get, and the status of each image row.

Kinds of listing (each a share of the whole, at least one of each):
clean (a genuine code of the claimed brand, no finding), forged (a serial
changed under its signature), out-of-scope (one brand's key on another's
GTIN: forged), revoked and key-revoked (revoked), cloned (copied), unknown
issuer (not ours), brand mismatch (a genuine code of another brand than
claimed, or another GTIN), shared serial (one box photographed for three
sellers' listings), and the negatives that look like it: one seller's photo
in two of their listings, two sellers with one serial (a resale). Then
photos with another QR code or none, a second photo without a code, and
bad input: a missing file, bytes that are no image, a decompression bomb
(a small PNG of 72 megapixels), a file over the sweep's byte limit when
run with --max-image-bytes 2000000, a row given twice and one listing id
given to two sellers.
"""
import argparse
import io
import json
import math
import os
import random
import subprocess
import sys
import zlib
import struct

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BRANDS = {"acme": ("Acme Foods", "09506000134352"), "globex": ("Globex Pharma", "00614141000036")}
# How many sellers must show one serial before it is a finding (the sweep's default).
SHARED_SELLERS = 3


def world(out, seed, per_kind):
    """The trust, feed and codes, from make-marketplace."""
    exe = os.environ.get("MAKE_MARKETPLACE")
    if not exe:
        for profile in ("release", "debug"):
            candidate = os.path.join(ROOT, "target", profile, "make-marketplace")
            if os.path.exists(candidate):
                exe = candidate
                break
    if not exe:
        sys.exit("make-marketplace not built: cargo build -p genuine-tests --bin make-marketplace")
    subprocess.run([exe, os.path.join(out, "world"), str(seed), str(per_kind)], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "world", "codes.json")) as f:
        return json.load(f)


def qr_modules(text):
    """The code's modules, True for dark, without a quiet zone."""
    img = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False)
    return np.asarray(img) < 128


def background(rng, w, h):
    """A table top: a soft colour gradient with grain."""
    base = rng.uniform(90, 200, size=3)
    tilt = rng.uniform(-40, 40, size=3)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xs / w + ys / h)[..., None] / 2
    img = base[None, None, :] + tilt[None, None, :] * t + rng.normal(0, 6, size=(h, w, 1))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def quad(cx, cy, side, angle, skew, rng):
    """The corners of a tilted, slightly perspective square."""
    half = side / 2
    pts = []
    for x, y in ((-half, -half), (half, -half), (half, half), (-half, half)):
        x += rng.uniform(-skew, skew) * side
        y += rng.uniform(-skew, skew) * side
        pts.append((cx + x * math.cos(angle) - y * math.sin(angle), cy + x * math.sin(angle) + y * math.cos(angle)))
    return pts


def perspective_coeffs(dst, src):
    """PIL's PERSPECTIVE coefficients mapping output points dst to input points src."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for p in src for c in p], dtype=np.float64)
    return np.linalg.solve(a, b).tolist()


def paste_code(photo, text, corners, rng):
    """Prints the code on a white label over the quad `corners` (the label's)."""
    modules = qr_modules(text)
    n = modules.shape[0]
    scale = 8
    quiet = 3
    side = (n + 2 * quiet) * scale
    label = np.full((side, side), 245, np.uint8)
    ink = int(rng.uniform(10, 45))
    big = np.kron(modules, np.ones((scale, scale), bool))
    label[quiet * scale:quiet * scale + n * scale, quiet * scale:quiet * scale + n * scale][big] = ink
    label_img = Image.fromarray(label, "L").convert("RGB")
    w, h = photo.size
    src = [(0, 0), (side, 0), (side, side), (0, side)]
    coeffs = perspective_coeffs(corners, src)
    warped = label_img.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon(corners, fill=255)
    photo.paste(warped, (0, 0), mask)


def packaging(rng, w, h, code, code_side):
    """A photo of a box on a table, with `code` printed on it (or none)."""
    photo = background(rng, w, h)
    draw = ImageDraw.Draw(photo)
    cx, cy = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.4, 0.6)
    box = quad(cx, cy, min(w, h) * rng.uniform(0.55, 0.75), rng.uniform(-0.25, 0.25), 0.04, rng)
    colour = tuple(int(c) for c in rng.uniform(30, 230, size=3))
    draw.polygon(box, fill=colour)
    # Stripes of print across the box.
    for i in range(3):
        y = cy - min(w, h) * 0.2 + i * min(w, h) * 0.08
        stripe = tuple(int(c) for c in rng.uniform(0, 255, size=3))
        draw.rectangle([cx - min(w, h) * 0.22, y, cx + min(w, h) * 0.05, y + min(w, h) * 0.025], fill=stripe)
    if code is not None:
        ox, oy = cx + min(w, h) * rng.uniform(0.02, 0.12), cy + min(w, h) * rng.uniform(0.0, 0.12)
        paste_code(photo, code, quad(ox, oy, code_side, rng.uniform(-0.35, 0.35), 0.05, rng), rng)
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    arr = np.asarray(photo).astype(np.float32) + rng.normal(0, 3, size=(h, w, 1))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png_bomb(width, height):
    """A valid greyscale PNG of width x height, all black: small on disk, huge decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    comp = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def plan(n, rnd):
    """How many listings of each kind: a share each, at least one."""
    shares = [("clean", 0.34), ("forged", 0.06), ("out_of_scope", 0.04), ("revoked", 0.05), ("key_revoked", 0.04),
              ("cloned", 0.05), ("unknown_issuer", 0.04), ("mismatch_brand", 0.04), ("mismatch_gtin", 0.03),
              ("shared", 0.06), ("own_twice", 0.03), ("resale", 0.03), ("other_qr", 0.07), ("no_code", 0.07),
              ("two_photos", 0.03)]
    kinds = []
    for kind, share in shares:
        kinds += [kind] * max(1, round(n * share))
    rnd.shuffle(kinds)
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--listings", type=int, default=60)
    ap.add_argument("--size", type=int, default=800, help="long side of a photo, pixels")
    ap.add_argument("--no-bad", action="store_true", help="no bad input rows (the benchmark)")
    args = ap.parse_args()
    make(args.out, args.seed, args.listings, args.size, not args.no_bad)


def make(out, seed, listings, size, bad=True):
    """Writes the marketplace; returns the expected truth."""
    out = os.path.abspath(out)
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    kinds = plan(listings, rnd)
    per_kind = max(4, len(kinds))
    codes = {k: list(v) for k, v in world(out, seed, per_kind).items()}
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    w, h = size, size * 3 // 4
    rows, findings, statuses = [], {}, {}
    seller_n = [0]

    def seller():
        seller_n[0] += 1
        return f"S{seller_n[0]:04d}"

    texts = {}

    def photo(name, code, quality=None):
        path = os.path.join(out, "images", name)
        texts[path] = [] if code is None else [code]
        side = min(w, h) * rnd.uniform(0.24, 0.4)
        img = packaging(rng, w, h, code, side)
        with open(path, "wb") as f:
            f.write(jpeg(img, quality or rnd.randint(80, 92)))
        return path

    def listing(lid, sid, paths, brand, gtin=None, rules=()):
        for p in paths:
            rows.append({"listing_id": lid, "seller_id": sid, "image": p, "claimed_brand": brand, "claimed_gtin": gtin})
            statuses.setdefault(p, "ok")
        if rules:
            findings[lid] = sorted(set(findings.get(lid, [])) | set(rules))

    take = lambda kind: codes[kind].pop()
    for i, kind in enumerate(kinds):
        lid = f"L{i:05d}"
        brand_id = rnd.choice(["acme", "globex"])
        name, gtin = BRANDS[brand_id]
        if kind == "clean":
            code = take(f"genuine_{brand_id}")
            claimed = rnd.choice([name, brand_id, name.upper()])
            listing(lid, seller(), [photo(f"{lid}.jpg", code)], claimed, rnd.choice([None, gtin, gtin.lstrip("0")]))
        elif kind in ("forged", "revoked", "key_revoked", "cloned", "unknown_issuer"):
            rule = {"forged": "forged", "revoked": "revoked", "key_revoked": "revoked", "cloned": "copied",
                    "unknown_issuer": "not_ours"}[kind]
            listing(lid, seller(), [photo(f"{lid}.jpg", take(kind))], "Acme Foods", None, [rule])
        elif kind == "out_of_scope":
            listing(lid, seller(), [photo(f"{lid}.jpg", take(kind))], "Globex Pharma", None, ["forged"])
        elif kind == "mismatch_brand":
            # A genuine Globex box under a listing that says Acme.
            listing(lid, seller(), [photo(f"{lid}.jpg", take("genuine_globex"))], "Acme Foods", None, ["brand_mismatch"])
        elif kind == "mismatch_gtin":
            # The right brand, another product.
            listing(lid, seller(), [photo(f"{lid}.jpg", take("genuine_acme"))], "Acme Foods", "00614141000036",
                    ["brand_mismatch"])
        elif kind == "shared":
            # One genuine box, photographed once, in three sellers' listings.
            code = take("genuine_acme")
            shared = photo(f"{lid}-shared.jpg", code)
            for k in range(SHARED_SELLERS):
                listing(f"{lid}{'abc'[k]}", seller(), [shared], "Acme Foods", None, ["shared_serial"])
        elif kind == "own_twice":
            sid = seller()
            p = photo(f"{lid}.jpg", take("genuine_acme"))
            listing(f"{lid}a", sid, [p], "Acme Foods")
            listing(f"{lid}b", sid, [p], "Acme Foods")
        elif kind == "resale":
            code = take("genuine_globex")
            listing(f"{lid}a", seller(), [photo(f"{lid}a.jpg", code)], "Globex Pharma")
            listing(f"{lid}b", seller(), [photo(f"{lid}b.jpg", code)], "Globex Pharma")
        elif kind == "other_qr":
            text = rnd.choice([f"https://shop.example/item/{i}", f"WIFI:S:store-{i};T:WPA;P:secret;;",
                               "https://id.acme.example/01/09506000134352/21/NOSIG2345"])
            listing(lid, seller(), [photo(f"{lid}.jpg", text)], name)
        elif kind == "no_code":
            listing(lid, seller(), [photo(f"{lid}.jpg", None)], name)
        elif kind == "two_photos":
            code = take(f"genuine_{brand_id}")
            listing(lid, seller(), [photo(f"{lid}-1.jpg", code), photo(f"{lid}-2.jpg", None)], name)
    if bad:
        bad_rows(out, rows, statuses, seller)
        # One listing id for two sellers, one photo a forgery: a shared id
        # shields nothing, the listing is still scanned and found.
        if codes["forged"]:
            forged = photo("B-conflict-forged.jpg", take("forged"))
            other = photo("B-conflict-other.jpg", None)
            for image in (forged, other):
                rows.append({"listing_id": "B-conflict-forged", "seller_id": seller(), "image": image,
                             "claimed_brand": "Acme Foods", "claimed_gtin": None})
                statuses[image] = "conflicting_listing"
            findings["B-conflict-forged"] = ["forged"]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    rows = [rows[i] for i in order]
    write_tables(out, rows)
    truth = {"findings": findings, "images": statuses, "listings": len({r["listing_id"] for r in rows}),
             "rows": len(rows), "duplicate_rows": 1 if bad else 0, "shared_sellers": SHARED_SELLERS,
             "texts": texts}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    return truth


def bad_rows(out, rows, statuses, seller):
    """Rows a sweep must turn into reasons, never a failed job."""
    img = os.path.join(out, "images")
    missing = os.path.join(img, "gone.jpg")
    rows.append({"listing_id": "B-missing", "seller_id": seller(), "image": missing, "claimed_brand": "Acme Foods"})
    statuses[missing] = "missing"
    garbage = os.path.join(img, "garbage.jpg")
    with open(garbage, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 10)
    rows.append({"listing_id": "B-garbage", "seller_id": seller(), "image": garbage, "claimed_brand": "Acme Foods"})
    statuses[garbage] = "unreadable"
    bomb = os.path.join(img, "bomb.png")
    with open(bomb, "wb") as f:
        f.write(png_bomb(9000, 8000))
    rows.append({"listing_id": "B-bomb", "seller_id": seller(), "image": bomb, "claimed_brand": "Acme Foods"})
    statuses[bomb] = "unreadable"
    big = os.path.join(img, "big.jpg")
    with open(big, "wb") as f:
        f.write(random.Random(1).randbytes(3_000_000))
    rows.append({"listing_id": "B-big", "seller_id": seller(), "image": big, "claimed_brand": "Acme Foods"})
    statuses[big] = "too_large"
    # The first listing's row again, word for word: read once, the copy reported.
    rows.append(dict(rows[0]))
    # One listing id for two sellers: neither row can be trusted to be theirs.
    empty = os.path.join(img, "conflict.jpg")
    Image.new("RGB", (64, 48), (200, 200, 200)).save(empty, "JPEG")
    for _ in range(2):
        rows.append({"listing_id": "B-conflict", "seller_id": seller(), "image": empty, "claimed_brand": "Acme Foods"})
    statuses[empty] = "conflicting_listing"
    # Paths that would make an executor read outside the job's images, or
    # block: each a row with its reason (security review of issue 32).
    hostile = {
        # pyarrow would honour the options: a host of the seller's choosing.
        "s3://listings/a.jpg?scheme=http&endpoint_override=127.0.0.1:9": "not_allowed",
        "s3://[x/y": "unreadable",
        os.path.join(img, "..", "..", "..", "..", "..", "..", "etc", "hostname"): "not_allowed",
        "file:///etc/hostname": "not_allowed",
    }
    link = os.path.join(img, "link.jpg")
    os.symlink("/etc/hostname", link)
    hostile[link] = "not_allowed"
    fifo = os.path.join(img, "fifo.jpg")
    os.mkfifo(fifo)
    hostile[fifo] = "unreadable"
    for path, status in hostile.items():
        rows.append({"listing_id": f"B-hostile-{len(rows)}", "seller_id": seller(), "image": path,
                     "claimed_brand": "Acme Foods"})
        statuses[path] = status
    # An empty seller id is no seller (it would join every blank row's listings).
    blank = os.path.join(img, "blank-seller.jpg")
    Image.new("RGB", (64, 48), (200, 200, 200)).save(blank, "JPEG")
    rows.append({"listing_id": "B-blank-seller", "seller_id": "", "image": blank, "claimed_brand": "Acme Foods"})
    statuses[blank] = "incomplete_row"


def write_tables(out, rows):
    import pandas as pd
    df = pd.DataFrame(rows, columns=["listing_id", "seller_id", "image", "claimed_brand", "claimed_gtin"])
    df.to_parquet(os.path.join(out, "listings.parquet"), index=False)
    df.to_csv(os.path.join(out, "listings.csv"), index=False)


if __name__ == "__main__":
    main()
