"""Reading a listing's image on the executor, within bounds.

A listing photo is hostile input, and so is the path to it. Each read:

- takes only local paths, ``file:`` URIs and the object stores the job
  allows (``s3``, ``gs``, ``hdfs``, ``abfs``... through ``pyarrow.fs``);
  never ``http(s)``: an executor that fetches a URL a seller wrote is a
  server-side request forgery into the cluster's network (cloud metadata
  endpoints included). Copy seller-hosted images into storage first.
- checks the file's size before reading it, and reads at most the limit
  plus one byte, so a file that grows meanwhile is still refused;
- returns a status and a reason, never raises: a missing, unreadable or
  oversized file is a row, not a failed job.

Why not Spark's ``binaryFile`` source: it fails the whole job on a path
that does not exist, and reads a whole file into the JVM (up to 2 GiB)
before anything can look at its size.
"""

import os
from urllib.parse import urlparse

# Schemes read through pyarrow's filesystems. http(s) is never among them.
OBJECT_STORES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss")


def read_image(path, max_bytes, schemes=OBJECT_STORES):
    """(bytes or None, status, reason): status is ``ok``, ``missing``,
    ``too_large``, ``not_allowed`` or ``unreadable``."""
    if not isinstance(path, str) or not path:
        return None, "missing", "no image path"
    scheme = urlparse(path).scheme.lower()
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        return _read_local(path[len("file://"):] if scheme == "file" else path, max_bytes)
    if scheme not in schemes:
        return None, "not_allowed", f"{scheme}: scheme not allowed (the sweep reads files and object stores only)"
    return _read_store(path, max_bytes)


def _too_large(size, max_bytes):
    return None, "too_large", f"{size} bytes, over the limit of {max_bytes}"


def _read_local(path, max_bytes):
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                return _too_large(size, max_bytes)
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        return None, "missing", f"{path}: no such file"
    except OSError as e:
        return None, "unreadable", f"{path}: {e.strerror or e}"
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    return data, "ok", None


def _read_store(uri, max_bytes):
    import pyarrow.fs as pafs

    try:
        fs, path = pafs.FileSystem.from_uri(uri)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            return None, "missing", f"{uri}: no such file"
        if info.size is not None and info.size > max_bytes:
            return _too_large(info.size, max_bytes)
        with fs.open_input_stream(path) as f:
            data = f.read(max_bytes + 1)
    except (OSError, ValueError) as e:
        return None, "unreadable", f"{uri}: {e}"
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    return data, "ok", None
