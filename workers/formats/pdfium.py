"""PDF text through pypdfium2 (PDFium, Apache-2.0): the default text backend.

Same contract as the pypdf reader in `workers.formats.pdf`: pages as {"number", "text"}, a page
that cannot be read becomes "" and a warning. pypdfium2 is imported only when a PDF is read
with this backend, and every PDFium object is closed before returning: the job process reads
many documents and PDFium's memory is not Python's to collect in time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats import pdf_glyphs, pdfium_text
from workers.formats.base import PARSER_ERRORS, clean, describe, iso, os_error, read

MISSING = "the pdfium PDF backend needs pypdfium2: pip install pypdfium2"


def read_pages(
    path: str,
    first: int,
    last: int,
    warnings: list[str],
    marked: Mapping[int, Collection[int]] | None = None,
    names: Callable[[int], pdf_glyphs.Names] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The text of pages `first` to `last` (from 1, inclusive), and how many could not be read.

    A page's text includes what its annotations show (their appearance streams: a signature's
    text, a stamp, a list box's options), but for those `marked` lists by page number and
    index in the page's /Annots: their text is given another way (workers.formats.pdf_annots).
    `names` gives a page's named glyphs by its number (workers.formats.pdf_glyphs): the text
    of glyphs its fonts map to nothing.
    """
    marked = marked or {}
    if first > last:  # a PDF of no pages: PDFium refuses to open those at all
        return [], 0
    pdfium = _import()
    errors: tuple[type[Exception], ...] = (pdfium.PdfiumError, *PARSER_ERRORS)
    pages: list[dict[str, Any]] = []
    failed = 0
    document = _open(pdfium, path)
    try:
        if last > len(document):
            raise TaskError(ErrorType.BAD_REQUEST, f"pages {first}-{last} are not in {path}")
        for number in range(first, last + 1):
            try:
                named = (lambda n=number: names(n)) if names else None
                text = _page_text(pdfium, document, number - 1, marked.get(number, ()), named)
            except errors as exc:
                failed += 1
                text = ""
                warnings.append(f"page {number}: text extraction failed: {describe(exc)}")
            pages.append({"number": number, "text": text})
    finally:
        document.close()
    return pages, failed


def page_count(path: str) -> int:
    """The number of pages PDFium finds in the PDF at `path`."""
    pdfium = _import()
    document = _open(pdfium, path)
    try:
        return len(document)
    finally:
        document.close()


def open_document(path: str) -> Any:
    """The PdfDocument at `path`, for a caller that closes it; typed errors as read_pages'."""
    return _open(_import(), path)


def _page_text(
    pdfium: Any,
    document: Any,
    index: int,
    marked: Collection[int],
    names: Callable[[], pdf_glyphs.Names] | None = None,
) -> str:
    """The text of one page: lines end with "\n", and a word hyphenated across lines is whole."""
    page = document[index]
    flattened = _flatten(pdfium.raw, page, marked)
    if flattened:
        page.close()
        page = document[index]  # the flattened page, as PDFium reads it anew
    try:
        textpage = _textpage(pdfium.raw, page)
        try:
            text = pdfium_text.page_text(pdfium.raw, textpage, flattened, names)
        finally:
            textpage.close()
    finally:
        page.close()
    # PDFium joins a word hyphenated across lines, leaving U+FFFE (a noncharacter) where the
    # hyphen was. The word is kept whole, as pdftotext does: a retriever looks for
    # "adipiscing", not "adip-" and "iscing" (pypdf keeps both pieces).
    return text.replace("\ufffe", "")


def _textpage(raw: Any, page: Any) -> Any:
    """PDFium's text of `page`, read with the page turned so that most of its text stands
    upright (in memory only: the document is not saved).

    PDFium orders lines as the page is shown (its /Rotate applied), and well only for text
    that stands upright so: a page turned after it was written (/Rotate 90 over upright text)
    read its last line first, and text written downwards on an unturned page (a table set
    on its side) came out last line first or run together on one line.
    """
    textpage = page.get_textpage()
    turns = pdfium_text.quarter_turns(raw, textpage.raw)
    if turns is None or (4 - turns) % 4 == raw.FPDFPage_GetRotation(page.raw):
        return textpage
    textpage.close()
    raw.FPDFPage_SetRotation(page.raw, (4 - turns) % 4)
    return page.get_textpage()


