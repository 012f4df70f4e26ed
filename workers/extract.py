"""Text and basic metadata extraction for plain text, PDF and DOCX files.

`extract(path)` returns one msgpack-ready dict (kind, text, pages, metadata, warnings, status) or
raises `TaskError` with an `ErrorType` a client can act on. pypdf and python-docx are imported only
when a document of their kind arrives, so a worker that imports this module stays small.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from broker.protocol import ErrorType
from workers.errors import TaskError

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# Plain text is the one kind recognised by name: it has no magic bytes of its own.
TEXT_EXTENSIONS = frozenset(
    {".txt", ".text", ".log", ".md", ".markdown", ".rst", ".org", ".csv", ".tsv"}
)
DOCX_EXTENSIONS = frozenset({".docx", ".docm", ".dotx", ".dotm"})
_HEAD_BYTES = 1024
_OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
# Parsers signal bad input with many exception types beyond their own error classes; these are
# caught around parser calls only, so a bug in this module still surfaces as itself.
_PARSER_ERRORS: tuple[type[Exception], ...] = (
    ValueError, LookupError, TypeError, AttributeError, ArithmeticError, AssertionError,
    RecursionError, NotImplementedError, EOFError, struct.error, zlib.error,
)  # fmt: skip
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_APP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def extract(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Extract the text and basic metadata of the .txt, .pdf or .docx file at `path`."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _os_error(exc, path) from exc
    if not stat.S_ISREG(st.st_mode):
        raise TaskError(ErrorType.UNSUPPORTED, f"{path} is not a regular file")
    if st.st_size > max_bytes:
        raise TaskError(
            ErrorType.TOO_LARGE, f"{path} is {st.st_size} bytes, over the {max_bytes}-byte limit"
        )
    warnings: list[str] = []
    pages: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    kind = _detect(path, max_bytes)
    if kind == "pdf":
        pages, meta = _extract_pdf(path, warnings)
        text = "\n\n".join(page["text"] for page in pages)
    elif kind == "docx":
        text, meta = _extract_docx(path, warnings)
    else:
        text = _decode_text(_read(path), path, warnings)
    metadata: dict[str, Any] = {
        "title": None, "author": None, "subject": None, "created": None, "modified": None,
        "producer": None, "page_count": None,
    }  # fmt: skip
    metadata.update(meta)
    metadata |= {
        "word_count": len(text.split()),
        "char_count": len(text),
        "file_size": st.st_size,
        "fs_mtime": datetime.fromtimestamp(st.st_mtime, UTC).isoformat(),
    }
    status = "ok" if text.strip() else "no_text"
    log.debug("extracted %s: kind=%s status=%s chars=%d", path, kind, status, len(text))
    return {
        "kind": kind, "text": text, "pages": pages, "metadata": metadata,
        "warnings": warnings, "status": status,
    }  # fmt: skip


def _os_error(exc: OSError, path: str) -> TaskError:
    """Translate a filesystem error on `path` into the TaskError a person can act on."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP):
        return TaskError(ErrorType.NOT_FOUND, f"no such file: {path}")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return TaskError(ErrorType.PERMISSION, f"permission denied reading {path}")
    if exc.errno == errno.EISDIR:
        return TaskError(ErrorType.UNSUPPORTED, f"{path} is a directory")
    return TaskError(ErrorType.TASK_ERROR, f"could not read {path}: {exc.strerror or exc}")


