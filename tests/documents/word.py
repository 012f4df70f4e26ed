"""DOCX written at test time through python-docx: paragraphs, or a report with each structure
the extractor reads (a heading, tables, a nested table, a merged cell, a text box, headers and
footers, core and extended properties)."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
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
    _rewrite(path, producer=PRODUCER, drop=[] if properties else ["docProps/core.xml"])
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


def _rewrite(path: Path, *, producer: str, drop: Sequence[str]) -> None:
    """Rewrite the DOCX at `path` with `producer` as app.xml's Application, and without the
    parts in `drop` (and the references to them)."""
    with zipfile.ZipFile(path) as zin:
        items = [(item, zin.read(item)) for item in zin.infolist() if item.filename not in drop]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item, data in items:
            if item.filename == "docProps/app.xml":
                tag = b"<Application>"
                start, end = data.index(tag) + len(tag), data.index(b"</Application>")
                data = data[:start] + producer.encode() + data[end:]
            if item.filename in ("_rels/.rels", "[Content_Types].xml"):
                for part in drop:
                    data = _drop_reference(data, part)
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
