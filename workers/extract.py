"""Text and basic metadata extraction: the one entry point over the format modules.

`extract(path)` returns one msgpack-ready dict (kind, mime, text, pages, metadata, warnings,
status, structure: the sections and tables the chunker follows) or raises `TaskError` with an
`ErrorType` a client can act on. The kind comes from the content (magic bytes, zip members),
the file name only as a fallback; each family of formats lives in `workers.formats`, imported
when a document of its kind arrives, so a worker that imports this module stays small.
"""

from __future__ import annotations

import importlib
import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docmill.protocol import ErrorType
from docmill.security import under_roots
from workers.errors import TaskError
from workers.formats import archive, headings
from workers.formats.base import Extracted, os_error
from workers.formats.detect import MIME, detect
from workers.language import document_language

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# kind -> (module under workers.formats, function)
EXTRACTORS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "extract"), "docx": ("docx", "extract"),
    "pptx": ("ooxml", "extract_pptx"), "xlsx": ("xlsx", "extract"),
    "odt": ("odf", "extract"), "ods": ("odf", "extract"), "odp": ("odf", "extract"),
    "epub": ("epub", "extract"), "html": ("markup", "extract_html"),
    "xml": ("markup", "extract_xml"), "json": ("data", "extract_json"),
    "rss": ("markup", "extract_xml"), "atom": ("markup", "extract_xml"),  # feeds: XML's root
    "ndjson": ("data", "extract_ndjson"), "csv": ("data", "extract_csv"),
    "tsv": ("data", "extract_csv"), "eml": ("mail", "extract"), "rtf": ("rtf", "extract"),
    "txt": ("text", "extract"), "md": ("text", "extract"), "rst": ("text", "extract"),
    "org": ("text", "extract"), "xls": ("xls", "extract"), "msg": ("msg", "extract"),
    "zip": ("archive", "extract"), "ipynb": ("notebook", "extract"),
    "vtt": ("subtitles", "extract"), "srt": ("subtitles", "extract"),
    "mht": ("mail", "extract_web_archive"), "tex": ("latex", "extract"),
    **dict.fromkeys(("png", "jpeg", "tiff", "bmp", "webp"), ("image", "extract")),
}  # fmt: skip
METADATA_FIELDS = (
    "title", "author", "subject", "keywords", "created", "modified", "producer", "language",
    "language_confidence", "page_count",
)  # fmt: skip


def extract(
    path: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    html_main_content: bool = True,
    archive_depth: int = 0,
    **paging: Any,
) -> dict[str, Any]:
    """Extract the text and basic metadata of the document at `path`.

    `paging` (split_pages, parts, pdf_backend) goes to the PDF extractor: see
    workers.formats.pdf.extract; its `ocr` (workers.formats.scans.Request) to the PDF and image
    extractors: pages without text read by OCR (none without it).
    `html_main_content`: of a web page, only the main content (no navigation, sidebars or
    footers); False keeps all its visible text.
    `archive_depth`: how many zip archives the file lies in (workers.formats.archive reads
    each member through this function).
    """
    st = check_file(path, max_bytes)
    warnings: list[str] = []
    kind = detect(path, max_bytes)
    module, function = EXTRACTORS[kind]
    extractor = getattr(importlib.import_module(f"workers.formats.{module}"), function)
    options: dict[str, Any] = paging if kind == "pdf" else {}
    if module == "image":
        options = {"ocr": paging.get("ocr")}
    if kind in ("html", "mht"):
        options = {"main_content": html_main_content}

    # An archive's members and a mail's attached files are read as files of their own.
    def inner(member: str, limit: int) -> dict[str, Any]:
        return extract(
            member,
            max_bytes=limit,
            html_main_content=html_main_content,
            archive_depth=archive_depth + 1,
        )

    if kind == "zip":
        options = {"read": inner, "depth": archive_depth}
    if kind in ("eml", "msg") and archive_depth < archive.MAX_DEPTH:
        options = {"reader": inner}
    found: Extracted = extractor(path, warnings, max_bytes, **options)
    unchanged(path, st)
    kind = found.kind or kind
    text = found.text
    structure = found.structure or headings.scan(kind, text)
    metadata: dict[str, Any] = dict.fromkeys(METADATA_FIELDS)
    metadata.update(found.meta)
    metadata |= document_language(text, declared=metadata.get("language"))
    metadata |= {
        "word_count": len(text.split()),
        "char_count": len(text),
        "file_size": st.st_size,
        "fs_mtime": datetime.fromtimestamp(st.st_mtime, UTC).isoformat(),
    }
    status = "ok" if text.strip() else "no_text"
    log.debug("extracted %s: kind=%s status=%s chars=%d", path, kind, status, len(text))
    return {
        "kind": kind, "mime": MIME[kind], "text": text, "pages": found.pages,
        "metadata": metadata, "warnings": warnings, "status": status,
        "structure": structure.as_dict() if structure else None,
    }  # fmt: skip


