"""PDF through pypdf: text page by page, document info, the empty password tried once."""

from __future__ import annotations

import itertools
import os
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import FanOut, TaskError
from workers.formats.base import PARSER_ERRORS, Extracted, clean, describe, iso, os_error

PART_TASK = "extract_pages"
BACKEND_ENV = "DOCMILL_PDF_BACKEND"


def extract(
    path: str,
    warnings: list[str],
    limit: int,
    *,
    split_pages: int = 0,
    parts: list[dict[str, Any]] | None = None,
) -> Extracted:
    """Return the pages and metadata of a PDF, trying the empty password if it is encrypted.

    With `split_pages`, a PDF of more pages than that is handed back as page ranges of about
    that many pages (FanOut) for other workers to read at the same time; with `parts`, the
    results of those ranges, the pages are taken from them instead of read again.
    """
    reader, errors = _open(path)
    page_count = len(reader.pages)
    if parts is not None and sum(len(part["pages"]) for part in parts) == page_count:
        pages = [page for part in parts for page in part["pages"]]
        warnings.extend(warning for part in parts for warning in part["warnings"])
        failed = sum(part["failed"] for part in parts)
    elif split_pages > 0 and page_count > split_pages:
        count = -(-page_count // split_pages)  # ranges of nearly equal size, none over split
        bounds = [page_count * i // count for i in range(count + 1)]
        raise FanOut(
            PART_TASK,
            [{"path": path, "first": a + 1, "last": b} for a, b in itertools.pairwise(bounds)],
        )
    else:
        if parts is not None:
            warnings.append("the file changed while its parts were read: read again whole")
        pages, failed = _text(path, reader, 1, page_count, warnings, errors)
    if page_count and failed == page_count:
        raise TaskError(ErrorType.MALFORMED, f"no page of the PDF could be read ({warnings[0]})")
    meta = {"page_count": page_count, **_info(reader, warnings, errors)}
    return Extracted("\n\n".join(page["text"] for page in pages), pages, meta)


def extract_pages(path: str, first: int, last: int) -> dict[str, Any]:
    """Pages `first` to `last` (from 1, inclusive) of a PDF: one part of a long document."""
    reader, errors = _open(path)
    if not 1 <= first <= last <= len(reader.pages):
        raise TaskError(ErrorType.BAD_REQUEST, f"pages {first}-{last} are not in {path}")
    warnings: list[str] = []
    pages, failed = _text(path, reader, first, last, warnings, errors)
    return {"pages": pages, "warnings": warnings, "failed": failed}


def _text(
    path: str,
    reader: Any,
    first: int,
    last: int,
    warnings: list[str],
    errors: tuple[type[Exception], ...],
) -> tuple[list[dict[str, Any]], int]:
    """Pages `first` to `last` by the backend the pool chose ($DOCMILL_PDF_BACKEND): pypdf, the
    default, or pdfium (the `pdfium` extra: about 15x as fast; docs/EXTRACTION.md compares them)."""
    if os.environ.get(BACKEND_ENV, "pypdf") == "pdfium":
        from workers.formats import pdfium

        try:
            return pdfium.read_pages(path, first, last, warnings)
        except TaskError as exc:
            # pdfium tries the empty password as the user's only, pypdf also as the owner's:
            # a file pypdf opened (we are past _open) is read by pypdf then.
            if exc.type is not ErrorType.ENCRYPTED:
                raise
    return _read(reader, first, last, warnings, errors)


def _read(
    reader: Any, first: int, last: int, warnings: list[str], errors: tuple[type[Exception], ...]
) -> tuple[list[dict[str, Any]], int]:
    """The text of pages `first` to `last`, and how many of them could not be read."""
    pages: list[dict[str, Any]] = []
    failed = 0
    for number in range(first, last + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except errors as exc:
            failed += 1
            text = ""
            warnings.append(f"page {number}: text extraction failed: {describe(exc)}")
        pages.append({"number": number, "text": text})
    return pages, failed


def metadata(path: str, warnings: list[str]) -> dict[str, Any]:
    """Page count and document info only: no page content is parsed."""
    reader, errors = _open(path)
    try:
        page_count = len(reader.pages)
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable PDF: {describe(exc)}") from exc
    return {"page_count": page_count, **_info(reader, warnings, errors)}


def _open(path: str) -> tuple[Any, tuple[type[Exception], ...]]:
    """Return an opened (decrypted) PdfReader whose page tree is loaded, and pypdf's errors."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, DeprecationError, PyPdfError

    # DeprecationError is not a PyPdfError; pypdf 7 raises it for filter names in the file.
    errors: tuple[type[Exception], ...] = (PyPdfError, DeprecationError, *PARSER_ERRORS)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise TaskError(ErrorType.ENCRYPTED, "PDF is password-protected")
        len(reader.pages)  # the page tree: a broken one is a malformed file, not a page warning
    except DependencyError as exc:
        raise TaskError(ErrorType.UNSUPPORTED, f"PDF needs a missing library: {exc}") from exc
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable PDF: {describe(exc)}") from exc
    except OSError as exc:
        raise os_error(exc, path) from exc
    return reader, errors


def _info(reader: Any, warnings: list[str], errors: tuple[type[Exception], ...]) -> dict[str, Any]:
    """Title, author, subject, producer and dates from the document info dictionary."""
    meta: dict[str, Any] = {}
    try:
        info = reader.metadata
        if info is not None:
            meta |= {
                "title": clean(info.title), "author": clean(info.author),
                "subject": clean(info.subject), "producer": clean(info.producer),
                "keywords": clean(info.get("/Keywords")),
            }  # fmt: skip
            for key, attr in (("created", "creation_date"), ("modified", "modification_date")):
                try:
                    meta[key] = iso(getattr(info, attr))
                except errors:  # a date string pypdf cannot parse: leave it unknown
                    warnings.append(f"unparseable {key} date in PDF metadata")
    except errors as exc:
        warnings.append(f"unreadable PDF metadata: {describe(exc)}")
    return meta
