"""OpenDocument (ODT, ODS, ODP) and EPUB files written at test time: a zip whose first member
is the stored `mimetype`, then the XML parts docmill reads (content.xml and meta.xml; the
container, the OPF package and XHTML chapters)."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"'
)
_MIME = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def paragraph(text: str) -> str:
    """A text:p of `text`, runs of spaces as text:s and tabs as text:tab, as writers save them."""
    out, spaces = [], 0
    for char in text + "\0":
        if char == " ":
            spaces += 1
            continue
        if spaces:
            out.append(" " + (f'<text:s text:c="{spaces - 1}"/>' if spaces > 1 else ""))
            spaces = 0
        if char == "\t":
            out.append("<text:tab/>")
        elif char != "\0":
            out.append(escape(char))
    return f"<text:p>{''.join(out)}</text:p>"


def table(name: str, rows: Sequence[Sequence[str]]) -> str:
    """A table:table named `name`, one cell per value."""
    body = "".join(
        "<table:table-row>"
        + "".join(f"<table:table-cell>{paragraph(v)}</table:table-cell>" for v in row)
        + "</table:table-row>"
        for row in rows
    )
    return f'<table:table table:name="{escape(name)}">{body}</table:table>'


def write_odt(path: Path, blocks: Sequence[str], *, title: str = "", pages: int = 0) -> Path:
    """A text document of `blocks` (text:h, text:p, table:table markup, see paragraph and
    table), with a title and a page count in meta.xml when given."""
    return _write(path, "odt", f"<office:text>{''.join(blocks)}</office:text>", title, pages)


def write_ods(path: Path, sheets: Mapping[str, Sequence[Sequence[str]]]) -> Path:
    """A spreadsheet of `sheets`, each a named table, in order."""
    body = "".join(table(name, rows) for name, rows in sheets.items())
    return _write(path, "ods", f"<office:spreadsheet>{body}</office:spreadsheet>", "", 0)


def write_odp(path: Path, slides: Sequence[Sequence[str]]) -> Path:
    """A presentation: one draw:page per slide, its lines in one text frame."""
    pages = "".join(
        f'<draw:page draw:name="page{n}"><draw:frame><draw:text-box>'
        + "".join(paragraph(line) for line in lines)
        + "</draw:text-box></draw:frame></draw:page>"
        for n, lines in enumerate(slides, 1)
    )
    return _write(path, "odp", f"<office:presentation>{pages}</office:presentation>", "", 0)


def _write(path: Path, kind: str, body: str, title: str, pages: int) -> Path:
    content = f"<office:document-content {_NS}><office:body>{body}</office:body>"
    content += "</office:document-content>"
    meta = f"<dc:title>{escape(title)}</dc:title>" if title else ""
    if pages:
        meta += f'<meta:document-statistic meta:page-count="{pages}"/>'
    meta_xml = f"<office:document-meta {_NS}><office:meta>{meta}</office:meta>"
    meta_xml += "</office:document-meta>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", _MIME[kind], compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr("meta.xml", meta_xml)
    return path


def write_epub(
    path: Path,
    chapters: Mapping[str, str],
    *,
    title: str,
    author: str,
    spine: Sequence[str] | None = None,
) -> Path:
    """An EPUB of `chapters` (file name -> XHTML body), read in the order of `spine` (names
    of chapters; default: as given), with the title and author in the OPF metadata."""
    order = list(spine if spine is not None else chapters)
    items = "".join(
        f'<item id="c{n}" href="text/{name}" media-type="application/xhtml+xml"/>'
        for n, name in enumerate(chapters)
    )
    ids = {name: f"c{n}" for n, name in enumerate(chapters)}
    refs = "".join(f'<itemref idref="{ids[name]}"/>' for name in order)
    opf = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">urn:docmill:test</dc:identifier><dc:title>{escape(title)}'
        f"</dc:title><dc:creator>{escape(author)}</dc:creator><dc:language>en</dc:language>"
        f'</metadata><manifest>{items}<item id="css" href="style.css" media-type="text/css"/>'
        f"</manifest><spine>{refs}</spine></package>"
    )
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
        '<rootfiles><rootfile full-path="OEBPS/content.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", container)
        zf.writestr("OEBPS/content.opf", opf)
        zf.writestr("OEBPS/style.css", "p { margin: 0 }")
        for name, body in chapters.items():
            zf.writestr(
                f"OEBPS/text/{name}",
                '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>'
                f"{escape(name)}</title></head><body>{body}</body></html>",
            )
    return path
