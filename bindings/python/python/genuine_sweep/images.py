"""Reading a listing's image on the executor, within bounds.

A listing photo is hostile input, and so is the path to it: the path decides
what an executor reads, with the cluster's credentials. So each read:

- is of a path under one of the job's image roots (``--images-under``,
  repeatable; by default the listings table's own directory): a local
  directory, or an object-store prefix such as ``s3://bucket/listings/``.
  A local path is resolved (``..``, symlinks) before it is compared, and a
  relative one is relative to the listings table. A store URI must be
  plain (scheme, bucket, key: no query, fragment, user, port, ``.`` or
  ``..``) and is read through the filesystem its *root* names, never one
  the listing's URI configures: pyarrow honours options such as
  ``endpoint_override`` in a URI's query, so a seller's URI could send the
  executor's signed requests, and its credentials, to any host. What a
  store needs (region, endpoint, timeouts) goes in the root's query, which
  the platform writes.
- never ``http(s)``: an executor that fetches a URL a seller wrote is a
  server-side request forgery into the cluster's network. Copy
  seller-hosted images into storage first.
- reads regular files only (a FIFO or a device would block or never end),
  checks the size first, and reads at most the limit plus one byte;
- returns a status and a reason, never raises: whatever a path holds, it
  is a row, not a failed job.

Why not Spark's ``binaryFile`` source: it fails the whole job on a path
that does not exist, and reads a whole file into the JVM (up to 2 GiB)
before anything can look at its size.
"""

import os
import stat
from urllib.parse import urlsplit

# Schemes read through pyarrow's filesystems. http(s) is never among them.
OBJECT_STORES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss")


class Roots:
    """Where images may be read from: local directories (resolved) and
    object-store prefixes (``scheme://bucket/prefix/``, each with the root
    URI that configures its filesystem). Picklable: filesystems are made on
    the executor, once per process."""

    def __init__(self, roots, base=None, schemes=OBJECT_STORES):
        self.base = os.path.realpath(base) if base else None
        self.schemes = tuple(s.lower() for s in schemes)
        self.local, self.stores = [], []
        for root in roots:
            parts = urlsplit(root)
            scheme = parts.scheme.lower()
            if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
                path = parts.path if scheme == "file" else root
                self.local.append(os.path.join(os.path.realpath(path), ""))
            elif scheme in self.schemes:
                prefix = f"{scheme}://{parts.netloc}{parts.path}"
                self.stores.append((prefix if prefix.endswith("/") else prefix + "/", root))
            else:
                raise ValueError(f"{root}: not a directory or an object store ({', '.join(self.schemes)})")

    def __repr__(self):
        return f"Roots(local={self.local}, stores={[p for p, _ in self.stores]})"


_filesystems = {}


def read_image(path, max_bytes, roots):
    """(bytes or None, status, reason): status is ``ok``, ``missing``,
    ``too_large``, ``not_allowed`` or ``unreadable``."""
    try:
        return _read(path, max_bytes, roots)
    except Exception as e:  # a path is data: whatever it does is this row's reason
        return None, "unreadable", f"{str(path)[:200]}: {type(e).__name__}: {e}"


def _read(path, max_bytes, roots):
    if not isinstance(path, str) or not path:
        return None, "missing", "no image path"
    if "\0" in path:
        return None, "not_allowed", "a path with a NUL character"
    parts = urlsplit(path)
    scheme = parts.scheme.lower()
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        if scheme == "file" and (parts.netloc not in ("", "localhost") or parts.query or parts.fragment):
            return None, "not_allowed", "a file: URI names a local path only"
        local = parts.path if scheme == "file" else path
        return _read_local(local, max_bytes, roots)
    if scheme not in roots.schemes:
        return None, "not_allowed", f"{scheme}: scheme not allowed (the sweep reads files and object stores only)"
    if parts.query or parts.fragment or "@" in parts.netloc or ":" in parts.netloc:
        return None, "not_allowed", "an object-store path with options, a user or a port (the job's roots configure stores)"
    plain = f"{scheme}://{parts.netloc}{parts.path}"
    for prefix, root in roots.stores:
        if plain.startswith(prefix):
            key = plain[len(prefix):]
            if any(seg in ("", ".", "..") for seg in key.split("/")):
                return None, "not_allowed", "an object key with empty, . or .. segments"
            return _read_store(root, key, plain, max_bytes)
    return None, "not_allowed", "not under the job's image roots (--images-under)"


def _too_large(size, max_bytes):
    return None, "too_large", f"{size} bytes, over the limit of {max_bytes}"


def _read_local(path, max_bytes, roots):
    if not os.path.isabs(path) and roots.base:
        path = os.path.join(roots.base, path)
    real = os.path.realpath(path)
    if not any(real.startswith(root) for root in roots.local):
        return None, "not_allowed", "not under the job's image roots (--images-under)"
    try:
        # Non-blocking, so that opening a FIFO cannot wait for a writer.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None, "missing", f"{path}: no such file"
    except OSError as e:
        return None, "unreadable", f"{path}: {e.strerror or e}"
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, "unreadable", f"{path}: not a regular file"
        if info.st_size > max_bytes:
            return _too_large(info.st_size, max_bytes)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    return data, "ok", None


def _read_store(root, key, uri, max_bytes):
    import pyarrow.fs as pafs

    if root not in _filesystems:
        _filesystems[root] = pafs.FileSystem.from_uri(root)
    fs, base = _filesystems[root]
    path = f"{base.rstrip('/')}/{key}"
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        return None, "missing", f"{uri}: no such file"
    if info.type != pafs.FileType.File:
        return None, "unreadable", f"{uri}: not a file"
    if info.size is not None and info.size > max_bytes:
        return _too_large(info.size, max_bytes)
    with fs.open_input_stream(path) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    return data, "ok", None
