"""python -m genuine_sweep --listings LISTINGS --anchor anchor.txt --bundle trust.bundle [--feed URL] --out OUT"""

import argparse
import sys

from genuine_sweep.job import DEFAULT_MAX_BYTES, run


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m genuine_sweep",
        description="Sweep marketplace listing photos for forged, revoked and copied Genuine codes, on Spark.")
    ap.add_argument("--listings", required=True, help="Parquet or CSV (.csv): listing_id, seller_id, image, "
                    "and optionally claimed_brand, claimed_gtin")
    ap.add_argument("--anchor", required=True, help="the trust anchor file (pinned root keys)")
    ap.add_argument("--bundle", required=True, help="the trust bundle file")
    ap.add_argument("--feed", help="the feed's URL: synced once by the driver, shipped to every executor")
    ap.add_argument("--out", required=True, help="output directory: images, codes and findings .parquet, summary.json")
    ap.add_argument("--master", help="Spark master [default: spark-submit's, else local[*]]")
    ap.add_argument("--partitions", type=int, help="partitions to scan in [default: 2 x the default parallelism]")
    ap.add_argument("--now", type=int, help="verify as of this unix time [default: the driver's clock at start]")
    ap.add_argument("--max-image-bytes", type=int, default=DEFAULT_MAX_BYTES,
                    help=f"larger image files are not read [default: {DEFAULT_MAX_BYTES}]")
    ap.add_argument("--shared-sellers", type=int, default=3,
                    help="a vouched serial in this many sellers' listings is a finding [default: 3]")
    ap.add_argument("--object-store", action="append", dest="object_stores",
                    help="a URI scheme images may be read from (repeat) [default: s3, gs, hdfs, abfs...]")
    ap.add_argument("--images-under", action="append", dest="images_under",
                    help="a directory or object-store prefix images may be read from (repeat; a store's options, "
                    "such as its region, go in its query) [default: the listings table's directory]")
    args = ap.parse_args(argv)
    if args.shared_sellers < 2:
        ap.error("--shared-sellers must be at least 2")
    run(args.listings, args.anchor, args.bundle, args.out, feed=args.feed, master=args.master,
        partitions=args.partitions, now=args.now, max_image_bytes=args.max_image_bytes,
        shared_sellers=args.shared_sellers, object_stores=args.object_stores,
        images_under=args.images_under)
    return 0


if __name__ == "__main__":
    sys.exit(main())
