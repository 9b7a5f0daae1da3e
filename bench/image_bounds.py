#!/usr/bin/env python3
"""Image bounds benchmark (security review 2, findings 5 and 11): the worst
shapes and contents an image file can have within the 64 Mpx cap, each
through the release CLI's `genuine decode` (decoding the file and scanning
it) under `/usr/bin/time -v`, by both efforts. Prints per file its size,
and per effort the wall time (best of three) and peak resident memory
(the most of the three), and the exit status (0 read, 1 no code, 2 refused).

    cargo build --release -p genuine-cli
    python3 bench/image_bounds.py                    # files go to target/image-bounds/
    GENUINE_BASELINE=/path/to/old/genuine python3 bench/image_bounds.py   # a second column set

The files are made here with the standard library (zlib), deterministically.
"""
import os, random, re, struct, subprocess, sys, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENUINE = os.environ.get("GENUINE_BIN") or os.path.join(ROOT, "target", "release", "genuine")
BASELINE = os.environ.get("GENUINE_BASELINE")
OUT = os.path.join(ROOT, "target", "image-bounds")


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(path, width, height, rows, colour=0, depth=8):
    """Writes a PNG whose row y is rows(y) (raw samples, no filter byte)."""
    if os.path.exists(path):
        return
    z = zlib.compressobj(6)
    with open(path + ".part", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)))
        data = []
        for y in range(height):
            data.append(z.compress(b"\0" + rows(y)))
        data.append(z.flush())
        f.write(chunk(b"IDAT", b"".join(data)))
        f.write(chunk(b"IEND", b""))
    os.rename(path + ".part", path)


def flat(width, value=b"\xc8"):
    row = value * width
    return lambda y: row


def bars(width, period=6):
    row = bytes(40 if (x // (period // 2)) % 2 == 0 else 220 for x in range(width))
    return lambda y: row


def noise(width, seed, block=1):
    """Grey noise in blocks of `block` pixels (rows repeat `block` times)."""
    rng = random.Random(seed)
    rows = {}

    def row(y):
        key = y // block
        if key not in rows:
            rows.clear()
            cells = bytes(rng.getrandbits(8) for _ in range(width // block + 1))
            rows[key] = bytes(cells[x // block] for x in range(width))
        return rows[key]

    return row


def fake_symbols(path, n=40, module=8, width=4000, height=3000, seed=1):
    """Finding 11's frame: `n` fake symbols (three finders in an L, random
    modules between, no separators) at random places on white."""
    if os.path.exists(path):
        return
    rng = random.Random(seed)
    img = [bytearray(b"\xff" * width) for _ in range(height)]

    def box(x, y, w, h):
        for yy in range(y, y + h):
            img[yy][x:x + w] = b"\0" * w

    size = 21 * module
    placed = []
    while len(placed) < n:
        x, y = rng.randrange(0, width - size - 8), rng.randrange(0, height - size - 8)
        if any(abs(x - a) < size + module and abs(y - b) < size + module for a, b in placed):
            continue
        placed.append((x, y))
        for fx, fy in [(0, 0), (14, 0), (0, 14)]:
            ox, oy = x + fx * module, y + fy * module
            box(ox, oy, 7 * module, 7 * module)
            for yy in range(oy + module, oy + 6 * module):
                img[yy][ox + module:ox + 6 * module] = b"\xff" * (5 * module)
            box(ox + 2 * module, oy + 2 * module, 3 * module, 3 * module)
        for my in range(8, 21):
            for mx in range(8, 21):
                if rng.random() < 0.5:
                    box(x + mx * module, y + my * module, module, module)
    png(path, width, height, lambda y: bytes(img[y]))


CASES = [
    # (name, maker): the file's name says its shape and content.
    ("1x16777217-flat.png", lambda p: png(p, 1, (16 << 20) + 1, flat(1))),
    ("16777216x1-flat.png", lambda p: png(p, 16 << 20, 1, flat(16 << 20))),
    ("21x3195660-noise.png", lambda p: png(p, 21, 3195660, noise(21, 1))),
    ("256x65536-noise.png", lambda p: png(p, 256, 65536, noise(256, 2))),
    ("256x65536-bars.png", lambda p: png(p, 256, 65536, bars(256))),
    ("720x23301-bars.png", lambda p: png(p, 720, 23301, bars(720))),
    ("2048x32768-noise4.png", lambda p: png(p, 2048, 32768, noise(2048, 3, 4))),
    ("8192x8192-rgba16-flat.png", lambda p: png(p, 8192, 8192, flat(8192, b"\xc3\x50\x9c\x40\x75\x30\xff\xff"), 6, 16)),
    ("8192x8192-noise.png", lambda p: png(p, 8192, 8192, noise(8192, 4))),
    ("8192x8192-noise11.png", lambda p: png(p, 8192, 8192, noise(8192, 5, 11))),
    ("4000x3000-fake-symbols.png", fake_symbols),
]


def run(binary, path, effort):
    best, peak, status = None, 0, None
    for _ in range(3):
        p = subprocess.run(["/usr/bin/time", "-v", binary, "decode", "--effort", effort, path],
                           capture_output=True, text=True)
        wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
        secs = float(wall.group(3)) + 60 * int(wall.group(2)) + 3600 * int(wall.group(1) or 0)
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
        best = secs if best is None else min(best, secs)
        peak = max(peak, rss)
        status = p.returncode
    return best, peak, status


def main():
    os.makedirs(OUT, exist_ok=True)
    binaries = [("genuine", GENUINE)] + ([("baseline", BASELINE)] if BASELINE else [])
    head = "| file | bytes |"
    rule = "|---|---|"
    for name, _ in binaries:
        for effort in ("photo", "live"):
            head += f" {name} {effort}: s, MB, exit |"
            rule += "---|"
    print(head)
    print(rule)
    for name, make in CASES:
        path = os.path.join(OUT, name)
        make(path)
        row = f"| {name} | {os.path.getsize(path):,} |"
        for _, binary in binaries:
            for effort in ("photo", "live"):
                secs, kib, status = run(binary, path, effort)
                row += f" {secs:.2f}, {kib / 1024:.0f}, {status} |"
        print(row, flush=True)


if __name__ == "__main__":
    sys.exit(main())
