#!/usr/bin/env python3
"""The sweep against a baseline Spark job that only decodes, with zxing-cpp's
Python binding (the decoder a platform would otherwise pick), on the same
listing photos and partitions, in one run: images/s per core, the share of
photos whose code each read, 1 -> 2 cores, and peak memory.

    pip install -r bindings/python/requirements-dev.txt
    (cd bindings/python && maturin build --release -o ../../target/wheels) && pip install target/wheels/genuine-*.whl
    cargo build --release -p genuine-tests --bin make-marketplace
    python3 bench/sweep.py [--listings 200] [--size 1600] [--repeat 3]

Both jobs read each photo through the sweep's bounded reader in
``mapInPandas`` over the same rows in the same partitions, and are forced to
run whole (Spark's ``noop`` sink). The baseline decodes the JPEG with Pillow
and reads with ``zxingcpp.read_barcodes``; the sweep calls
``Verifier.scan_and_verify_many`` (decode, scan at photo effort, verify) and
applies its rules: the whole executor path of ``python -m genuine_sweep``.
Times are wall seconds of that stage, best of ``--repeat``. Peak memory is
the largest Python worker's peak RSS (one per task slot) and the local JVM's
(driver and executor in one in local mode).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))


def baseline_partition(batches, max_bytes, roots):
    import pandas as pd
    import zxingcpp
    from PIL import Image
    import io
    from genuine_sweep.images import read_image

    for batch in batches:
        out = []
        for path in batch.image:
            data, status, _ = read_image(path, max_bytes, roots)
            texts = []
            if data is not None:
                try:
                    img = Image.open(io.BytesIO(data))
                    texts = [r.text for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)]
                except Exception:  # the baseline has no error rows: an unreadable image reads nothing
                    texts = []
            out.append({"image": path, "texts": "\n".join(texts), "rss": peak_rss()})
        yield pd.DataFrame(out, columns=["image", "texts", "rss"])


def sweep_partition(batches, trust):
    import pandas as pd
    from genuine_sweep import partition

    def wrapped(it):
        for frame in partition.sweep(it, trust):
            yield frame

    rows = {}
    for frame in wrapped(batches):
        for r in frame.itertuples(index=False):
            rows.setdefault(r.image, []).append(r.text)
    yield pd.DataFrame([{"image": k, "texts": "\n".join(t for t in v if t), "rss": peak_rss()}
                        for k, v in rows.items()], columns=["image", "texts", "rss"])


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def jvm_peak(spark):
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM"))


def worker(args):
    """One core count in its own Spark: both jobs, best of --repeat."""
    from pyspark.sql import SparkSession, functions as F
    from genuine_sweep import job

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(f"local[{args.cores}]").config("spark.ui.showConsoleProgress", "false")
             .config("spark.python.worker.reuse", "true").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    market = os.path.join(args.market)
    world = os.path.join(market, "world")
    workdir = tempfile.mkdtemp()
    trust, _, _ = job.build_trust(spark, os.path.join(world, "anchor.txt"), os.path.join(world, "trust.bundle"),
                                  None, int(time.time()), workdir)
    listings = os.path.join(market, "listings.parquet")
    trust.max_bytes, trust.roots = job.DEFAULT_MAX_BYTES, job.image_roots(listings, None, None)
    rows = (job.check_rows(job.read_listings(spark, os.path.join(market, "listings.parquet")))
            .withColumn("row", F.monotonically_increasing_id()).dropDuplicates(["image"])
            .repartition(args.partitions).cache())
    n = rows.count()
    schema = "image string, texts string, rss long"
    jobs = {"zxing-cpp": lambda: rows.select("image").mapInPandas(
                lambda it: baseline_partition(it, job.DEFAULT_MAX_BYTES, trust.roots), schema),
            "genuine": lambda: rows.mapInPandas(lambda it: sweep_partition(it, trust), schema)}
    result = {"cores": args.cores, "images": n, "partitions": args.partitions}
    for name, make in jobs.items():
        best = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            got = make().collect()  # texts and RSS only: the images stay on the executors
            best = min(best or 1e9, time.perf_counter() - start)
        truth = json.load(open(os.path.join(market, "expected.json")))["texts"]
        read = sum(1 for r in got if truth.get(r.image) and all(t in r.texts.split("\n") for t in truth[r.image]))
        result[name] = {"seconds": best, "read": read, "with_code": sum(1 for v in truth.values() if v),
                        "worker_rss": max(r.rss for r in got)}
    result["jvm_rss"] = jvm_peak(spark)
    print(json.dumps(result))


def inprocess(market, repeat):
    """Where a photo's time goes, in one process (no Spark): decode and scan
    (genuine.scan_many: the image crate's decoder, then the scanner at photo
    effort), verify (verify_many on the codes found), and zxing-cpp's Pillow
    decode and read; medians per photo of the best of ``repeat``."""
    import glob
    import io
    import statistics

    import genuine
    import zxingcpp
    from PIL import Image

    paths = sorted(glob.glob(os.path.join(market, "images", "*.jpg")))
    blobs = [open(p, "rb").read() for p in paths]
    world = os.path.join(market, "world")
    best = lambda f: min(f() for _ in range(repeat))

    def timed(f):
        start = time.perf_counter()
        f()
        return time.perf_counter() - start

    scan = [best(lambda b=b: timed(lambda: genuine.scan_many([b]))) for b in blobs]
    texts = [c.text for p in genuine.scan_many(blobs) for c in p.codes]
    with tempfile.TemporaryDirectory() as d:
        v = genuine.Verifier.open(anchor=os.path.join(world, "anchor.txt"),
                                  bundle=os.path.join(world, "trust.bundle"), db=os.path.join(d, "g.db"))
        verify = best(lambda: timed(lambda: v.verify_many(texts))) / max(1, len(texts))
    decode = [best(lambda b=b: timed(lambda: Image.open(io.BytesIO(b)).load())) for b in blobs]
    zx = [best(lambda b=b: timed(lambda: zxingcpp.read_barcodes(Image.open(io.BytesIO(b)),
                                                                formats=zxingcpp.BarcodeFormat.QRCode)))
          for b in blobs]
    ms = lambda xs: statistics.median(xs) * 1e3
    print(f"\nin one process, medians per photo ({len(blobs)} photos): genuine decode + scan {ms(scan):.1f} ms, "
          f"verify {verify * 1e3:.3f} ms a code; zxing-cpp Pillow decode {ms(decode):.1f} ms + read "
          f"{ms(zx) - ms(decode):.1f} ms = {ms(zx):.1f} ms; genuine / zxing-cpp {ms(scan) / ms(zx):.2f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listings", type=int, default=200)
    ap.add_argument("--size", type=int, default=1600)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--market", default=os.path.join(ROOT, "bench", "market"))
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--cores", type=int, default=1)
    ap.add_argument("--inprocess-only", action="store_true", help="only the per-photo breakdown, no Spark")
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    if args.inprocess_only:
        return inprocess(args.market, args.repeat)
    stamp = os.path.join(args.market, f"made-{args.listings}-{args.size}")
    if not os.path.exists(stamp):
        import marketplace
        marketplace.make(args.market, seed=2026, listings=args.listings, size=args.size, bad=False)
        open(stamp, "w").close()
    runs = []
    for cores in (1, 2):
        out = subprocess.run([sys.executable, __file__, "--worker", "--cores", str(cores), "--market", args.market,
                              "--repeat", str(args.repeat), "--partitions", str(args.partitions)],
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    one, two = runs
    n = one["images"]
    print(f"{n} listing photos ({args.size}px long side, JPEG), {one['partitions']} partitions, best of {args.repeat}")
    print("| job | cores | seconds | images/s | images/s per core | codes read | worker peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        for name in ("zxing-cpp", "genuine"):
            r = run[name]
            rate = n / r["seconds"]
            print(f"| {name} | {run['cores']} | {r['seconds']:.2f} | {rate:.1f} | {rate / run['cores']:.1f} | "
                  f"{r['read']}/{r['with_code']} | {r['worker_rss'] / 2**20:.0f} MiB |")
    g1, z1 = one["genuine"]["seconds"], one["zxing-cpp"]["seconds"]
    print(f"\ngenuine (scan + verify + rules) / zxing-cpp (decode only), throughput, 1 core: {z1 / g1:.2f}x; "
          f"2 cores: {two['zxing-cpp']['seconds'] / two['genuine']['seconds']:.2f}x")
    print(f"genuine 1 -> 2 cores: {g1 / two['genuine']['seconds']:.2f}x; "
          f"zxing-cpp: {z1 / two['zxing-cpp']['seconds']:.2f}x")
    print(f"local JVM peak RSS: {one['jvm_rss'] / 2**20:.0f} MiB (1 core), {two['jvm_rss'] / 2**20:.0f} MiB (2 cores)")
    per_core = n / g1
    need = 30e6 * 5 / 86400 / per_core
    print(f"30 M listings x 5 photos a day = {30e6 * 5 / 86400:.0f} photos/s: {need:.0f} cores at the 1-core rate")
    inprocess(args.market, args.repeat)


if __name__ == "__main__":
    main()
