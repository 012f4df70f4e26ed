"""Writing results to disk: atomically, idempotently, and with a clear error when the disk is full.

A file is written to a temporary name in its folder, flushed, and renamed over the final name,
so a reader (or a second delivery of the same job) never sees half a file, and a failed write
leaves nothing behind. A full disk or a file-size limit is a retryable `disk_full` error.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from docmill.protocol import ErrorType
from workers.errors import TaskError

DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}  # the errnos of a full disk or quota


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` whole or not at all; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if exc.errno in DISK_FULL:
            raise TaskError(ErrorType.DISK_FULL, f"cannot write {path}: {exc.strerror}") from exc
        raise TaskError(ErrorType.PERMISSION, f"cannot write {path}: {exc}") from exc
    return path
