"""What a document task reads: the file a job names by path, confined to the allowed roots, or
the bytes a client sent as `content`, stored for the job in a private temporary folder.

A client with no shared filesystem sends a document's bytes and its original file name; the
name only hints at the kind and names the document in results (`inline:<name>`), never a
folder: it is reduced to a safe base name first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from docmill.protocol import ErrorType
from workers.context import JobContext
from workers.errors import TaskError
from workers.extract import confine
from workers.outputs import DISK_FULL

INLINE_PREFIX = "inline:"  # how results name a document sent as content, not by path
MAX_NAME_BYTES = 200  # of a client's file name, as the name of our temporary copy


@contextlib.contextmanager
def document_file(
    context: JobContext, path: str | None, content: bytes | None, name: str | None
) -> Iterator[tuple[str, str]]:
    """The file a document task reads, and the name its results give the document.

    A `path` must lie under the context's allowed roots (workers.extract.confine): the
    resolved path is read. `content`, up to the context's max_bytes, is written to a private
    temporary folder, removed afterwards whatever happens; the worker wrote that file itself,
    so no roots apply to it.
    """
    if (path is None) == (content is None):
        raise TaskError(ErrorType.BAD_REQUEST, "give either 'path' or 'content' (with 'name')")
    if path is not None:
        if not isinstance(path, str) or not path:
            raise TaskError(ErrorType.BAD_REQUEST, f"'path' must be a file path, not {path!r}")
        readable = confine(path, context.allowed_roots)
        yield readable, os.path.abspath(readable)
        return
    if not isinstance(content, bytes):
        raise TaskError(ErrorType.BAD_REQUEST, "'content' must be bytes (msgpack bin)")
    if not isinstance(name, str) or not name:
        raise TaskError(ErrorType.BAD_REQUEST, "'content' needs 'name', the file's original name")
    if len(content) > context.max_bytes:
        raise TaskError(
            ErrorType.TOO_LARGE,
            f"content is {len(content)} bytes, over the {context.max_bytes}-byte limit",
        )
    base = safe_name(name)
    folder = tempfile.mkdtemp(prefix="docmill-inline-")  # mode 0700: this job's alone
    try:
        file = os.path.join(folder, base)
        try:
            with open(file, "xb") as out:
                out.write(content)
        except OSError as exc:
            kind = ErrorType.DISK_FULL if exc.errno in DISK_FULL else ErrorType.TASK_ERROR
            raise TaskError(kind, f"cannot store the content of {base}: {exc.strerror}") from exc
        try:
            yield file, f"{INLINE_PREFIX}{base}"
        except TaskError as exc:
            if file not in exc.message:
                raise
            # The user sent `name`: an error names that, not this job's private copy.
            raise TaskError(exc.type, exc.message.replace(file, base)) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def safe_name(name: str) -> str:
    """The base name of a client's file name, safe as one path component in a folder of ours:
    no folders (either slash), no NUL or control characters, not `.` or `..`, not too long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if base in ("", ".", ".."):
        return "document"
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:  # keep the extension: it is the kind's hint
        stem, dot, ext = base.rpartition(".")
        ext = ext[:16] if dot else ""
        head = (stem if dot else base).encode("utf-8")[: MAX_NAME_BYTES - 17]
        base = head.decode("utf-8", "ignore") + (f".{ext}" if ext else "")
    return base


def inline_meta(result: dict[str, Any], content: bytes | None) -> dict[str, Any]:
    """The temporary copy's mtime says nothing about a document sent as content: drop it."""
    metadata = result.get("metadata")
    if content is not None and isinstance(metadata, dict) and "fs_mtime" in metadata:
        metadata["fs_mtime"] = None
    return result