def _read(path: str, size: int = -1) -> bytes:
    """Return the first `size` bytes of `path` (all when -1), as TaskError on failure."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise _os_error(exc, path) from exc


def _detect(path: str, max_bytes: int) -> str:
    """Return "pdf", "docx" or "txt" from the content of `path`, or raise UNSUPPORTED."""
    head = _read(path, _HEAD_BYTES)
    ext = os.path.splitext(path)[1].lower()
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(_OLE2_MAGIC):
        raise TaskError(
            ErrorType.UNSUPPORTED,
            "legacy binary Office file (.doc/.xls/.ppt) or password-protected Office file;"
            " save it as .docx or PDF",
        )
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path, ext, max_bytes)
    if ext in TEXT_EXTENSIONS:
        return "txt"
    if not head and ext in (".pdf", *DOCX_EXTENSIONS):  # e.g. a download that never arrived
        raise TaskError(ErrorType.MALFORMED, f"{path} is empty")
    raise TaskError(
        ErrorType.UNSUPPORTED, f"content is not PDF, DOCX or plain text ({ext or 'no extension'})"
    )


def _zip_kind(path: str, ext: str, max_bytes: int) -> str:
    """Return "docx" for a zip holding word/document.xml; raise for any other or broken zip."""
    import zipfile  # with its bz2/lzma/shutil imports, only once a zip arrives

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        kind = ErrorType.MALFORMED if ext in DOCX_EXTENSIONS else ErrorType.UNSUPPORTED
        raise TaskError(kind, f"damaged or truncated zip container: {exc}") from exc
    except OSError as exc:
        raise _os_error(exc, path) from exc
    if not any(info.filename == "word/document.xml" for info in infos):
        raise TaskError(ErrorType.UNSUPPORTED, "zip archive that is not a Word document (.docx)")
    # python-docx inflates every part into memory, so bound what the archive says it expands to.
    expanded = sum(info.file_size for info in infos)
    if expanded > max_bytes:
        raise TaskError(
            ErrorType.TOO_LARGE, f"document expands to {expanded} bytes, over {max_bytes}"
        )
    return "docx"


def _decode_text(data: bytes, path: str, warnings: list[str]) -> str:
    """Decode plain text by BOM, else UTF-8, cp1252, latin-1; raise UNSUPPORTED for binary."""
    # UTF-32 LE's BOM starts with UTF-16 LE's, so it must be tested first.
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
    ):  # fmt: skip
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise TaskError(ErrorType.UNSUPPORTED, f"{path} contains binary data, not text")
        return data.decode(utf16, errors="replace")
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    warnings.append("text is neither UTF-8 nor cp1252; decoded as latin-1")
    return data.decode("latin-1")


def _bomless_utf16(data: bytes) -> str | None:
    """Return the UTF-16 codec `data` looks like without a BOM (mostly-ASCII text), or None."""
    sample = data[:4096]
    half = len(sample) // 2
    if len(data) % 2 or half == 0:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    # ASCII-range text in UTF-16 has a NUL in every high byte and almost none in the low ones.
    if odd_nuls >= 0.3 * half and even_nuls <= 0.02 * half:
        return "utf-16-le"
    if even_nuls >= 0.3 * half and odd_nuls <= 0.02 * half:
        return "utf-16-be"
    return None


def _iso(value: Any) -> str | None:
    """Return a datetime as an ISO 8601 UTC string (naive taken as UTC), anything else as None."""
    if not isinstance(value, datetime):
        return None
    try:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC).isoformat()
        return value.astimezone(UTC).isoformat()
    except (OverflowError, ValueError):  # offsets that push a date outside datetime's range
        return None


def _clean(value: Any) -> str | None:
    """Return a metadata value as a plain stripped str, or None when absent or not text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    return str(value).replace("\x00", "").strip() or None


