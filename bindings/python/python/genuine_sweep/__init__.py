"""genuine_sweep: find forged, revoked and copied Genuine codes in
marketplace listing photos, on Apache Spark.

    python -m genuine_sweep --listings listings.parquet --anchor anchor.txt \\
        --bundle trust.bundle [--feed URL] --out OUT [--master local[*]]

or, from Python, ``genuine_sweep.run(listings, anchor, bundle, out, feed=...)``.
docs/SWEEP.md has the rules, the outputs, the threat model and sizing.
"""

from .job import run
from .rules import SEVERITY

__all__ = ["run", "SEVERITY"]
