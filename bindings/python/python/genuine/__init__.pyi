"""Type stubs for the genuine package (the native module ``genuine._genuine``)."""

import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union

__version__: str

Corners = List[Tuple[int, int]]
VerdictKind = Literal["authentic", "revoked", "forged", "unknown_issuer", "not_signed", "malformed"]
PathLike = Union[str, "os.PathLike[str]"]

class GenuineError(Exception):
    """Any error of the genuine package."""

class BadInput(GenuineError):
    """An argument is wrong: fix the call."""

class ImageError(GenuineError):
    """An image could not be read: not a PNG, JPEG or WebP, broken, or over the size limits."""

class TrustError(GenuineError):
    """The store could not be opened: an unreadable anchor or bundle, a store of another root, a SQLite failure."""

class SyncError(GenuineError):
    """A sync did not happen; the store is as it was."""

class StoreError(GenuineError):
    """The store failed while verifying (disk, a closed verifier)."""

class InternalError(GenuineError):
    """A bug in Genuine: please report it."""

class Code:
    """A QR code found in an image."""

    @property
    def text(self) -> str:
        """The code's text (UTF-8, else Shift_JIS, else ISO-8859-1)."""
    @property
    def corners(self) -> Corners:
        """Top-left, top-right, bottom-right, bottom-left, in image pixels."""
    @property
    def raw(self) -> bytes:
        """The bytes as the code carries them."""

class Verdict:
    """A verified code: the fields of one ``genuine verify --json`` line and the verdict's columns."""

    @property
    def input(self) -> str:
        """What was verified: the text itself, or the image's name."""
    @property
    def text(self) -> str:
        """The code's text."""
    @property
    def verdict(self) -> VerdictKind:
        """The verdict's kind."""
    @property
    def reason(self) -> Optional[str]:
        """Why, in the JSON's words: ``code_cloned``, ``bad_signature``, ``not_a_product_link``, ..."""
    @property
    def brand(self) -> Optional[str]:
        """The brand whose key signed it (authentic and revoked codes)."""
    @property
    def gtin(self) -> Optional[str]:
        """The GTIN-14 the code carries (vouched for only if ``vouched``)."""
    @property
    def serial(self) -> Optional[str]:
        """The serial the code carries (vouched for only if ``vouched``)."""
    @property
    def vouched(self) -> bool:
        """True when a trusted key signed the GTIN and serial (authentic, revoked)."""
    @property
    def corners(self) -> Optional[Corners]:
        """Where the code was in the image (None for a verified text)."""
    @property
    def result(self) -> Dict[str, Any]:
        """The verdict in full: the line's ``result``."""
    @property
    def card(self) -> Dict[str, Any]:
        """The shopper's card: the line's ``card``."""
    def json(self) -> str:
        """The verdict as one JSON line, exactly as ``genuine verify --json`` prints it."""
    def to_dict(self) -> Dict[str, Any]:
        """The line as a dict: ``input``, ``text``, ``result``, ``card``."""

class Photo:
    """One image of a batch: its codes or verdicts, or why it could not be read."""

    @property
    def name(self) -> str: ...
    @property
    def codes(self) -> List[Any]:
        """``Code``s (``scan_many``) or ``Verdict``s (``scan_and_verify_many``); empty on error."""
    @property
    def error(self) -> Optional[GenuineError]:
        """None, or the exception reading this image raised."""
    @property
    def ok(self) -> bool:
        """True when the image was read (it may still hold no code)."""

class Verifier:
    """A store pinned to a trust anchor, as the CLI opens it; open once and reuse."""

    @staticmethod
    def open(anchor: PathLike, db: PathLike, bundle: Optional[PathLike] = None) -> "Verifier":
        """Opens (or creates) the store ``db`` pinned to the anchor file, importing the bundle file.

        Raises ``TrustError``; a rebuilt store or a skipped brand is a ``UserWarning``.
        """
    @property
    def notes(self) -> List[str]:
        """What opening the store had to say."""
    def sync(self, feed_url: str) -> Dict[str, Any]:
        """Keys and revocations from a feed (all or nothing); ``genuine sync --json``'s fields. Raises ``SyncError``."""
    def status(self) -> Dict[str, Any]:
        """What the store trusts: ``genuine status --json``'s fields."""
    def verify(self, text: str, now: Optional[int] = None) -> Verdict:
        """One code's text at ``now`` (unix seconds, default the clock)."""
    def verify_many(self, texts: Sequence[str], now: Optional[int] = None) -> List[Verdict]:
        """``verify`` for many texts, without the GIL."""
    def scan_and_verify(self, image: bytes, name: Optional[str] = None, now: Optional[int] = None) -> List[Verdict]:
        """Every code in a PNG, JPEG or WebP image with its verdict. Raises ``ImageError``."""
    def scan_and_verify_many(
        self, images: Sequence[bytes], names: Optional[Sequence[str]] = None, now: Optional[int] = None
    ) -> List[Photo]:
        """``scan_and_verify`` for many images, without the GIL; one bad image never stops the others."""
    def close(self) -> None:
        """Closes the store; later calls raise ``StoreError``."""
    def __enter__(self) -> "Verifier": ...
    def __exit__(self, *args: object) -> None: ...

def scan(image: bytes) -> List[Code]:
    """Every QR code in a PNG, JPEG or WebP image, at photo effort. Raises ``ImageError``."""

def scan_many(images: Sequence[bytes], names: Optional[Sequence[str]] = None) -> List[Photo]:
    """``scan`` for many images, without the GIL."""

def gtin(text: str) -> str:
    """A GTIN (8, 12, 13 or 14 digits, check digit verified) as 14 digits. Raises ``BadInput``."""
