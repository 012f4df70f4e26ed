"""PPTX and XLSX read straight from the OOXML zip: slides in presentation order (one page per
slide; shapes, groups, tables row by row, charts, SmartArt and pictures' alt text in the slide's
order, then the speaker's notes), sheets in workbook order with shared strings and dates shown
as dates and what is drawn over them, core properties."""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workers.formats.base import Extracted, clean, dublin_core, local, member, open_zip, parse_xml
from workers.formats.charts import graphic_part

if TYPE_CHECKING:
    import zipfile
    from xml.etree.ElementTree import Element

_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_R_DM = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}dm"
_CELL_REF = re.compile(r"([A-Z]+)")
_MAX_COLUMNS = 16384  # Excel's own limit; a larger reference is damage, not data


def extract_pptx(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text of each slide as a page, in the order the presentation shows them."""
    with open_zip(path, "PPTX") as zf:
        root = _xml(zf, "ppt/presentation.xml", limit)
        rels = _rels(zf, "ppt/presentation.xml", limit)
        pages: list[dict[str, Any]] = []
        for slide_id in root.iter() if root is not None else ():
            if local(slide_id.tag) != "sldId":
                continue
            target = rels.get(slide_id.get(_R_ID, ""))
            slide = _xml(zf, target, limit) if target else None
            if slide is None or target is None:
                warnings.append(f"slide {len(pages) + 1}: part {target} is missing")
                continue
            lines: list[str] = []
            _drawing_blocks(slide, lines, _graphics(zf, target, limit, warnings))
            page: dict[str, Any] = {"number": len(pages) + 1, "text": "\n".join(lines)}
            if notes := _notes(zf, target, limit):
                page["notes"] = notes
                page["text"] = f"{page['text']}\n\n{notes}" if page["text"] else notes
            pages.append(page)
        meta = _properties(zf, limit)
    meta["page_count"] = len(pages)
    return Extracted("\n\n".join(page["text"] for page in pages), pages, meta)


def extract_xlsx(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return each sheet as its name followed by one tab-separated line per non-empty row, then
    what is drawn over it: charts, text boxes, pictures' alt text."""
    with open_zip(path, "XLSX") as zf:
        root = _xml(zf, "xl/workbook.xml", limit)
        book = _Book(_shared_strings(zf, limit), _date_styles(zf, limit), _epoch(root))
        rels = _rels(zf, "xl/workbook.xml", limit)
        sheets: list[str] = []
        for sheet in root.iter() if root is not None else ():
            if local(sheet.tag) != "sheet":
                continue
            name = sheet.get("name") or f"Sheet{len(sheets) + 1}"
            target = rels.get(sheet.get(_R_ID, ""))
            data = _xml(zf, target, limit) if target else None
            if data is None:
                warnings.append(f"sheet {name!r}: part {target} is missing")
                continue
            rows = [row for row in _sheet_rows(data, book) if row]
            rows += _drawings(zf, target, limit, warnings) if target else []
            sheets.append("\n".join([name, *rows]) if rows else name)
        meta = _properties(zf, limit)
    return Extracted("\n\n".join(sheets), meta=meta)


def properties(path: str, limit: int) -> dict[str, Any]:
    """The core and app properties of an OOXML file, without reading its content."""
    with open_zip(path, "OOXML") as zf:
        return _properties(zf, limit)


def _xml(zf: zipfile.ZipFile, name: str, limit: int) -> Element | None:
    data = member(zf, name, limit)
    return None if data is None else parse_xml(data, name)


def _rels(zf: zipfile.ZipFile, part: str, limit: int) -> dict[str, str]:
    """Map relationship ids of `part` to the zip member names they point at."""
    return {rel_id: target for rel_id, _, target in _relationships(zf, part, limit)}


def _relationships(zf: zipfile.ZipFile, part: str, limit: int) -> list[tuple[str, str, str]]:
    """The internal relationships of `part`: (id, type's last word, zip member name)."""
    folder, name = posixpath.split(part)
    root = _xml(zf, posixpath.join(folder, "_rels", f"{name}.rels"), limit)
    out = []
    for rel in root if root is not None else ():
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        out.append((rel.get("Id", ""), kind, posixpath.normpath(joined)))
    return out


def _notes(zf: zipfile.ZipFile, slide: str, limit: int) -> str:
    """The speaker's notes of a slide: the text of its notes page's body placeholder only (the
    page also holds the slide's picture and its number)."""
    rels = _relationships(zf, slide, limit)
    target = next((member for _, kind, member in rels if kind == "notesSlide"), "")
    notes = _xml(zf, target, limit) if target else None
    lines: list[str] = []
    for shape in notes.iter() if notes is not None else ():
        if local(shape.tag) != "sp":
            continue
        placeholder = next((e for e in shape.iter() if local(e.tag) == "ph"), None)
        if placeholder is not None and placeholder.get("type") == "body":
            _drawing_blocks(shape, lines)
    return "\n".join(line for line in lines if line.strip())


def _drawings(zf: zipfile.ZipFile, sheet: str, limit: int, warnings: list[str]) -> list[str]:
    """The lines of the drawings over a sheet (its charts, shapes and pictures), in order."""
    lines: list[str] = []
    for _, kind, name in _relationships(zf, sheet, limit):
        drawing = _xml(zf, name, limit) if kind == "drawing" else None
        if drawing is not None:
            _drawing_blocks(drawing, lines, _graphics(zf, name, limit, warnings))
    return [line for line in lines if line.strip()]


def _graphics(
    zf: zipfile.ZipFile, part: str, limit: int, warnings: list[str]
) -> Callable[[str], list[str]]:
    """A reader of the charts and diagrams `part` refers to, by relationship id."""
    rels = _rels(zf, part, limit)

    def graphic(rel_id: str) -> list[str]:
        name = rels.get(rel_id)
        return graphic_part(zf, name, limit, warnings) if name else []

    return graphic


def _properties(zf: zipfile.ZipFile, limit: int) -> dict[str, Any]:
    """Title, author, dates from docProps/core.xml; the producing application from app.xml."""
    core = _xml(zf, "docProps/core.xml", limit)
    meta = dublin_core(core) if core is not None else {}
    meta.pop("producer", None)
    app = _xml(zf, "docProps/app.xml", limit)
    if app is not None:
        for element in app:
            if local(element.tag) == "Application":
                meta["producer"] = clean(element.text)
    return meta


def _drawing_blocks(
    element: Element, out: list[str], graphic: Callable[[str], list[str]] | None = None
) -> None:
    """Append one line per DrawingML paragraph and per table row, a picture's alt text and a
    chart's or diagram's lines (read by `graphic` from its relationship id), in document order;
    groups are walked like the slide."""
    for child in element:
        tag = local(child.tag)
        if tag == "p":
            out.append(_paragraph(child))
        elif tag == "tr":
            cells = []
            for cell in child:
                lines: list[str] = []
                _drawing_blocks(cell, lines, graphic)
                cells.append(" ".join(line for line in lines if line))
            out.append("\t".join(cells))
        elif tag == "pic":
            names = next((e for e in child.iter() if local(e.tag) == "cNvPr"), None)
            alt = alt_text(names)
            if alt:
                out.append(f"[image: {' '.join(alt.split())}]")
        elif tag == "chart" and graphic is not None:  # c:chart in a graphic frame
            out.extend(graphic(child.get(_R_ID, "")))
        elif tag == "relIds" and graphic is not None:  # a SmartArt diagram: its data model
            out.extend(graphic(child.get(_R_DM, "")))
        elif tag == "AlternateContent":
            # Choice and Fallback hold the same content twice: read one.
            if len(child):
                _drawing_blocks(child[0], out, graphic)
        else:
            _drawing_blocks(child, out, graphic)


def _paragraph(paragraph: Element) -> str:
    parts: list[str] = []
    for element in paragraph.iter():
        tag = local(element.tag)
        if tag == "t":
            parts.append(element.text or "")
        elif tag == "br":
            parts.append("\n")
        elif tag == "tab":
            parts.append("\t")
    return "".join(parts)


def _shared_strings(zf: zipfile.ZipFile, limit: int) -> list[str]:
    root = _xml(zf, "xl/sharedStrings.xml", limit)
    strings: list[str] = []
    for item in root if root is not None else ():
        parts: list[str] = []
        # Plain text (t) or rich text runs (r/t); phonetic guides (rPh) repeat it in kana.
        for child in item:
            if local(child.tag) == "t":
                parts.append(child.text or "")
            elif local(child.tag) == "r":
                parts.extend(e.text or "" for e in child if local(e.tag) == "t")
        strings.append("".join(parts))
    return strings


@dataclass
class _Book:
    shared: list[str]  # the shared strings, by index
    dates: set[int]  # the cell styles (indexes into cellXfs) that show a number as a date
    epoch: datetime.datetime  # day 0 of the workbook's date system


# Number formats built into Excel that show dates or times (ECMA-376 §18.8.30, and the CJK ones).
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
# In a custom format, what is not a date token: quoted text, escaped characters, padding (_x)
# and fill (*x), [Red] and [<100] sections (elapsed time, [h] [mm] [ss], stays).
_NOT_TOKENS = re.compile(r'"[^"]*"|[\\_*].|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)


def _date_styles(zf: zipfile.ZipFile, limit: int) -> set[int]:
    """The indexes of the cell styles whose number format shows a date or a time."""
    styles = _xml(zf, "xl/styles.xml", limit)
    if styles is None:
        return set()
    custom = set()
    for element in styles.iter():
        if local(element.tag) == "numFmt":
            tokens = _NOT_TOKENS.sub("", element.get("formatCode", ""))
            if re.search(r"[ymdhs]", tokens, re.IGNORECASE):
                custom.add(element.get("numFmtId", ""))
    dates: set[int] = set()
    xfs = next((e for e in styles if local(e.tag) == "cellXfs"), None)
    for index, xf in enumerate(xfs if xfs is not None else ()):
        fmt = xf.get("numFmtId", "0")
        if fmt in custom or (fmt.isdecimal() and int(fmt) in _BUILTIN_DATES):
            dates.add(index)
    return dates


def _epoch(workbook: Element | None) -> datetime.datetime:
    """Day 0 of the workbook's dates: 1899-12-30 (the 1900 system, whose day 60 is the
    1900-02-29 that never was) or 1904-01-01 (old Mac workbooks)."""
    for element in workbook.iter() if workbook is not None else ():
        if local(element.tag) == "workbookPr" and element.get("date1904") in ("1", "true"):
            return datetime.datetime(1904, 1, 1)
    return datetime.datetime(1899, 12, 30)


def _as_date(raw: str, epoch: datetime.datetime) -> str:
    """A date serial as ISO 8601: the date, the time of day, or both; `raw` if not a date."""
    try:
        serial = float(raw)
        moment = epoch + datetime.timedelta(days=serial)
    except (ValueError, OverflowError):
        return raw
    if serial < 0:
        return raw
    if serial < 1:
        return moment.strftime("%H:%M:%S")
    if serial == int(serial):
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat(sep=" ")


def _sheet_rows(sheet: Element, book: _Book) -> list[str]:
    rows: list[str] = []
    for row in sheet.iter():
        if local(row.tag) != "row":
            continue
        values: list[str] = []
        for cell in row:
            if local(cell.tag) != "c":
                continue
            value = _cell_value(cell, book)
            column = _column(cell.get("r", ""), len(values))
            if value and column < _MAX_COLUMNS:
                values.extend([""] * (column - len(values)))
                values.append(value)
        rows.append("\t".join(values).rstrip())
    return rows


def _cell_value(cell: Element, book: _Book) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(e.text or "" for e in cell.iter() if local(e.tag) == "t")
    raw = next((e.text or "" for e in cell if local(e.tag) == "v"), "")
    if kind == "s":
        try:
            return book.shared[int(raw)]
        except (ValueError, IndexError):
            return ""
    if kind == "b":
        return "TRUE" if raw == "1" else "FALSE"
    style = cell.get("s", "0")
    if kind == "n" and raw and style.isdecimal() and int(style) in book.dates:
        return _as_date(raw, book.epoch)
    return raw


def _column(ref: str, default: int) -> int:
    """Zero-based column of a cell reference such as "AB12"; `default` when absent."""
    match = _CELL_REF.match(ref)
    if not match:
        return default
    number = 0
    for letter in match.group(1):
        number = number * 26 + ord(letter) - 64
    return number - 1


def alt_text(names: Any) -> str | None:
    """A picture's alt text (cNvPr/docPr descr), unless it only repeats the shape's name
    ("Picture 1"), which Office writes there when no one described the picture."""
    if names is None:
        return None
    alt = clean(names.get("descr"))
    return alt if alt and alt != clean(names.get("name")) else None