def confine(path: str, roots: tuple[Path, ...]) -> str:
    """The path to read for a job's `path`: symbolic links and `..` resolved, and under one of
    the allowed `roots` (resolved folders), else a `forbidden` TaskError. No roots: nothing
    may be read.

    Callers read the returned path, not the one they were given, so the link a client named
    is not followed a second time. Someone who can write inside a root could still, between
    this check and the read, put a link in place of the resolved file or one of its folders:
    the roots bound what a client names, not what the roots' own writers do.
    """
    if not isinstance(path, str) or not path or "\x00" in path:
        raise TaskError(ErrorType.BAD_REQUEST, f"'path' must be a file path, not {path!r}")
    real = under_roots(path, roots)
    if real is None:
        where = ", ".join(str(root) for root in roots) or "nothing (this pool has no roots)"
        raise TaskError(
            ErrorType.FORBIDDEN,
            f"{path} is outside the folders this worker may read ({where}); "
            "copy it into one of them, or send its content instead of its path",
        )
    return str(real)


def lock_file(path: str) -> str | None:
    """The lock file an office suite keeps beside a document it has open, if there is one:
    LibreOffice's `.~lock.NAME#`, Microsoft Office's `~$NAME` (the first two characters of a
    long NAME dropped)."""
    folder, name = os.path.split(path)
    candidates = [f".~lock.{name}#", f"~${name}"]
    if len(name) > 7:
        candidates.append(f"~${name[2:]}")
    for candidate in candidates:
        if os.path.lexists(os.path.join(folder, candidate)):
            return candidate
    return None


def unchanged(path: str, before: os.stat_result) -> None:
    """Raise `locked` (retryable) if `path` changed since `before`: it is still being written,
    and what was read of it may be half a document."""
    try:
        after = os.stat(path)
    except OSError as exc:
        raise os_error(exc, path) from exc
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise TaskError(
            ErrorType.LOCKED,
            f"{path} changed while it was read ({before.st_size} -> {after.st_size} bytes): "
            "it is still being written; it will be read again",
        )


def check_file(path: str, max_bytes: int) -> os.stat_result:
    """Return the stat of `path` if it is a regular file within `max_bytes`, not open in an
    office suite, else raise."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise os_error(exc, path) from exc
    if (lock := lock_file(path)) is not None:
        raise TaskError(
            ErrorType.LOCKED,
            f"{path} is open in another program ({lock} is beside it); it will be read again",
        )
    if not stat.S_ISREG(st.st_mode):
        raise TaskError(ErrorType.UNSUPPORTED, f"{path} is not a regular file")
    if st.st_size > max_bytes:
        raise TaskError(
            ErrorType.TOO_LARGE, f"{path} is {st.st_size} bytes, over the {max_bytes}-byte limit"
        )
    return st


def extract_metadata(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Kind, mime, size and the metadata fields, reading as little of the content as the
    format allows: PDF info and page count only, Office/ODF property parts only."""
    st = check_file(path, max_bytes)
    kind = detect(path, max_bytes)
    warnings: list[str] = []
    meta: dict[str, Any]
    if kind == "pdf":
        from workers.formats import pdf

        meta = pdf.metadata(path, warnings)
    elif kind in ("docx", "pptx", "xlsx"):
        from workers.formats import ooxml

        meta = ooxml.properties(path, max_bytes)
    elif kind in ("odt", "ods", "odp"):
        from workers.formats import odf

        meta = odf.properties(path, max_bytes)
    elif kind == "zip":
        from workers.formats import archive

        meta = archive.listing(path)
    else:  # text-like formats: parsing them is as cheap as looking at them
        full = extract(path, max_bytes=max_bytes)
        kind, meta, warnings = full["kind"], full["metadata"], full["warnings"]
    metadata: dict[str, Any] = dict.fromkeys(METADATA_FIELDS)
    metadata |= {
        key: value for key, value in meta.items() if key not in ("word_count", "char_count")
    }
    metadata |= {
        "file_size": st.st_size,
        "fs_mtime": datetime.fromtimestamp(st.st_mtime, UTC).isoformat(),
    }
    return {
        "kind": kind, "mime": MIME[kind], "size": st.st_size, "metadata": metadata,
        "warnings": warnings,
    }  # fmt: skip
