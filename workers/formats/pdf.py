"""PDF: text page by page through PDFium (pypdfium2) or pypdf, document info, form fields and
annotations, the empty password tried once.

PDFium reads text by default: about 11 times as fast as pypdf over the corpus and closer to
poppler's pdftotext (docs/EXTRACTION.md). pypdf opens the file first all the same: it decrypts
with the empty owner password as well as the user's, reads the document info, and walks the
annotations. A file one library cannot open is read by the other before it counts as
malformed. What pypdf says while it reads (it logs damaged objects and fonts it cannot fully
decode) reaches the job's warnings, each message once with its count.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import FanOut, TaskError
from workers.formats import pdf_annots, pdf_glyphs, pdf_outline
from workers.formats.base import PARSER_ERRORS, Extracted, clean, describe, iso, os_error
from workers.formats.parser_log import parser_warnings

PART_TASK = "extract_pages"
# Spaces a PDF reader puts between two CJK characters, from the gaps between their glyphs:
# Chinese and Japanese text has none ("对 国 防 问 题" is "对国防问题" to a reader and a search).
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")
_PYPDF_STANDS_IN = (ErrorType.ENCRYPTED, ErrorType.MALFORMED, ErrorType.UNSUPPORTED)


def extract(
    path: str,
    warnings: list[str],
    limit: int,
    *,
    split_pages: int = 0,
    parts: list[dict[str, Any]] | None = None,
    pdf_backend: str = "pdfium",
    ocr: Any = None,
) -> Extracted:
    """Return the pages and metadata of a PDF, trying the empty password if it is encrypted.

    With `split_pages`, a PDF of more pages than that is handed back as page ranges of about
    that many pages (FanOut) for other workers to read at the same time; with `parts`, the
    results of those ranges, the pages are taken from them instead of read again. The text
    is read by `pdf_backend` (see _text). With `ocr` (workers.formats.scans.Request), pages
    without a text layer are read by OCR on the `ocr` queue.
    """
    with parser_warnings(warnings):
        source = _open(path, warnings)
        return _extract(source, path, warnings, split_pages, parts, pdf_backend, ocr)


def _extract(
    source: Source,
    path: str,
    warnings: list[str],
    split_pages: int,
    parts: list[dict[str, Any]] | None,
    pdf_backend: str,
    ocr: Any = None,
) -> Extracted:
    page_count = source.page_count
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
        pages, failed = _text(path, source, 1, page_count, warnings, pdf_backend)
    if page_count and failed == page_count:
        raise TaskError(ErrorType.MALFORMED, f"no page of the PDF could be read ({warnings[0]})")
    meta = {"page_count": page_count, **_info(source, path, warnings)}
    if ocr is not None:
        from workers.formats import scans

        pages = scans.apply(ocr, "pdf", path, pages, meta, warnings)
    outline = pdf_outline.sections(source.reader, pages, warnings, source.errors)
    return Extracted("\n\n".join(page["text"] for page in pages), pages, meta, structure=outline)


def extract_pages(path: str, first: int, last: int, pdf_backend: str = "pdfium") -> dict[str, Any]:
    """Pages `first` to `last` (from 1, inclusive) of a PDF: one part of a long document."""
    warnings: list[str] = []
    with parser_warnings(warnings):
        source = _open(path, warnings)
        if not 1 <= first <= last <= source.page_count:
            raise TaskError(ErrorType.BAD_REQUEST, f"pages {first}-{last} are not in {path}")
        pages, failed = _text(path, source, first, last, warnings, pdf_backend)
    return {"pages": pages, "warnings": warnings, "failed": failed}


def _text(
    path: str, source: Source, first: int, last: int, warnings: list[str], pdf_backend: str
) -> tuple[list[dict[str, Any]], int]:
    """Pages `first` to `last` by `pdf_backend`, the pool's choice (pdfium, the default, or
    pypdf), the other one standing in when the chosen one cannot open the file; then each
    page's form fields and annotations."""
    pages: list[dict[str, Any]] | None = None
    marked: dict[int, pdf_annots.Marked] = {}
    if source.reader is not None:
        marked = {
            number: pdf_annots.of_page(source.reader, number, warnings, source.errors)
            for number in range(first, last + 1)
        }
    if pdf_backend == "pdfium" or source.reader is None:
        from workers.formats import pdfium

        shown = {number: page.shown for number, page in marked.items()}
        names = pdf_glyphs.for_reader(source.reader, source.errors) if source.reader else None
        try:
            pages, failed = pdfium.read_pages(path, first, last, warnings, shown, names)
        except TaskError as exc:
            # PDFium tries the empty password as the user's only, pypdf also as the owner's;
            # a file PDFium cannot parse may be one pypdf repairs; and a platform may lack it.
            if source.reader is None or exc.type not in _PYPDF_STANDS_IN:
                raise
            warnings.append(f"read with pypdf: PDFium could not open the file ({exc.message})")
    if pages is None:
        pages, failed = _read(source.reader, first, last, warnings, source.errors)
    for page in pages:
        page["text"] = close_cjk_gaps(page["text"])
        extras = marked[page["number"]].lines if marked else []
        if extras:
            page["text"] = "\n\n".join(filter(None, [page["text"], *extras]))
    return pages, failed


def close_cjk_gaps(text: str) -> str:
    """A page's text as either backend gives it, without the spaces between CJK characters."""
    return _CJK_GAP.sub("", text)


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
    with parser_warnings(warnings):
        source = _open(path, warnings)
        return {"page_count": source.page_count, **_info(source, path, warnings)}


@dataclass
class Source:
    """An opened PDF: pypdf's reader, unless only PDFium could open it, and its page count."""

    reader: Any | None
    page_count: int
    errors: tuple[type[Exception], ...]


def _open(path: str, warnings: list[str]) -> Source:
    """Open (and decrypt) the PDF with pypdf, or with PDFium when pypdf finds it malformed."""
    from pypdf.errors import DeprecationError, PyPdfError

    # DeprecationError is not a PyPdfError; pypdf 7 raises it for filter names in the file.
    errors: tuple[type[Exception], ...] = (PyPdfError, DeprecationError, *PARSER_ERRORS)
    try:
        reader = _open_pypdf(path, errors)
        return Source(reader, len(reader.pages), errors)
    except TaskError as exc:
        if exc.type is not ErrorType.MALFORMED:
            raise
        from workers.formats import pdfium

        try:
            count = pdfium.page_count(path)
        except TaskError:
            raise exc from None  # neither can read it: pypdf's words say why
        warnings.append(f"read with PDFium: pypdf could not open the file ({exc.message})")
        return Source(None, count, errors)


def _open_pypdf(path: str, errors: tuple[type[Exception], ...]) -> Any:
    """Return an opened (decrypted) PdfReader whose page tree is loaded."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

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
    return reader


def _info(source: Source, path: str, warnings: list[str]) -> dict[str, Any]:
    """Title, author, subject, producer and dates from the document info dictionary."""
    if source.reader is None:
        from workers.formats import pdfium

        return pdfium.info(path)
    reader, errors = source.reader, source.errors
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
