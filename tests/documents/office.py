"""Office documents written at test time: DOCX through python-docx (headings, tables, a nested
table, headers and footers, a text box, properties), PPTX and XLSX as the zip of XML parts
docmill reads (not every part PowerPoint or Excel would want), and legacy OLE2 compound files."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

# What write_report_docx puts where: tests look for exactly these.
TITLE, AUTHOR, SUBJECT = "Quarterly Report", "Ada Lovelace", "Finance"
CREATED, MODIFIED = datetime(2014, 12, 13, 22, 2), datetime(2014, 12, 13, 22, 6)
PRODUCER = "docmill test writer"
HEADING = "Simple uniform table"
TABLE = [["Header Col 1", "Header Col 2"], ["Lorem ipsum", "A link example"]]
NESTED_ROW = "d\te\tf g&t\th\ti"  # a row whose third cell holds a table of "f" and "g&t"
AFTER = "Nested Table ends the body."
HEADER, FIRST_HEADER, EVEN_HEADER = "Default page header", "First Page Header", "Even page header."
FOOTER = "Footer for section 1"
HIDDEN = "I should not be included"  # in a vertically merged continuation cell
TEXT_BOX = "<floating-shape>"
ANCHOR = "Paragraph with floating shape attached."


def write_docx(path: Path, paragraphs: Sequence[str]) -> Path:
    """A DOCX of plain paragraphs, python-docx's own template otherwise."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def write_report_docx(path: Path, *, properties: bool = True) -> Path:
    """A DOCX with each structure the extractor handles (see the constants above).

    Without `properties`, the core properties part is removed, as some writers leave it out.
    """
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    section = document.sections[0]
    section.different_first_page_header_footer = True
    document.settings.odd_and_even_pages_header_footer = True
    section.header.paragraphs[0].text = HEADER
    section.first_page_header.paragraphs[0].text = FIRST_HEADER
    section.even_page_header.paragraphs[0].text = EVEN_HEADER
    section.footer.paragraphs[0].text = FOOTER
    document.add_heading(HEADING, level=1)
    table = document.add_table(rows=0, cols=2)
    for values in TABLE:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    outer = document.add_table(rows=1, cols=5)
    for cell, value in zip(outer.rows[0].cells, "de hi", strict=True):
        cell.text = value.strip()
    inner = outer.rows[0].cells[2].add_table(rows=2, cols=1)
    inner.cell(0, 0).text, inner.cell(1, 0).text = "f", "g&t"
    merged = document.add_table(rows=2, cols=1)
    merged.cell(0, 0).text = "Merged cell"
    merged.cell(0, 0).merge(merged.cell(1, 0))
    # Word keeps what was typed in a continuation cell but never shows it.
    merged._tbl.tr_lst[1].tc_lst[0].append(
        parse_xml(f"<w:p {_W_NS}><w:r><w:t>{HIDDEN}</w:t></w:r></w:p>")
    )
    anchor = document.add_paragraph(ANCHOR)
    anchor._p.append(parse_xml(_TEXT_BOX))
    document.add_paragraph(AFTER)
    props = document.core_properties
    props.title, props.author, props.subject = TITLE, AUTHOR, SUBJECT
    props.created, props.modified = CREATED, MODIFIED
    document.save(str(path))
    app = _APP.replace(b"Microsoft Macintosh Word", PRODUCER.encode())
    _rewrite(path, {"docProps/app.xml": app} | ({} if properties else _NO_CORE))
    return path


_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# A text box as Word writes it: DrawingML, and the same text again in a VML fallback.
_TEXT_BOX = f"""<w:r {_W_NS}
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent>
<mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>
<w:p><w:r><w:t>{escape(TEXT_BOX)}</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp>
</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
<w:p><w:r><w:t>{escape(TEXT_BOX)}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape>
</w:pict></mc:Fallback></mc:AlternateContent></w:r>"""
_APP = b"<Application>Microsoft Macintosh Word</Application>"
_NO_CORE: dict[str, bytes | None] = {"docProps/core.xml": None}


