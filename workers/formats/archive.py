"""Zip archives of documents: each member read as the document it is, one after the other.

A folder zipped to be sent (reports, a mailbox export, a project's papers) is one job: its
members are written one at a time to a private temporary folder and read by the same
extraction as a file of their own (`read`, workers.extract.extract, given by the caller so
that this module does not import it). The archive's text is each member's text under a
marker line, `[archive member: reports/q3.docx]`, which also starts a section, the member's
own sections below it. A member that cannot be read (encrypted, damaged, a format docmill does
not read, an archive nested deeper than `MAX_DEPTH`) costs that member only: a warning names it
and its reason, and `metadata.members` lists every member with its kind and status or error.

Bounds: what the archive says it expands to is within the job's byte limit (checked from its
directory, before anything is inflated: workers.formats.detect), each member is inflated to at
most that limit whatever its header claims, at most `MAX_MEMBERS` members are read, and an
archive inside an archive is read to `MAX_DEPTH` levels (a zip that contains itself ends
there). Folders, macOS resource forks (`__MACOSX/`), hidden files and Office lock files
(`~$report.docx`) are not documents and are skipped. Members are read without OCR: a scan
inside an archive gives no text, with the member's warning saying so.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import PARSER_ERRORS, Extracted, describe, open_zip
from workers.formats.structure import Section, Structure, Table

MARKER = "[archive member: {}]"
MAX_MEMBERS = 1000
MAX_DEPTH = 3  # an archive, an archive in it, and one more
_MAX_WARNINGS = 50
_UNSAFE = re.compile(r"[^\w.\-]+")
_SKIPPED_NAMES = frozenset({"thumbs.db", "desktop.ini"})

# Reads the file at a path within a byte limit, as workers.extract.extract does: its record.
Reader = Callable[[str, int], dict[str, Any]]


def extract(path: str, warnings: list[str], limit: int, *, read: Reader, depth: int) -> Extracted:
    """The text of every document in the zip archive at `path` (see the module docstring).
    `depth` is how many archives this one lies in."""
    if depth >= MAX_DEPTH:
        message = f"an archive nested over {MAX_DEPTH} deep is not read"
        raise TaskError(ErrorType.UNSUPPORTED, message)
    joined = Joined()
    members: list[dict[str, Any]] = []
    # A member's reader may still hold its copy open when it is removed (Windows refuses to
    # delete an open file): what is left goes with the folder, or with the system's cleaning.
    with (
        open_zip(path, "zip") as archive,
        tempfile.TemporaryDirectory(prefix="docmill-zip-", ignore_cleanup_errors=True) as folder,
    ):
        infos = [info for info in archive.infolist() if _is_document(info)]
        if len(infos) > MAX_MEMBERS:
            unread = len(infos) - MAX_MEMBERS
            warnings.append(f"{unread} members past the first {MAX_MEMBERS} not read")
        for number, info in enumerate(infos[:MAX_MEMBERS]):
            entry: dict[str, Any] = {"name": info.filename, "size": info.file_size}
            members.append(entry)
            try:
                record = _read_member(archive, info, folder, number, limit, read)
            except TaskError as exc:
                entry["error"] = exc.type.value
                _warn(warnings, f"{info.filename}: {exc.type.value}: {exc.message}")
                continue
            entry |= {"kind": record["kind"], "status": record["status"]}
            for warning in record["warnings"]:
                _warn(warnings, f"{info.filename}: {warning}")
            joined.add(record, info.filename, MARKER.format(info.filename))
    meta = {"members": members, "member_count": len(members)}
    return Extracted(joined.text(), meta=meta, structure=joined.structure())


class Joined:
    """Documents read from inside another joined into one text: each under its marker line,
    which starts a section titled `name`, the document's own sections and tables one level
    below it; text with no marker (a mail's body) before them."""

    def __init__(self, text: str = "") -> None:
        self.parts = [text.strip("\n")] if text.strip() else []
        self.offset = len(self.parts[0]) if self.parts else 0
        self.sections: list[Section] = []
        self.tables: list[Table] = []

    def add(self, record: dict[str, Any], name: str, marker: str) -> None:
        text = record["text"].strip("\n")
        if not text.strip():
            return
        start = self.offset + (2 if self.parts else 0)
        self.sections.append(Section(start, 1, name))
        body = start + len(marker) + 1
        inner = Structure.from_dict(record.get("structure"))
        self.sections += [Section(body + s.start, s.level + 1, s.title) for s in inner.sections]
        self.tables += [Table(body + t.start, body + t.end, t.rows) for t in inner.tables]
        self.parts.append(f"{marker}\n{text}")
        self.offset = start + len(self.parts[-1])

    def text(self) -> str:
        return "\n\n".join(self.parts)

    def structure(self) -> Structure | None:
        return Structure(tuple(self.sections), tuple(self.tables)) or None


def listing(path: str) -> dict[str, Any]:
    """The archive's members as metadata, without reading them (extract_metadata's answer)."""
    with open_zip(path, "zip") as archive:
        infos = [info for info in archive.infolist() if _is_document(info)]
    members = [{"name": info.filename, "size": info.file_size} for info in infos]
    return {"members": members[:MAX_MEMBERS], "member_count": len(members)}


def _read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    folder: str,
    number: int,
    limit: int,
    read: Reader,
) -> dict[str, Any]:
    """The record of one member of the archive."""
    if info.flag_bits & 0x1:
        raise TaskError(ErrorType.ENCRYPTED, "encrypted in the archive")
    if info.file_size > limit:
        raise TaskError(ErrorType.TOO_LARGE, f"expands to {info.file_size} bytes, over {limit}")
    errors: tuple[type[Exception], ...] = (zipfile.BadZipFile, NotImplementedError, *PARSER_ERRORS)
    try:
        with archive.open(info) as source:
            chunks = iter(lambda: source.read(1 << 20), b"")
            return read_as_file(info.filename, chunks, folder, number, limit, read)
    except RuntimeError as exc:  # zipfile's word for an encrypted member
        raise TaskError(ErrorType.ENCRYPTED, "encrypted in the archive") from exc
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable in the archive: {describe(exc)}") from exc


