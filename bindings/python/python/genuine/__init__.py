"""Genuine for Python: verify product codes offline that their brand issued.

The same core as the ``genuine`` CLI and the mobile SDKs, through PyO3::

    import genuine

    verifier = genuine.Verifier.open(anchor="anchor.txt", bundle="trust.bundle", db="genuine.db")
    verifier.sync("https://feed.example/")          # keys and revocations, all or nothing
    for v in verifier.scan_and_verify(open("photo.jpg", "rb").read(), name="photo.jpg"):
        print(v.verdict, v.reason, v.brand, v.gtin, v.serial)
        print(v.json())                              # exactly `genuine verify --json`'s line

Batch forms (``scan_many``, ``verify_many``, ``scan_and_verify_many``)
release the GIL while the Rust core works. Errors are ``GenuineError``
subclasses whose messages are the CLI's words; a bug in the core raises
``InternalError``, never a crash. ``genuine_sweep`` runs the verifier over
marketplace listing photos on Apache Spark.
"""

from ._genuine import (
    BadInput,
    Code,
    GenuineError,
    ImageError,
    InternalError,
    Photo,
    StoreError,
    SyncError,
    TrustError,
    Verdict,
    Verifier,
    __version__,
    gtin,
    scan,
    scan_many,
)

__all__ = [
    "BadInput",
    "Code",
    "GenuineError",
    "ImageError",
    "InternalError",
    "Photo",
    "StoreError",
    "SyncError",
    "TrustError",
    "Verdict",
    "Verifier",
    "__version__",
    "gtin",
    "scan",
    "scan_many",
]
