"""Which kind of document a file holds: magic bytes and zip members first, the name last."""

from __future__ import annotations

import os
import re

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats import image
from workers.formats.base import PARSER_ERRORS, describe, open_zip, read

HEAD_BYTES = 4096
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "epub": "application/epub+zip",
    "html": "text/html", "xml": "application/xml", "json": "application/json",
    "ndjson": "application/x-ndjson", "csv": "text/csv", "tsv": "text/tab-separated-values",
    "txt": "text/plain", "md": "text/markdown", "rst": "text/x-rst", "org": "text/org",
    "eml": "message/rfc822", "rtf": "application/rtf", "xls": "application/vnd.ms-excel",
    "msg": "application/vnd.ms-outlook", "zip": "application/zip",
    "ipynb": "application/x-ipynb+json", "rss": "application/rss+xml",
    "atom": "application/atom+xml", "vtt": "text/vtt", "srt": "application/x-subrip",
    "mht": "multipart/related", "tex": "application/x-tex",
    **image.MIME,
}  # fmt: skip
BY_EXTENSION = {
    ".txt": "txt", ".text": "txt", ".log": "txt", ".md": "md", ".markdown": "md", ".rst": "rst",
    ".org": "org", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json",
    ".ndjson": "ndjson", ".jsonl": "ndjson", ".html": "html", ".htm": "html", ".xhtml": "html",
    ".xml": "xml", ".eml": "eml", ".rtf": "rtf", "": "txt",
    ".ipynb": "ipynb",  # JSON, told from other JSON by its name alone
    ".rss": "xml", ".atom": "xml", ".rdf": "xml",  # feeds: read as XML, told by their root
    ".vtt": "vtt", ".srt": "srt", ".mht": "mht", ".mhtml": "mht", ".tex": "tex",
}  # fmt: skip
_ODF_MIME = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/epub+zip": "epub",
}
_OOXML_PARTS = {
    "word/document.xml": "docx",
    "ppt/presentation.xml": "pptx",
    "xl/workbook.xml": "xlsx",
}
# The top-level streams that say what an OLE2 compound file holds, in the order they are
# looked for: (name, or prefix when it ends in "_"; the kind read, "encrypted", or None when
# docmill does not read it; what the file is).
_OLE2_STREAMS = (
    ("EncryptionInfo", "encrypted", "password-protected Office document"),
    ("WordDocument", None, "Word 97-2003 document (.doc)"),
    ("PowerPoint Document", None, "PowerPoint 97-2003 presentation (.ppt)"),
    ("Workbook", "xls", "Excel 97-2003 workbook (.xls)"),
    ("Book", "xls", "Excel 5.0/95 workbook (.xls)"),
    ("__substg1.0_", "msg", "Outlook message (.msg)"),
)
_HTML = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
# A feed's root element after the declaration, comments and doctype: an item's HTML may name
# <html> in the first kilobytes, which must not make the feed a web page.
_FEED = re.compile(
    r"(?:<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>|\s)*<(?:rss|feed|rdf:RDF)[\s>]", re.S
)
_MAIL_HEADER = re.compile(
    r"^(from|to|subject|date|received|return-path|message-id|mime-version|delivered-to|"
    r"reply-to|cc|content-type|x-[\w-]+):",
    re.IGNORECASE | re.MULTILINE,
)


def detect(path: str, max_bytes: int) -> str:
    """Return the kind of the document at `path`, or raise UNSUPPORTED / ENCRYPTED / MALFORMED."""
    head = read(path, HEAD_BYTES)
    ext = os.path.splitext(path)[1].lower()
    # The compound file's signature at offset 0 first: an attached PDF's bytes can lie in its
    # first kilobyte, where a PDF's own header may be found after some junk.
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(path, ext, max_bytes)
    if (picture := image.kind_of(head)) is not None:  # a signature at offset 0, as OLE2's
        return picture
    # A zip's signature at offset 0 before a PDF header anywhere in the first kilobyte: a PDF
    # stored uncompressed first in an archive has its header there.
    if head.startswith(b"PK\x03\x04") or (head.startswith(b"PK") and ext in _ZIP_EXTENSIONS):
        return _zip_kind(path, max_bytes)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if not head:
        if ext in _BINARY_EXTENSIONS:  # e.g. a download that never arrived
            raise TaskError(ErrorType.MALFORMED, f"{path} is empty")
        return BY_EXTENSION.get(ext, "txt")
    sample = _sample_text(head)
    stripped = sample.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        if _FEED.match(stripped):
            return "xml"
        if _HTML.search(stripped[:2048]):
            return "html"
        if stripped.startswith("<?xml") or ext == ".xml":
            return "xml"
    if stripped.startswith("WEBVTT") and stripped[6:7] in ("", " ", "\t", "\n", "\r"):
        return "vtt"  # a transcript saved as .txt
    if ext in BY_EXTENSION and BY_EXTENSION[ext] not in ("txt", "md", "rst", "org"):
        return BY_EXTENSION[ext]
    if _looks_like_mail(stripped):
        return "eml"
    if ext in BY_EXTENSION:
        return BY_EXTENSION[ext]
    raise TaskError(
        ErrorType.UNSUPPORTED, f"not a document format docmill reads ({ext or 'no extension'})"
    )