def read_as_file(
    name: str,
    chunks: Iterable[bytes],
    folder: str,
    number: int,
    limit: int,
    read: Reader,
) -> dict[str, Any]:
    """The record of a document held inside another (an archive's member, a mail's
    attachment), read by `read` from a private copy in `folder` that is gone once it is read;
    errors and warnings name it `name`, not the copy. Only its base name, made safe, is used
    for the copy: a name such as "../../etc/x" or an absolute path writes nowhere else."""
    stem, ext = os.path.splitext(os.path.basename(name.replace("\\", "/")))
    target = os.path.join(folder, f"{number:04d}-{_UNSAFE.sub('_', stem)[:80]}{ext[:16]}")
    with open(target, "wb") as sink:
        copied = 0
        for chunk in chunks:
            copied += len(chunk)
            if copied > limit:  # a header that lied about the size
                raise TaskError(ErrorType.TOO_LARGE, f"expands past {limit} bytes")
            sink.write(chunk)
    try:
        record = read(target, limit)
    except TaskError as exc:  # its message names the document, not the private copy
        raise TaskError(exc.type, exc.message.replace(target, name)) from exc
    finally:
        with contextlib.suppress(OSError):
            os.remove(target)
    record["warnings"] = [w.replace(target, name) for w in record["warnings"]]
    return record


def _is_document(info: zipfile.ZipInfo) -> bool:
    name = info.filename
    base = os.path.basename(name.rstrip("/"))
    return not (
        info.is_dir()
        or name.startswith("__MACOSX/")
        or base.startswith((".", "~$"))
        or base.lower() in _SKIPPED_NAMES
    )


def _warn(warnings: list[str], message: str) -> None:
    if len(warnings) < _MAX_WARNINGS:
        warnings.append(message)
    elif len(warnings) == _MAX_WARNINGS:
        warnings.append("more warnings from the archive's members not listed")
