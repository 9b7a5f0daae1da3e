#!/usr/bin/env python3
"""Scanner benchmark: zxing-cpp and each configuration of Genuine's scanner
(rqrr alone, the rqrr pipeline, rxing alone, the full scanner) on the same
images in one run. Prints, per folder and per group (photos, generated
frames): images, decode rate of each, median decode time of each, and the
ratio of the full scanner's median to zxing-cpp's.

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
GENUINE = os.environ.get("GENUINE_BIN") or os.path.join(ROOT, "target", "release", "genuine")
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


def genuine(paths, engine, repeat):
    args = [GENUINE, "decode", "--json", "--engine", engine]
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
    # Configurations of our scanner, measured beside zxing-cpp: rqrr alone
    # (the baseline), the rqrr pipeline, rxing alone, and the full scanner.
    engines = ["rqrr", "rqrr-pipeline", "rxing", "full"]
    names = ["rqrr", "pipeline", "rxing", "genuine"]
    head = (f"{'folder':<24} {'n':>4} | {'zxing':>6} " + " ".join(f"{n:>8}" for n in names)
            + f" | {'zxing ms':>8} " + " ".join(f"{n + ' ms':>11}" for n in names) + f" | {'genuine/zxing':>13}")
    print(head)
    print("-" * len(head))
    groups = {}
    for folder in folders:
        cs = cases(folder)
        if not cs:
            continue
        paths = [p for p, _ in cs]
        z = [zxing(p, e, repeat) for p, e in cs]
        runs = [genuine(paths, eng, repeat) for eng in engines]
        hit = lambda res, p, e: any(c["text"] == e for c in res.get(p, {}).get("codes", []))
        rates = [sum(ok for ok, _ in z)] + [sum(hit(r, p, e) for p, e in cs) for r in runs]
        times = [statistics.median(t for _, t in z) / 1000] + [
            statistics.median(r[p]["decode_us"] for p in paths) / 1000 for r in runs]
        n = len(cs)
        group = groups.setdefault("frames" if "x" in os.path.basename(folder) else "photos", {"n": 0, "hits": [0] * 5, "times": [[] for _ in range(5)]})
        group["n"] += n
        for i in range(5):
            group["hits"][i] += rates[i]
        group["times"][0] += [t for _, t in z]
        for i, r in enumerate(runs):
            group["times"][i + 1] += [r[p]["decode_us"] for p in paths]
        print(f"{os.path.basename(folder):<24} {n:>4} | " + " ".join(f"{h / n:>6.0%}" if i == 0 else f"{h / n:>8.0%}" for i, h in enumerate(rates))
              + f" | {times[0]:>8.2f} " + " ".join(f"{t:>11.2f}" for t in times[1:]) + f" | {times[4] / times[0]:>12.1f}x")
        if os.environ.get("MISSES"):
            for p, e in cs:
                if not hit(runs[-1], p, e):
                    print("   miss:", os.path.relpath(p))
    print("-" * len(head))
    for name, g in groups.items():
        n = g["n"]
        med = [statistics.median(t) / 1000 for t in g["times"]]
        print(f"{'all ' + name:<24} {n:>4} | " + " ".join(f"{h / n:>6.1%}" if i == 0 else f"{h / n:>8.1%}" for i, h in enumerate(g["hits"]))
              + f" | {med[0]:>8.2f} " + " ".join(f"{t:>11.2f}" for t in med[1:]) + f" | {med[4] / med[0]:>12.1f}x")


if __name__ == "__main__":
    main()