_ZIP_EXTENSIONS = frozenset({".docx", ".pptx", ".xlsx", ".odt", ".ods", ".odp", ".epub", ".zip"})
_BINARY_EXTENSIONS = _ZIP_EXTENSIONS | {".pdf", ".doc", ".xls", ".ppt", ".msg", ".docm"} | {
    ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp",
}  # fmt: skip


def _zip_kind(path: str, max_bytes: int) -> str:
    """Return the document kind a zip container holds ("zip" for an archive of documents),
    bounding what it expands to."""
    errors: tuple[type[Exception], ...] = (RuntimeError, OSError, *PARSER_ERRORS)
    with open_zip(path, "zip") as zf:
        try:
            infos = zf.infolist()
            names = {info.filename for info in infos}
            mimetype = (
                zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if ("mimetype" in names)
                else ""
            )
        except errors as exc:
            raise TaskError(ErrorType.MALFORMED, f"damaged zip: {describe(exc)}") from exc
    kind = _ODF_MIME.get(mimetype) or next(
        (kind for part, kind in _OOXML_PARTS.items() if part in names), None
    )
    if kind is None and any(name.startswith("Index/") and name.endswith(".iwa") for name in names):
        raise TaskError(
            ErrorType.UNSUPPORTED, "an Apple Pages, Keynote or Numbers document (iWork)"
        )
    if kind is None and (mimetype or "[Content_Types].xml" in names):
        what = f"({mimetype})" if mimetype else "(Office Open XML)"
        raise TaskError(ErrorType.UNSUPPORTED, f"a zip-based document docmill does not read {what}")
    # Parts (or an archive's members, one at a time) are inflated, so bound what the archive
    # says it expands to.
    expanded = sum(info.file_size for info in infos)
    if expanded > max_bytes:
        raise TaskError(
            ErrorType.TOO_LARGE, f"document expands to {expanded} bytes, over {max_bytes}"
        )
    return kind or "zip"


def _ole2_kind(path: str, ext: str, max_bytes: int) -> str:
    """The kind of an OLE2 compound file docmill reads (xls, msg), by the names of its
    top-level streams; else UNSUPPORTED naming the legacy format, or ENCRYPTED for a
    password-protected OOXML file."""
    import olefile

    data = read(path, max_bytes)
    # olefile's word for a damaged file is OSError (it reads bytes here, not the disk).
    errors: tuple[type[Exception], ...] = (OSError, *PARSER_ERRORS)
    names: list[str] | None
    damage = ""
    try:
        with olefile.OleFileIO(data) as ole:
            names = [entry[0] for entry in ole.listdir(streams=True, storages=True)]
    except errors as exc:
        names, damage = None, describe(exc)
    for stream, kind, label in _OLE2_STREAMS:
        if names is None:  # the directory's names are UTF-16 LE, however damaged the rest
            found = stream.encode("utf-16-le") in data
        else:
            found = any(
                name == stream or (stream.endswith("_") and name.startswith(stream))
                for name in names
            )
        if not found:
            continue
        if kind == "encrypted":
            raise TaskError(ErrorType.ENCRYPTED, label)
        if kind is None:
            raise TaskError(
                ErrorType.UNSUPPORTED,
                f"legacy binary {label} is not supported; save it as a modern format or PDF",
            )
        if names is None:
            raise TaskError(ErrorType.MALFORMED, f"damaged {label}: unreadable compound file")
        return kind
    if names is None:
        raise TaskError(ErrorType.MALFORMED, f"damaged OLE2 compound file: {damage}")
    raise TaskError(
        ErrorType.UNSUPPORTED,
        f"legacy OLE2 compound file ({ext or 'no extension'}; .doc/.ppt): unsupported",
    )


def _sample_text(head: bytes) -> str:
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2 : len(head) // 2 * 2].decode(codec, errors="replace")
    if head[1:2] == b"\x00":
        return head[: len(head) // 2 * 2].decode("utf-16-le", errors="replace")
    if head[0:1] == b"\x00":
        return head[: len(head) // 2 * 2].decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


def _looks_like_mail(text: str) -> bool:
    """A header block: the first line and at least two more are RFC 5322 header fields."""
    block = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    return bool(_MAIL_HEADER.match(block)) and len(_MAIL_HEADER.findall(block)) >= 3