def _flatten(raw: Any, page: Any, marked: Collection[int]) -> bool:
    """Draw what the page's annotations show into its content (in memory only), but for those
    at `marked` and links and popups (whose appearance, a border or a box, has no text);
    whether anything was drawn."""
    drawn = False
    no_text = (raw.FPDF_ANNOT_LINK, raw.FPDF_ANNOT_POPUP)
    for index in range(raw.FPDFPage_GetAnnotCount(page.raw)):
        annot = raw.FPDFPage_GetAnnot(page.raw, index)
        if not annot:
            continue
        if index in marked or raw.FPDFAnnot_GetSubtype(annot) in no_text:
            flags = raw.FPDFAnnot_GetFlags(annot)
            raw.FPDFAnnot_SetFlags(annot, flags | raw.FPDF_ANNOT_FLAG_HIDDEN)
        else:
            drawn = True
        raw.FPDFPage_CloseAnnot(annot)
    if not drawn:
        return False
    return bool(raw.FPDFPage_Flatten(page.raw, raw.FLAT_NORMALDISPLAY) == raw.FLATTEN_SUCCESS)


def _open(pdfium: Any, path: str) -> Any:
    """Return the PdfDocument at `path`, opened with the empty password if it is encrypted."""
    try:
        return pdfium.PdfDocument(path, password="")
    except OSError as exc:
        # pypdfium2 raises a bare FileNotFoundError for anything not a regular file (a directory
        # too), and PDFium says only "file access error": let the OS say what is wrong.
        read(path, 1)
        raise os_error(exc, path) from exc
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_FILE:
            read(path, 1)
        if code == pdfium.raw.FPDF_ERR_PASSWORD:
            # PDFium tries "" as the user password only, never as the owner password as pypdf
            # does, so a file with an empty owner password and a real user password ends here.
            raise TaskError(ErrorType.ENCRYPTED, "PDF is password-protected") from exc
        if code == pdfium.raw.FPDF_ERR_SECURITY:
            message = "PDF is encrypted in a way PDFium cannot decrypt"
            raise TaskError(ErrorType.ENCRYPTED, message) from exc
        raise TaskError(ErrorType.MALFORMED, f"unreadable PDF: {describe(exc)}") from exc


def _import() -> Any:
    """pypdfium2, or UNSUPPORTED when the optional dependency is not installed."""
    try:
        import pypdfium2
        import pypdfium2.raw  # the FPDF_ERR_* codes of a failed open
    except ImportError as exc:
        raise TaskError(ErrorType.UNSUPPORTED, MISSING) from exc
    return pypdfium2


def info(path: str) -> dict[str, Any]:
    """Document info through PDFium, for a file pypdf could not open."""
    pdfium = _import()
    document = _open(pdfium, path)
    try:
        raw = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    names = {"Title": "title", "Author": "author", "Subject": "subject", "Producer": "producer"}
    meta: dict[str, Any] = {key: clean(raw.get(name)) for name, key in names.items()}
    meta["keywords"] = clean(raw.get("Keywords"))
    for key, name in (("created", "CreationDate"), ("modified", "ModDate")):
        meta[key] = _pdf_date(raw.get(name))
    return meta


_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?([Zz+-])?(\d\d)?'?(\d\d)?")


def _pdf_date(text: str | None) -> str | None:
    """A PDF date string (D:YYYYMMDDHHmmSS+HH'mm') as ISO 8601 UTC, or None."""
    match = _DATE.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second, sign, tzh, tzm = match.groups()
    offset = timedelta(hours=int(tzh or 0), minutes=int(tzm or 0))
    zone = timezone(-offset if sign == "-" else offset)
    try:
        when = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0), tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        return None
    return iso(when)
