"""XLSX read straight from the OOXML zip: sheets in workbook order, each its name then one
tab-separated line per non-empty row (shared strings; dates shown as dates, in either date
system), then what is drawn over it and its notes; core properties."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workers.formats.base import Extracted, local, open_zip, spreadsheet_number
from workers.formats.comments import sheet_comments
from workers.formats.ooxml import R_ID, drawings, package_properties, part_rels, part_xml, related

if TYPE_CHECKING:
    import zipfile
    from xml.etree.ElementTree import Element

_CELL_REF = re.compile(r"([A-Z]+)")
_MAX_COLUMNS = 16384  # Excel's own limit; a larger reference is damage, not data


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return each sheet as its name followed by one tab-separated line per non-empty row, then
    what is drawn over it (charts, text boxes, pictures' alt text), then its notes."""
    with open_zip(path, "XLSX") as zf:
        root = part_xml(zf, "xl/workbook.xml", limit)
        book = _Book(_shared_strings(zf, limit), _date_styles(zf, limit), _epoch(root))
        rels = part_rels(zf, "xl/workbook.xml", limit)
        sheets: list[str] = []
        for sheet in root.iter() if root is not None else ():
            if local(sheet.tag) != "sheet":
                continue
            name = sheet.get("name") or f"Sheet{len(sheets) + 1}"
            target = rels.get(sheet.get(R_ID, ""))
            data = part_xml(zf, target, limit) if target else None
            if data is None:
                warnings.append(f"sheet {name!r}: part {target} is missing")
                continue
            rows = [row for row in _sheet_rows(data, book) if row]
            rows += drawings(zf, target, limit, warnings) if target else []
            for comments in related(zf, target, "comments", limit) if target else ():
                rows += sheet_comments(comments)
            sheets.append("\n".join([name, *rows]) if rows else name)
        meta = package_properties(zf, limit)
    return Extracted("\n\n".join(sheets), meta=meta)


def _shared_strings(zf: zipfile.ZipFile, limit: int) -> list[str]:
    root = part_xml(zf, "xl/sharedStrings.xml", limit)
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
    styles = part_xml(zf, "xl/styles.xml", limit)
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
    if kind == "n" and raw:
        # As the sheet shows it: a writer may store 13 as "13.0" (Google Sheets does) and
        # 0.1 + 0.2 as "0.30000000000000004".
        try:
            return spreadsheet_number(float(raw))
        except (ValueError, OverflowError):
            return raw
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