def _rewrite(path: Path, parts: Mapping[str, bytes | None]) -> None:
    """Rewrite the zip at `path`: parts mapped to bytes replaced (app.xml: the Application
    element only), parts mapped to None removed with their relationship."""
    with zipfile.ZipFile(path) as zin:
        items = [(item, zin.read(item)) for item in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item, data in items:
            if item.filename in parts and parts[item.filename] is None:
                continue
            if item.filename == "docProps/app.xml" and "docProps/app.xml" in parts:
                start, end = data.index(b"<Application>"), data.index(b"</Application>") + 14
                data = data[:start] + (parts["docProps/app.xml"] or b"") + data[end:]
            for gone in (name for name, value in parts.items() if value is None):
                if item.filename in ("_rels/.rels", "[Content_Types].xml"):
                    data = _drop_reference(data, gone)
            zout.writestr(item, data)


def _drop_reference(xml: bytes, part: str) -> bytes:
    """`xml` without the Relationship or Override element that names `part`."""
    target = part.encode()
    for tag in (b"<Relationship ", b"<Override "):
        start = xml.find(tag)
        while start != -1:
            end = xml.index(b"/>", start) + 2
            if target in xml[start:end]:
                return _drop_reference(xml[:start] + xml[end:], part)
            start = xml.find(tag, end)
    return xml


# -- PPTX and XLSX ---------------------------------------------------------------------------

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Slide:
    """One slide: its text box's paragraphs, a table (rows of cells), the speaker's notes."""

    lines: Sequence[str] = ()
    table: Sequence[Sequence[str]] = ()
    notes: str = ""


def write_pptx(path: Path, slides: Sequence[Slide], *, title: str = TITLE) -> Path:
    """A presentation of `slides`, in that order, each with its notes page if it has notes."""
    parts = {"docProps/core.xml": _core(title), "docProps/app.xml": _app()}
    ids, rels = [], []
    for number, slide in enumerate(slides, 1):
        ids.append(f'<p:sldId id="{255 + number}" r:id="rId{number}"/>')
        rels.append((f"rId{number}", "slide", f"slides/slide{number}.xml"))
        parts[f"ppt/slides/slide{number}.xml"] = _slide(slide)
        if slide.notes:
            notes = f"../notesSlides/notesSlide{number}.xml"
            parts[f"ppt/slides/_rels/slide{number}.xml.rels"] = _rels(
                [("rId1", "notesSlide", notes)]
            )
            parts[f"ppt/notesSlides/notesSlide{number}.xml"] = _notes(slide.notes, number)
    parts["ppt/presentation.xml"] = (
        f'<p:presentation xmlns:p="{_P}" xmlns:r="{_OD}"><p:sldIdLst>{"".join(ids)}'
        "</p:sldIdLst></p:presentation>"
    )
    parts["ppt/_rels/presentation.xml.rels"] = _rels(rels)
    return _package(path, "ppt/presentation.xml", "presentationml.presentation.main", parts)


def _slide(slide: Slide) -> str:
    body = "".join(f"<a:p>{_run(line)}</a:p>" for line in slide.lines)
    shapes = f"<p:sp><p:txBody><a:bodyPr/>{body}</p:txBody></p:sp>" if body else ""
    if slide.table:
        rows = "".join(
            "<a:tr>"
            + "".join(f"<a:tc><a:txBody><a:p>{_run(c)}</a:p></a:txBody></a:tc>" for c in row)
            + "</a:tr>"
            for row in slide.table
        )
        shapes += f"<p:graphicFrame><a:graphic><a:graphicData><a:tbl>{rows}</a:tbl>"
        shapes += "</a:graphicData></a:graphic></p:graphicFrame>"
    tree = f"<p:cSld><p:spTree>{shapes}</p:spTree></p:cSld>"
    return f'<p:sld xmlns:a="{_A}" xmlns:p="{_P}">{tree}</p:sld>'


def _notes(text: str, number: int) -> str:
    """A notes page: the slide's picture, the notes in the body placeholder, the slide number."""

    def shape(kind: str, body: str) -> str:
        inner = f"<p:txBody><a:bodyPr/><a:p>{body}</a:p></p:txBody>" if body else ""
        return f'<p:sp><p:nvSpPr><p:nvPr><p:ph type="{kind}"/></p:nvPr></p:nvSpPr>{inner}</p:sp>'

    shapes = shape("sldImg", "") + shape("body", _run(text)) + shape("sldNum", _run(str(number)))
    tree = f"<p:cSld><p:spTree>{shapes}</p:spTree></p:cSld>"
    return f'<p:notes xmlns:a="{_A}" xmlns:p="{_P}">{tree}</p:notes>'


def _run(text: str) -> str:
    return f"<a:r><a:t>{escape(text)}</a:t></a:r>"


Cell = str | int | float | tuple[str, int]  # text, a number, or (a number as written, style)
# The cell styles write_xlsx defines: 1 a built-in date, 2 a custom date-time, 3 thousands.
DATE, DATE_TIME, THOUSANDS = 1, 2, 3


def write_xlsx(
    path: Path, sheets: Mapping[str, Sequence[Sequence[Cell | None]]], *, date1904: bool = False
) -> Path:
    """A workbook with `sheets` in that order: strings go to the shared strings, numbers are
    numbers, and (raw, style) cells are numbers shown in one of the styles above."""
    shared: list[str] = []
    parts = {"docProps/core.xml": _core(TITLE), "docProps/app.xml": _app()}
    entries, rels = [], []
    for number, (name, rows) in enumerate(sheets.items(), 1):
        entries.append(f'<sheet name="{escape(name)}" sheetId="{number}" r:id="rId{number}"/>')
        rels.append((f"rId{number}", "worksheet", f"worksheets/sheet{number}.xml"))
        parts[f"xl/worksheets/sheet{number}.xml"] = _sheet(rows, shared)
    rels.append((f"rId{len(rels) + 1}", "sharedStrings", "sharedStrings.xml"))
    rels.append((f"rId{len(rels) + 1}", "styles", "styles.xml"))
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{_S}" xmlns:r="{_OD}">{pr}<sheets>{"".join(entries)}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = _rels(rels)
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared)
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{_S}" count="{len(shared)}">{items}</sst>'
    parts["xl/styles.xml"] = (
        f'<styleSheet xmlns="{_S}"><numFmts count="1">'
        '<numFmt numFmtId="200" formatCode="yyyy-mm-dd hh:mm"/></numFmts><cellXfs count="4">'
        '<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="200"/><xf numFmtId="3"/>'
        "</cellXfs></styleSheet>"
    )
    return _package(path, "xl/workbook.xml", "spreadsheetml.sheet.main", parts)


