"""PPTX and XLSX written at test time as the zip of XML parts docmill reads: the package and
its relationships, the presentation and its slides (text, tables, notes pages), the workbook
and its sheets (shared strings, date styles), core and app properties. Not every part
PowerPoint or Excel would want: slide layouts, masters and themes are left out."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from tests.documents.word import AUTHOR, CREATED, PRODUCER, TITLE

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
