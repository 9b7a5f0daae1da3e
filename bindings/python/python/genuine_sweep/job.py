"""The driver's half of the sweep: trust built once, listings checked, the
executors' rows written as three tables and a summary.

Stages (each a line on stdout and a job description in Spark's UI):

1. trust: a store from the anchor and bundle, synced from the feed if one
   is given, shipped to every executor with ``addFile`` (with the anchor)
2. listings: read, columns checked; rows given twice, listing ids given to
   two sellers and rows without a path become rows with a reason
3. scan and verify: ``mapInPandas`` (``partition.sweep``), one verifier per
   partition; cached, since three outputs read it
4. write ``images.parquet`` (every input row, its status and reason),
   ``codes.parquet`` (one row per code found) and ``findings.parquet`` (one
   row per listing that needs a look: its rules and their evidence, the
   shared-serial rule computed across all listings here)
5. ``summary.json``: counts per verdict, rule and image status, the
   reasons images could not be read, the trust used.

No image ever reaches the driver: executors read them by path.
"""

import json
import os
import shutil
import sys
import tempfile
import time

import genuine

from . import partition, rules
from .images import OBJECT_STORES, Roots

DEFAULT_MAX_BYTES = 32 << 20


def stage(message):
    print(f"== genuine_sweep: {message}", flush=True)


def spark_session(master):
    """The session: ``master`` if given; under spark-submit, what it set; else local[*]."""
    from pyspark.sql import SparkSession

    # Local workers must run this interpreter (the one with genuine installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # One line a stage, not a progress bar (the UI has the progress).
    builder = SparkSession.builder.appName("genuine_sweep").config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:  # not launched by spark-submit, which sets its master
        builder = builder.master("local[*]")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if spark.sparkContext.master.startswith("local"):
        # A laptop's cores, not a cluster's 200 shuffle partitions.
        spark.conf.set("spark.sql.shuffle.partitions", str(max(2, spark.sparkContext.defaultParallelism * 2)))
    return spark


def build_trust(spark, anchor, bundle, feed, now, workdir):
    """Opens a store, syncs it once, ships it; returns (Trust, status, sync report)."""
    db = os.path.join(workdir, "genuine-sweep-store.db")
    with genuine.Verifier.open(anchor=anchor, bundle=bundle, db=db) as verifier:
        report = verifier.sync(feed) if feed else None
        status = verifier.status()
    shipped_anchor = os.path.join(workdir, "genuine-sweep-anchor.txt")
    shutil.copyfile(anchor, shipped_anchor)
    spark.sparkContext.addFile(shipped_anchor)
    spark.sparkContext.addFile(db)
    expect = json.loads(json.dumps(partition.fingerprint(status)))
    return partition.Trust(os.path.basename(shipped_anchor), os.path.basename(db), expect, now, None, None), status, report


def read_listings(spark, path):
    from pyspark.sql import functions as F

    if path.lower().endswith(".csv"):
        df = spark.read.option("header", True).csv(path)
    else:
        df = spark.read.parquet(path)
    missing = [c for c in ("listing_id", "seller_id", "image") if c not in df.columns]
    if missing:
        raise SystemExit(f"genuine_sweep: {path}: no column {', '.join(missing)} (need listing_id, seller_id, image)")
    for c in ("claimed_brand", "claimed_gtin"):
        if c not in df.columns:
            df = df.withColumn(c, F.lit(None).cast("string"))
    return df.select(*[F.col(c).cast("string").alias(c) for c in
                       ("listing_id", "seller_id", "image", "claimed_brand", "claimed_gtin")])


def image_roots(listings, images_under, object_stores):
    """Where executors may read images: ``images_under``, or the listings
    table's own directory when it is a local file."""
    local = "://" not in listings
    base = os.path.dirname(os.path.abspath(listings)) if local else None
    roots = images_under or ([base] if local else None)
    if not roots:
        raise SystemExit("genuine_sweep: listings in an object store need --images-under (where their images are)")
    try:
        return Roots(roots, base=base, schemes=tuple(object_stores) if object_stores else OBJECT_STORES)
    except ValueError as e:
        raise SystemExit(f"genuine_sweep: --images-under {e}")


