"""PDF through pypdf: text page by page, document info, the empty password tried once."""

from __future__ import annotations

from typing import Any

from broker.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import PARSER_ERRORS, Extracted, clean, describe, iso, os_error


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the pages and metadata of a PDF, trying the empty password if it is encrypted."""
    reader, errors = _open(path)
    page_count = len(reader.pages)
    pages: list[dict[str, Any]] = []
    failed = 0
    for number in range(1, page_count + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except errors as exc:
            failed += 1
            text = ""
            warnings.append(f"page {number}: text extraction failed: {describe(exc)}")
        pages.append({"number": number, "text": text})
    if page_count and failed == page_count:
        raise TaskError(ErrorType.MALFORMED, f"no page of the PDF could be read ({warnings[0]})")
    meta = {"page_count": page_count, **_info(reader, warnings, errors)}
    return Extracted("\n\n".join(page["text"] for page in pages), pages, meta)


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
