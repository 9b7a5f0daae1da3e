#!/usr/bin/env python3
"""Scanner benchmark: zxing-cpp, raw rqrr and Genuine's pipeline on the same
images in one run. Prints, per folder: images, decode rate of each, median
decode time of each, and the ratio of Genuine's median to zxing-cpp's.

    pip install zxing-cpp pillow numpy
    cargo build --release -p genuine-cli
    python3 bench/scanner.py [FOLDER ...]     # default: ../shared/qr-photos/zxing/* and bench/frames/*

A folder holds NAME.png/.jpg with NAME.txt (the exact expected text). An
image counts as read when any decoded code's text equals the expected text
byte for byte. Times are in-process decode times (image loading excluded):
zxing-cpp's `read_barcodes` on a preloaded luma array, and `decode_us` from
`genuine decode --json`.
"""
import glob, json, os, statistics, subprocess, sys, time

import numpy as np
import zxingcpp
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENUINE = os.path.join(ROOT, "target", "release", "genuine")
EXTS = (".png", ".jpg", ".jpeg", ".webp")


def cases(folder):
    out = []
    for img in sorted(glob.glob(os.path.join(folder, "*"))):
        base, ext = os.path.splitext(img)
        if ext.lower() in EXTS and os.path.exists(base + ".txt"):
            with open(base + ".txt", "rb") as f:
                out.append((img, f.read().decode("utf-8")))
    return out


def zxing(img_path, expected, repeat):
    luma = np.asarray(Image.open(img_path).convert("L"))
    best, ok = None, False
    for _ in range(repeat):
        t = time.perf_counter()
        results = zxingcpp.read_barcodes(luma, formats=zxingcpp.BarcodeFormat.QRCode)
        dt = (time.perf_counter() - t) * 1e6
        best = dt if best is None else min(best, dt)
        ok = any(r.text == expected for r in results)
    return ok, best


def genuine(paths, raw, repeat):
    args = [GENUINE, "decode", "--json"] + (["--raw"] if raw else [])
    best = {}
    for _ in range(repeat):
        proc = subprocess.run(args + paths, capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            r = json.loads(line)
            prev = best.get(r["file"])
            if prev is None or r["decode_us"] < prev["decode_us"]:
                best[r["file"]] = r
    return best


def main():
    folders = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "..", "shared", "qr-photos", "zxing", "qrcode-*"))) + sorted(
        glob.glob(os.path.join(ROOT, "bench", "frames", "*")))
    repeat = int(os.environ.get("REPEAT", "3"))
    head = f"{'folder':<12} {'images':>6} | {'zxing-cpp':>9} {'rqrr':>6} {'genuine':>7} | {'zxing ms':>8} {'rqrr ms':>8} {'genuine ms':>10} | {'genuine/zxing':>13}"
    print(head)
    print("-" * len(head))
    totals = {"n": 0, "z": 0, "r": 0, "g": 0}
    for folder in folders:
        cs = cases(folder)
        if not cs:
            continue
        paths = [p for p, _ in cs]
        z = [zxing(p, e, repeat) for p, e in cs]
        raw = genuine(paths, True, repeat)
        ours = genuine(paths, False, repeat)
        hit = lambda res, p, e: any(c["text"] == e for c in res.get(p, {}).get("codes", []))
        zr = sum(ok for ok, _ in z)
        rr = sum(hit(raw, p, e) for p, e in cs)
        gr = sum(hit(ours, p, e) for p, e in cs)
        zt = statistics.median(t for _, t in z) / 1000
        rt = statistics.median(raw[p]["decode_us"] for p in paths) / 1000
        gt = statistics.median(ours[p]["decode_us"] for p in paths) / 1000
        n = len(cs)
        for k, v in (("n", n), ("z", zr), ("r", rr), ("g", gr)):
            totals[k] += v
        print(f"{os.path.basename(folder):<12} {n:>6} | {zr / n:>8.0%} {rr / n:>6.0%} {gr / n:>7.0%} | {zt:>8.2f} {rt:>8.2f} {gt:>10.2f} | {gt / zt:>12.1f}x")
        if os.environ.get("MISSES"):
            for p, e in cs:
                if not hit(ours, p, e):
                    print("   miss:", os.path.relpath(p))
    n = totals["n"]
    if n:
        print("-" * len(head))
        print(f"{'all':<12} {n:>6} | {totals['z'] / n:>8.0%} {totals['r'] / n:>6.0%} {totals['g'] / n:>7.0%} |")


if __name__ == "__main__":
    main()
