#!/usr/bin/env python3
"""Approach sequences: what a live scanner sees as a hand brings a phone to a
box. Each sequence is 40 frames (made here, deterministically, from a seed):
a code on packaging enters small and far, grows as the phone comes closer,
drifts, tilts a little, blurs with hand shake and sharpens as it settles.
For each sequence and each reader (zxing-cpp, Genuine `--effort live`,
Genuine `--effort photo`) the benchmark finds the first frame read
correctly, and the per-frame decode time.

    pip install zxing-cpp pillow numpy
    cargo build --release -p genuine-cli
    python3 bench/approach.py        # writes bench/approach/ (not committed) the first time

Prints one row per sequence and a summary row per resolution.
"""
import glob, os, random, statistics, sys

import numpy as np
import zxingcpp
from PIL import Image, ImageFilter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live import ROOT, genuine, packaging, p95, zxing  # noqa: E402

SEED = 23
FRAMES = 40
SEQUENCES = 6
CODES = ["genuine.png", "genuine-full.png", "revoked-key.png", "other-brand.png"]


def sequence(w, h, index):
    """The frames of one approach, and the text of its code."""
    rng = random.Random(f"{SEED}-{w}x{h}-{index}")
    source = Image.open(os.path.join(ROOT, "tests", "fixtures", CODES[index % len(CODES)])).convert("L")
    text = zxingcpp.read_barcodes(np.asarray(source))[0].text
    scene = packaging(w, h, rng).convert("L")
    start, end = rng.uniform(0.06, 0.10) * h, rng.uniform(0.40, 0.60) * h
    x0, y0 = rng.uniform(0.05, 0.6) * w, rng.uniform(0.05, 0.5) * h
    x1, y1 = rng.uniform(0.3, 0.5) * w, rng.uniform(0.2, 0.35) * h
    angle0 = rng.uniform(-25, 25)
    noise = np.random.default_rng(rng.randint(0, 1 << 30))
    frames = []
    for i in range(FRAMES):
        t = i / (FRAMES - 1)
        size = int(start * (end / start) ** t)  # closer: the code grows geometrically
        angle = angle0 * (1 - t) + rng.uniform(-3, 3)  # straightening as it settles
        code = source.resize((size, size), Image.BILINEAR).rotate(angle, expand=True, fillcolor=255)
        mask = Image.new("L", (size, size), 255).rotate(angle, expand=True)
        frame = scene.copy()
        x = int(x0 + (x1 - x0) * t + rng.uniform(-8, 8))
        y = int(y0 + (y1 - y0) * t + rng.uniform(-8, 8))
        frame.paste(code, (x, y), mask)
        # Hand shake: blur that comes and goes, settling at the end.
        shake = max(0.0, rng.gauss(1.2 * (1 - t) + 0.2, 0.8))
        if shake > 0.3:
            frame = frame.filter(ImageFilter.GaussianBlur(shake))
        arr = np.asarray(frame).astype(np.int16) + noise.integers(-8, 9, (h, w), dtype=np.int16)
        frames.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)))
    return frames, text


def sets():
    out = []
    for (w, h) in [(1920, 1080), (1280, 720)]:
        for index in range(SEQUENCES):
            folder = os.path.join(ROOT, "bench", "approach", f"{w}x{h}-{index}")
            if not os.path.isdir(folder):
                partial = folder + ".partial"
                os.makedirs(partial, exist_ok=True)
                frames, text = sequence(w, h, index)
                for i, frame in enumerate(frames):
                    frame.save(os.path.join(partial, f"{i:02}.png"))
                open(os.path.join(partial, "text"), "w").write(text)
                os.rename(partial, folder)
            files = sorted(glob.glob(os.path.join(folder, "*.png")))
            out.append((f"{w}x{h}", index, files, open(os.path.join(folder, "text")).read()))
    return out


FRAME_MS = 1000 / 30
#: A phone is 3-4 times slower than this machine (issue 17); 1 is this machine.
SLOWDOWNS = (1, 4)


def time_to_read(costs_us, read, slowdown):
    """Milliseconds from the first frame to the first correct read, for a
    camera at 30 frames a second whose analyzer keeps only the latest frame:
    while a frame is scanned, the frames that arrive are dropped."""
    t = 0.0
    while True:
        i = int(t // FRAME_MS)
        if i >= len(read):
            return None
        t = max(t, i * FRAME_MS) + costs_us[i] * slowdown / 1000
        if read[i]:
            return t


def main():
    print("| sequence | first correct read (frame) zxing / live / photo | "
          + " | ".join(f"ms to it at 30 fps, {k}× this machine's time" for k in SLOWDOWNS)
          + " | median µs zxing / live / photo | live ÷ zxing median, p95, worst frame |")
    print("|---|---|" + "---|" * len(SLOWDOWNS) + "---|---|")
    summary = {}
    for size, index, files, text in sets():
        z = {f: zxing(f, repeat=1) for f in files}
        runs = {e: genuine(files, e, repeat=1) for e in ("live", "photo")}
        costs = {"zxing": [z[f][0] for f in files]}
        costs.update({e: [runs[e][f]["decode_us"] for f in files] for e in ("live", "photo")})
        first, waited = {}, {}
        for e in ("zxing", "live", "photo"):
            read = [text in (z[f][1] if e == "zxing" else [c["text"] for c in runs[e][f]["codes"]]) for f in files]
            first[e] = read.index(True) if True in read else len(files)
            waited[e] = [time_to_read(costs[e], read, k) for k in SLOWDOWNS]
        zt, lt, pt = costs["zxing"], costs["live"], costs["photo"]
        ratio = [l / max(zz, 1) for l, zz in zip(lt, zt)]
        summary.setdefault(size, []).append((first, ratio, waited))
        print(f"| {size} #{index} | {first['zxing']} / {first['live']} / {first['photo']} | "
              + " | ".join(" / ".join(fmt(waited[e][k]) for e in ("zxing", "live", "photo")) for k in range(len(SLOWDOWNS)))
              + f" | {statistics.median(zt):.0f} / {statistics.median(lt):.0f} / {statistics.median(pt):.0f} | "
              f"{statistics.median(lt) / statistics.median(zt):.2f}×, {p95(ratio):.2f}×, {max(ratio):.2f}× |")
    for size, rows in summary.items():
        mean = {e: statistics.mean(r[0][e] for r in rows) for e in ("zxing", "live", "photo")}
        worse = sum(r[0]["live"] > r[0]["zxing"] for r in rows)
        ratios = [x for r in rows for x in r[1]]
        waits = [" / ".join(fmt(mean_of([r[2][e][k] for r in rows])) for e in ("zxing", "live", "photo"))
                 for k in range(len(SLOWDOWNS))]
        print(f"| {size}: mean | {mean['zxing']:.1f} / {mean['live']:.1f} / {mean['photo']:.1f} "
              f"(live later than zxing-cpp on {worse} of {len(rows)}) | " + " | ".join(waits) + " | | "
              f"{statistics.median(ratios):.2f}×, {p95(ratios):.2f}×, {max(ratios):.2f}× (all frames) |")


def fmt(ms):
    return "never" if ms is None else f"{ms:.0f}"


def mean_of(values):
    """The mean, or None if any sequence was never read."""
    return None if None in values else statistics.mean(values)


if __name__ == "__main__":
    main()
