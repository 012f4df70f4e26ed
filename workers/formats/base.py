"""What every format module shares: the result record, typed errors, safe reads of files,
zip members and XML, and the clean-up of metadata values."""

from __future__ import annotations

import bisect
import errno
import functools
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.structure import Structure

if TYPE_CHECKING:
    import zipfile
    from xml.etree.ElementTree import Element

# Parsers signal bad input with many exception types beyond their own error classes; these are
# caught around parser calls only, so a bug in docmill still surfaces as itself.
PARSER_ERRORS: tuple[type[Exception], ...] = (
    ValueError, LookupError, TypeError, AttributeError, ArithmeticError, AssertionError,
    RecursionError, NotImplementedError, EOFError, struct.error, zlib.error,
)  # fmt: skip


# Characters that show nothing but split words for search, embeddings and chunking: the soft
# hyphen (&shy;), zero-width space, non-joiner and joiner, word joiner, and a BOM inside text.
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def tidy(text: str) -> str:
    """`text` without the invisible characters of INVISIBLE."""
    return text.translate(INVISIBLE)


@dataclass
class Extracted:
    """What a format module found: text, pages (number, text) where the format has pages,
    metadata fields of DESIGN §4, `kind` when the content proved to be another kind, and the
    sections and tables it knows of (workers.formats.structure), for the chunker.

    Every format's text passes through here, so this is where invisible characters go: the
    text and each page's text alike, so a page's text is still found in the whole; the
    structure's offsets move with the text."""

    text: str
    pages: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    structure: Structure | None = None

    def __post_init__(self) -> None:
        tidied = tidy(self.text)
        if self.structure is not None and len(tidied) != len(self.text):
            self.structure = self.structure.mapped(_shift(self.text), tidy)
        self.text = tidied
        for page in self.pages:
            if isinstance(page.get("text"), str):
                page["text"] = tidy(page["text"])


def _shift(text: str) -> Callable[[int], int]:
    """Where an offset into `text` lands once tidy() has taken its invisible characters out."""
    removed = [at for at, ch in enumerate(text) if ord(ch) in INVISIBLE]
    return lambda offset: offset - bisect.bisect_left(removed, offset)


def os_error(exc: OSError, path: str) -> TaskError:
    """Translate a filesystem error on `path` into the TaskError a person can act on."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP):
        return TaskError(ErrorType.NOT_FOUND, f"no such file: {path}")
    if getattr(exc, "winerror", None) in (32, 33):  # a sharing or lock violation on Windows
        return TaskError(ErrorType.LOCKED, f"{path} is open in another program")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return TaskError(ErrorType.PERMISSION, f"permission denied reading {path}")
    if exc.errno == errno.EISDIR:
        return TaskError(ErrorType.UNSUPPORTED, f"{path} is a directory")
    return TaskError(ErrorType.TASK_ERROR, f"could not read {path}: {exc.strerror or exc}")


def read(path: str, size: int = -1) -> bytes:
    """Return the first `size` bytes of `path` (all when -1), as TaskError on failure."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise os_error(exc, path) from exc


def describe(exc: BaseException) -> str:
    """Return a short one-line description of a parser exception."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def iso(value: Any) -> str | None:
    """Return a datetime as an ISO 8601 UTC string (naive taken as UTC), anything else as None."""
    if not isinstance(value, datetime):
        return None
    try:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC).isoformat()
        return value.astimezone(UTC).isoformat()
    except (OverflowError, ValueError):  # offsets that push a date outside datetime's range
        return None


def iso_text(value: str | None) -> str | None:
    """Return an ISO 8601 date string as stored in OOXML/ODF/OPF properties, normalised to UTC."""
    if not value:
        return None
    text = value.strip()
    try:
        return iso(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def clean(value: Any) -> str | None:
    """Return a metadata value as a plain stripped str, or None when absent or not text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    return tidy(str(value).replace("\x00", "")).strip() or None


def open_zip(path: str, what: str) -> zipfile.ZipFile:
    """Open `path` as a zip, a damaged container being MALFORMED."""
    import zipfile  # with its bz2/lzma/shutil imports, only once a zip arrives

    errors: tuple[type[Exception], ...] = (zipfile.BadZipFile, *PARSER_ERRORS)
    try:
        return zipfile.ZipFile(path)
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"damaged {what} container: {describe(exc)}") from exc
    except OSError as exc:
        raise os_error(exc, path) from exc


def member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """Return the bytes of zip member `name` (None when absent), at most `limit` bytes."""
    import zipfile

    errors: tuple[type[Exception], ...] = (zipfile.BadZipFile, NotImplementedError, *PARSER_ERRORS)
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        raise TaskError(ErrorType.TOO_LARGE, f"{name} expands to {info.file_size} bytes")
    try:
        with zf.open(info) as fh:
            return fh.read(limit + 1)[:limit]
    except RuntimeError as exc:  # zipfile's word for an encrypted member
        raise TaskError(ErrorType.ENCRYPTED, f"{name} is encrypted") from exc
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable {name}: {describe(exc)}") from exc


def parse_xml(data: bytes, what: str) -> Element:
    """Parse untrusted XML; expat ≥ 2.4 refuses entity expansion bombs, and nothing outside
    `data` is read: no external entity, DTD or parameter entity is fetched, from a file or the
    network. A document naming an external DTD (RSS 0.91's, XHTML's) may use the HTML
    character entities that DTD declares (&eacute;): they read as their characters."""
    from xml.etree import ElementTree

    errors: tuple[type[Exception], ...] = (ElementTree.ParseError, *PARSER_ERRORS)
    try:
        parser = ElementTree.XMLParser()
        # Consulted by ElementTree only for an entity expat left undefined because the DTD
        # that declares it was not read; one character each, so nothing to amplify.
        parser.entity.update(_html_entities())
        parser.feed(data)
        return parser.close()
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable XML in {what}: {describe(exc)}") from exc


@functools.cache
def _html_entities() -> dict[str, str]:
    from html.entities import name2codepoint

    return {name: chr(code) for name, code in name2codepoint.items()}


def local(tag: Any) -> str:
    """Return an element tag without its namespace ("" for comments and processing)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def dublin_core(root: Element) -> dict[str, Any]:
    """Metadata from Dublin Core / OOXML core / ODF meta elements anywhere under `root`."""
    meta: dict[str, Any] = {}
    names = {
        "title": "title", "creator": "author", "initial-creator": "author", "subject": "subject",
        "description": "subject", "keyword": "keywords", "keywords": "keywords",
        "language": "language", "created": "created", "creation-date": "created",
        "date": "modified", "modified": "modified", "generator": "producer",
    }  # fmt: skip
    for element in root.iter():
        key = names.get(local(element.tag))
        text = clean("".join(element.itertext()))
        if key is None or text is None or meta.get(key):
            continue
        if key in ("created", "modified"):
            meta[key] = iso_text(text)
        else:
            meta[key] = text
    return meta


def spreadsheet_number(value: float) -> str:
    """A number as a spreadsheet's General format shows it: 12.0 as 12, 0.1 + 0.2 as 0.3 (the
    15 significant digits Excel keeps)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"