def _extract_pdf(path: str, warnings: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the pages and metadata of a PDF, trying the empty password if it is encrypted."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, DeprecationError, PyPdfError

    # DeprecationError is not a PyPdfError; pypdf 7 raises it for filter names in the file.
    errors: tuple[type[Exception], ...] = (PyPdfError, DeprecationError, *_PARSER_ERRORS)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise TaskError(ErrorType.ENCRYPTED, "PDF is password-protected")
        page_count = len(reader.pages)
    except DependencyError as exc:
        raise TaskError(ErrorType.UNSUPPORTED, f"PDF needs a missing library: {exc}") from exc
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable PDF: {_describe(exc)}") from exc
    except OSError as exc:
        raise _os_error(exc, path) from exc
    pages: list[dict[str, Any]] = []
    failed = 0
    for number in range(1, page_count + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except errors as exc:
            failed += 1
            text = ""
            warnings.append(f"page {number}: text extraction failed: {_describe(exc)}")
        pages.append({"number": number, "text": text})
    if page_count and failed == page_count:
        raise TaskError(ErrorType.MALFORMED, f"no page of the PDF could be read ({warnings[0]})")
    meta: dict[str, Any] = {"page_count": page_count}
    try:
        info = reader.metadata
        if info is not None:
            meta |= {
                "title": _clean(info.title), "author": _clean(info.author),
                "subject": _clean(info.subject), "producer": _clean(info.producer),
            }  # fmt: skip
            for key, attr in (("created", "creation_date"), ("modified", "modification_date")):
                try:
                    meta[key] = _iso(getattr(info, attr))
                except errors:  # a date string pypdf cannot parse: leave it unknown
                    warnings.append(f"unparseable {key} date in PDF metadata")
    except errors as exc:
        warnings.append(f"unreadable PDF metadata: {_describe(exc)}")
    return pages, meta


def _describe(exc: BaseException) -> str:
    """Return a short one-line description of a parser exception."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _extract_docx(path: str, warnings: list[str]) -> tuple[str, dict[str, Any]]:
    """Return the text (headers, body with tables and text boxes, footers) and metadata."""
    import zipfile

    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    errors: tuple[type[Exception], ...] = (OpcError, LxmlError, zipfile.BadZipFile, *_PARSER_ERRORS)
    try:
        document = docx.Document(path)
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable DOCX: {_describe(exc)}") from exc
    except OSError as exc:
        raise _os_error(exc, path) from exc
    body: list[str] = []
    try:
        _docx_blocks(document.element.body, body)
    except RecursionError as exc:  # tables or text boxes nested hundreds deep
        raise TaskError(ErrorType.MALFORMED, "DOCX content is nested too deeply") from exc
    headers: list[str] = []
    footers: list[str] = []
    seen: set[int] = set()
    try:
        for section in document.sections:
            for hf, out in (
                (section.header, headers), (section.first_page_header, headers),
                (section.even_page_header, headers), (section.footer, footers),
                (section.first_page_footer, footers), (section.even_page_footer, footers),
            ):  # fmt: skip
                # A linked header has no part of its own; reading .part would create one.
                if not hf.is_linked_to_previous and id(hf.part) not in seen:
                    seen.add(id(hf.part))
                    _docx_blocks(hf.part.element, out)
    except errors as exc:
        warnings.append(f"headers/footers unreadable: {_describe(exc)}")
    meta: dict[str, Any] = {}
    package = document.part.package
    rels = {rel.reltype: rel for rel in package.rels.values() if not rel.is_external}
    try:
        # python-docx invents default core properties when the part is missing; don't report them.
        if RT.CORE_PROPERTIES in rels:
            props = document.core_properties
            meta |= {
                "title": _clean(props.title), "author": _clean(props.author),
                "subject": _clean(props.subject), "created": _iso(props.created),
                "modified": _iso(props.modified),
            }  # fmt: skip
        if RT.EXTENDED_PROPERTIES in rels:
            from docx.oxml.parser import parse_xml

            app = parse_xml(rels[RT.EXTENDED_PROPERTIES].target_part.blob)
            meta["producer"] = _clean(app.findtext(f"{_APP_NS}Application"))
    except errors as exc:
        warnings.append(f"unreadable DOCX properties: {_describe(exc)}")
    return "\n".join(headers + body + footers), meta


def _unwrap(parent: Any) -> Iterator[Any]:
    """Yield the block children of `parent`, looking through content controls and custom XML."""
    for child in parent:
        if child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _unwrap(content)
        elif child.tag == f"{_W}customXml":
            yield from _unwrap(child)
        else:
            yield child


def _docx_blocks(container: Any, out: list[str]) -> None:
    """Append one line per paragraph and per table row under `container`, in document order."""
    for child in _unwrap(container):
        if child.tag == f"{_W}p":
            _docx_paragraph(child, out)
        elif child.tag == f"{_W}tbl":
            for row in _unwrap(child):
                if row.tag != f"{_W}tr":
                    continue
                cells: list[str] = []
                for cell in _unwrap(row):
                    if cell.tag != f"{_W}tc":
                        continue
                    # Word hides what a vertically merged continuation cell holds; so do we.
                    merge = cell.find(f"{_W}tcPr/{_W}vMerge")
                    if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
                        cells.append("")
                        continue
                    lines: list[str] = []
                    _docx_blocks(cell, lines)
                    cells.append(" ".join(line for line in lines if line))
                out.append("\t".join(cells))


def _docx_paragraph(paragraph: Any, out: list[str]) -> None:
    """Append a paragraph's text, then the text of any text boxes anchored in it."""
    parts: list[str] = []
    boxes: list[str] = []
    marks = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}

    def visit(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag in marks:
                parts.append(marks[tag])
            elif tag == f"{_W}txbxContent":
                _docx_blocks(child, boxes)
            elif tag == _MC_ALTERNATE:
                # Choice and Fallback hold the same content twice (DrawingML and VML): read one.
                if len(child):
                    visit(child[0])
            elif tag not in (f"{_W}pPr", f"{_W}rPr"):  # properties: w:tab there is a tab stop
                visit(child)

    visit(paragraph)
    out.append("".join(parts))
    out.extend(boxes)