def _sheet(rows: Sequence[Sequence[Cell | None]], shared: list[str]) -> str:
    out = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if value is None:
                continue
            if isinstance(value, str):
                if value not in shared:
                    shared.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{shared.index(value)}</v></c>')
            elif isinstance(value, tuple):
                cells.append(f'<c r="{ref}" s="{value[1]}"><v>{value[0]}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return f'<worksheet xmlns="{_S}"><sheetData>{"".join(out)}</sheetData></worksheet>'


def _core(title: str) -> str:
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{AUTHOR}</dc:creator>"
        f"<dcterms:created>{CREATED.isoformat()}Z</dcterms:created></cp:coreProperties>"
    )


def _app() -> str:
    return (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'extended-properties"><Application>{PRODUCER}</Application></Properties>'
    )


def _rels(rels: Sequence[tuple[str, str, str]]) -> str:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{_OD}/{kind}" Target="{target}"/>'
        for rid, kind, target in rels
    )
    return f'<Relationships xmlns="{_REL}">{items}</Relationships>'


def _package(path: Path, main: str, main_type: str, parts: dict[str, str]) -> Path:
    """Zip `parts` with the content types and the package relationships that lead to them."""
    overrides = f'<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-'
    overrides += f'officedocument.{main_type}+xml"/>'
    types = (
        f'<Types xmlns="{_CT}"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        f'ContentType="application/xml"/>{overrides}</Types>'
    )
    package = (
        f'<Relationships xmlns="{_REL}">'
        f'<Relationship Id="rId1" Type="{_OD}/officeDocument" Target="{main}"/>'
        f'<Relationship Id="rId2" Type="{_REL}/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_OD}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", package)
        for name, xml in parts.items():
            zf.writestr(name, xml)
    return path


# -- legacy OLE2 compound files --------------------------------------------------------------

# The streams that name each legacy format, as Office writes them.
OLE2_STREAMS = {
    "doc": ["WordDocument", "1Table"],
    "xls": ["Workbook"],
    "ppt": ["PowerPoint Document", "Current User"],
    "msg": ["__substg1.0_0037001F", "__properties_version1.0"],
    "encrypted": ["EncryptionInfo", "EncryptedPackage"],  # a password-protected DOCX/XLSX
}
_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def write_ole2(path: Path, streams: Sequence[str]) -> Path:
    """A compound file (MS-CFB version 3) holding empty streams of these names: one FAT
    sector, one directory sector, what a reader needs to list the streams."""
    assert len(streams) <= 3, "one directory sector holds the root and three streams"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 0x1000,
                          _END, 0, _END, 0)  # fmt: skip
    header += struct.pack("<109I", 0, *[_FREE] * 108)
    fat = struct.pack("<128I", _FAT, _END, *[_FREE] * 126)
    entries = [_entry("Root Entry", 5, child=1 if streams else _FREE)]
    for number, name in enumerate(streams, 1):
        sibling = number + 1 if number < len(streams) else _FREE
        entries.append(_entry(name, 2, right=sibling))
    directory = b"".join(entries).ljust(512, b"\x00")
    path.write_bytes(header + fat + directory)
    return path


def _entry(name: str, kind: int, *, child: int = _FREE, right: int = _FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _FREE, right, child, bytes(16),
        0, 0, 0, _END, 0,
    )  # fmt: skip