def check_rows(df):
    """Each row's status before any image is read: ok, incomplete, duplicate, conflicting_listing."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_listing = Window.partitionBy("listing_id")
    by_row = Window.partitionBy("listing_id", "image").orderBy("seller_id", "claimed_brand", "claimed_gtin")
    sellers = F.size(F.collect_set("seller_id").over(by_listing))
    # An empty or blank id is no id (it would make one "seller" of many rows).
    blank = lambda c: F.col(c).isNull() | (F.trim(F.col(c)) == "")
    incomplete = blank("listing_id") | blank("seller_id") | blank("image")
    status = (F.when(incomplete, "incomplete_row")
              .when(sellers > 1, "conflicting_listing")
              .when(F.row_number().over(by_row) > 1, "duplicate")
              .otherwise("ok"))
    detail = (F.when(incomplete, "a listing row needs listing_id, seller_id and image")
              .when(sellers > 1, F.concat(F.lit("listing id given to "), sellers.cast("string"), F.lit(" sellers")))
              .when(F.row_number().over(by_row) > 1, "the same listing and image given again: read once"))
    return df.withColumn("row_status", status).withColumn("row_detail", detail)


def findings_of(codes, shared_sellers):
    """One row per listing that needs a look: its rules, headline and evidence."""
    from pyspark.sql import functions as F
    from pyspark.sql import Window

    per_code = codes.where(F.col("rule").isNotNull()).select("listing_id", "seller_id", "rule", "evidence")
    vouched = codes.where(F.col("vouched") & F.col("serial").isNotNull()).select(
        "listing_id", "seller_id", "gtin", "serial").distinct()
    serial = Window.partitionBy("gtin", "serial")
    spread = (vouched.withColumn("sellers", F.size(F.collect_set("seller_id").over(serial)))
              .withColumn("listings", F.slice(F.sort_array(F.collect_set("listing_id").over(serial)), 1, 50))
              .where(F.col("sellers") >= shared_sellers))
    shared = spread.select(
        "listing_id", "seller_id", F.lit("shared_serial").alias("rule"),
        F.to_json(F.struct("gtin", "serial", "sellers", "listings")).alias("evidence"))
    fired = per_code.unionByName(shared)
    severity = F.array(*[F.lit(r) for r in rules.SEVERITY])
    return (fired.groupBy("listing_id", "seller_id")
            .agg(F.sort_array(F.collect_set("rule")).alias("rules"),
                 F.concat(F.lit("["), F.concat_ws(",", F.sort_array(F.collect_set(
                     F.concat(F.lit('{"rule":"'), F.col("rule"), F.lit('","evidence":'), F.col("evidence"),
                              F.lit("}"))))), F.lit("]")).alias("evidence"))
            .withColumn("rule", F.element_at(severity, F.array_min(F.transform(
                "rules", lambda r: F.array_position(severity, r))).cast("int")))
            .select("listing_id", "seller_id", "rule", "rules", "evidence"))


def write_text(out, name, text):
    """A small file beside the tables, wherever OUT is (a path or an object store)."""
    import pyarrow.fs as pafs

    fs, base = pafs.FileSystem.from_uri(out if "://" in out else os.path.abspath(out))
    with fs.open_output_stream(f"{base.rstrip('/')}/{name}") as f:
        f.write(text.encode())


def summarise(spark, images, codes, findings, status, report, now, started):
    from pyspark.sql import functions as F

    count = lambda df, col: {r[col] or "none": r["count"] for r in df.groupBy(col).count().collect()}
    reasons = (images.where(F.col("status") != "ok").groupBy("status", "detail").count()
               .orderBy(F.desc("count")).limit(50).collect())
    per_rule = findings.select(F.explode("rules").alias("rule")).groupBy("rule").count().collect()
    return {
        "rows": images.count(),
        "listings": images.select("listing_id").distinct().count(),
        "images": count(images, "status"),
        "images_with_codes": images.where(F.col("codes") > 0).count(),
        "codes": codes.count(),
        "verdicts": count(codes, "verdict"),
        "listings_to_look_at": findings.count(),
        "rules": {r["rule"]: r["count"] for r in per_rule},
        "unread": [{"status": r["status"], "reason": r["detail"], "rows": r["count"]} for r in reasons],
        "trust": {"root_version": status.get("root_version"), "timestamp_version": status.get("timestamp_version"),
                  "synced": report is not None, "revocation_lists": status.get("freshness"),
                  "brands": {b["brand_id"]: b["name"] for b in status["brands"]}, "verified_at": now},
        "seconds": round(time.time() - started, 1),
        "spark": {"master": spark.sparkContext.master, "version": spark.version},
    }


def run(listings, anchor, bundle, out, feed=None, master=None, partitions=None, now=None,
        max_image_bytes=DEFAULT_MAX_BYTES, shared_sellers=3, object_stores=None, images_under=None, spark=None):
    """Runs the sweep; returns the summary (also written to OUT/summary.json)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    started = time.time()
    now = int(now if now is not None else time.time())
    spark = spark or spark_session(master)
    sc = spark.sparkContext
    workdir = tempfile.mkdtemp(prefix="genuine-sweep-driver-")
    try:
        sc.setJobDescription("genuine sweep: trust")
        trust, status, report = build_trust(spark, anchor, bundle, feed, now, workdir)
        trust.max_bytes = max_image_bytes
        trust.roots = image_roots(listings, images_under, object_stores)
        synced = f"synced timestamp v{report['timestamp_version']}" if report else "bundle only: no feed, revocations unknown"
        stage(f"trust: root v{status.get('root_version')}, {len(status['brands'])} brand(s), {synced}")

        sc.setJobDescription("genuine sweep: listings")
        rows = check_rows(read_listings(spark, listings)).withColumn("row", F.monotonically_increasing_id())
        parts = partitions or max(2, sc.defaultParallelism * 2)
        rows = rows.repartition(parts)
        stage(f"listings: {listings}, {parts} partitions")

        sc.setJobDescription("genuine sweep: scan and verify")
        scanned = rows.mapInPandas(lambda it: partition.sweep(it, trust), partition.SCHEMA)
        scanned = scanned.persist(StorageLevel.MEMORY_AND_DISK)
        images = scanned.dropDuplicates(["row"]).select(
            "listing_id", "seller_id", "image", "claimed_brand", "claimed_gtin", "status", "detail", "codes")
        images.write.mode("overwrite").parquet(f"{out}/images.parquet")
        stage("scan and verify: images.parquet written")

        sc.setJobDescription("genuine sweep: codes and findings")
        codes = scanned.where("text is not null").select(
            "listing_id", "seller_id", "image", "text", "verdict", "reason", "brand", "gtin", "serial", "vouched",
            "rule", "evidence", "claimed_brand", "claimed_gtin")
        codes.write.mode("overwrite").parquet(f"{out}/codes.parquet")
        findings = findings_of(codes, shared_sellers)
        findings.write.mode("overwrite").parquet(f"{out}/findings.parquet")
        stage("codes.parquet and findings.parquet written")

        sc.setJobDescription("genuine sweep: summary")
        read = spark.read
        summary = summarise(spark, read.parquet(f"{out}/images.parquet"), read.parquet(f"{out}/codes.parquet"),
                            read.parquet(f"{out}/findings.parquet"), status, report, now, started)
        write_text(out, "summary.json", json.dumps(summary, indent=1, sort_keys=True) + "\n")
        scanned.unpersist()
        stage(f"summary.json: {summary['rows']} rows, {summary['codes']} codes, "
              f"{summary['listings_to_look_at']} listings to look at, {summary['seconds']} s")
        return summary
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
