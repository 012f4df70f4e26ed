"""A DOCX's headings and tables as the structure of its extracted text.

The body's top-level paragraphs styled as headings (Title as level 0, Heading 1-9, or any
paragraph or style with an outline level) start sections; its top-level tables are tables.
Each is found in the text workers.formats.docx extracted, in document order (a heading as a
line of its own, a table as the run of lines that read as its rows, spacing aside), so this
reads the XML but never decides what the text is. What cannot be found is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from workers.formats.structure import LineFinder, Section, Structure, Table

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def find(document: Any, text: str) -> Structure | None:
    """The sections and tables of python-docx `document` in its extracted `text`."""
    levels = _style_levels(document)
    lines = LineFinder(text)
    sections: list[Section] = []
    tables: list[Table] = []
    for block in blocks(document.element.body):
        if block.tag == f"{_W}p":
            level = _level(block, levels)
            title = _plain(block)
            if level is None or not title.strip():
                continue
            found = lines.find(title.split("\n"))
            if found is not None:
                sections.append(Section(found[0], level, title.strip()))
        elif block.tag == f"{_W}tbl":
            rows = [tuple(_plain(cell).strip() for cell in _cells(row)) for row in _rows(block)]
            wanted = [line for row in rows for line in " ".join(row).split("\n")]
            found = lines.find(wanted) if rows else None
            if found is not None:
                tables.append(Table(found[0], found[1], tuple(rows)))
    result = Structure(tuple(sections), tuple(tables))
    return result if result else None


def _style_levels(document: Any) -> dict[str, int]:
    """Style id -> heading level, from the style's name or outline level."""
    levels: dict[str, int] = {}
    for style in document.styles.element.iter(f"{_W}style"):
        style_id = style.get(f"{_W}styleId") or ""
        name_el = style.find(f"{_W}name")
        name = (name_el.get(f"{_W}val") if name_el is not None else "") or ""
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if match := _HEADING.match(name.strip()) or _HEADING.match(style_id):
            levels[style_id] = int(match.group(1))
        elif name.strip().lower() == "title":
            levels[style_id] = 0  # above Heading 1
        elif outline is not None and (value := _int(outline.get(f"{_W}val"))) is not None:
            levels[style_id] = value + 1  # 9 ("body text") is dropped with the levels over 9
    return {style: level for style, level in levels.items() if level <= 9}


def _level(paragraph: Any, levels: dict[str, int]) -> int | None:
    outline = paragraph.find(f"{_W}pPr/{_W}outlineLvl")
    if outline is not None and (value := _int(outline.get(f"{_W}val"))) is not None:
        return value + 1 if value < 9 else None
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    return levels.get(style.get(f"{_W}val") or "") if style is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def blocks(container: Any) -> Iterator[Any]:
    """The block children of `container` (paragraphs, tables; rows and cells of a table),
    looking through content controls and custom XML. The text reader (docx.py) walks the
    document with it too, so both see the same blocks."""
    for child in container:
        if child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from blocks(content)
        elif child.tag == f"{_W}customXml":
            yield from blocks(child)
        else:
            yield child


def _rows(table: Any) -> list[Any]:
    return [row for row in blocks(table) if row.tag == f"{_W}tr"]


def _cells(row: Any) -> list[Any]:
    return [cell for cell in blocks(row) if cell.tag == f"{_W}tc"]


_MARKS = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_PROPERTIES = (f"{_W}pPr", f"{_W}rPr")  # a w:tab in them is a tab stop, not a tab


def _plain(element: Any) -> str:
    """The text of an element's runs as the extractor writes it (tabs, breaks), paragraphs
    joined by spaces."""
    paragraphs = element.iter(f"{_W}p") if element.tag != f"{_W}p" else [element]
    texts = ("".join(_runs(p)) for p in paragraphs)
    return " ".join(text for text in texts if text)


def _runs(element: Any) -> Iterator[str]:
    for child in element:
        if child.tag == f"{_W}t":
            yield child.text or ""
        elif child.tag in _MARKS:
            yield _MARKS[child.tag]
        elif child.tag not in _PROPERTIES and child.tag != f"{_W}p":
            yield from _runs(child)
