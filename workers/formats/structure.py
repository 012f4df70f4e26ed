"""A document's shape beyond its text: where its sections start and where its tables lie.

A format module that knows its document's headings or tables gives them as
`Extracted.structure`; the chunker (workers.chunking) then starts a chunk at each section, keeps
a chunk inside one section where the section fits, and keeps a table whole (as Markdown) where
it fits. Every offset is a Python string index into `Extracted.text`.

- `Section(start, level, title)`: a heading whose line begins at `start`; level 1 is the top
  (0 for a document title above the first-level headings).
  A section runs to the next section start; its path is the titles of the sections it lies in,
  `Report > Results > Tables`.
- `Table(start, end, rows)`: `text[start:end]` is the table as the text gives it, `rows` its
  cells row by row, the first row taken as the header.

`checked()` makes a structure safe to use whatever a format module gave: sorted, inside the
text, tables that do not overlap each other nor hold a section start.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    start: int  # where the heading's line begins in the text
    level: int  # 1 for a first-level heading, deeper ones more; 0 for a title above them
    title: str


@dataclass(frozen=True)
class Table:
    start: int
    end: int  # text[start:end] is the table in the text
    rows: tuple[tuple[str, ...], ...]  # cells by row; the first row is the header


@dataclass(frozen=True)
class Structure:
    sections: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sections or self.tables)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON record and msgpack."""
        return {
            "sections": [[s.start, s.level, s.title] for s in self.sections],
            "tables": [[t.start, t.end, [list(row) for row in t.rows]] for t in self.tables],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Structure:
        if not data:
            return cls()
        sections = tuple(Section(int(a), int(b), str(c)) for a, b, c in data.get("sections", ()))
        tables = tuple(
            Table(int(a), int(b), tuple(tuple(str(cell) for cell in row) for row in rows))
            for a, b, rows in data.get("tables", ())
        )
        return cls(sections, tables)

    def mapped(self, offset: Callable[[int], int], clean: Callable[[str], str]) -> Structure:
        """This structure with every offset passed through `offset` and every title and cell
        through `clean`: for a text that lost characters after its structure was found."""
        sections = tuple(Section(offset(s.start), s.level, clean(s.title)) for s in self.sections)
        tables = tuple(
            Table(
                offset(t.start),
                offset(t.end),
                tuple(tuple(clean(cell) for cell in row) for row in t.rows),
            )
            for t in self.tables
        )
        return Structure(sections, tables)

    def checked(self, length: int) -> Structure:
        """This structure with what cannot be used dropped: sections outside the text or with
        an empty title, tables outside it, without rows, overlapping an earlier table, or with a
        section starting inside them."""
        sections = sorted(
            (s for s in self.sections if 0 <= s.start < length and s.title.strip()),
            key=lambda s: s.start,
        )
        unique = [s for k, s in enumerate(sections) if k == 0 or sections[k - 1].start != s.start]
        tables: list[Table] = []
        for table in sorted(self.tables, key=lambda t: t.start):
            inside = 0 <= table.start < table.end <= length and any(table.rows)
            overlaps = bool(tables) and table.start < tables[-1].end
            cut = any(table.start < s.start < table.end for s in unique)
            if inside and not overlaps and not cut:
                tables.append(table)
        return Structure(tuple(unique), tuple(tables))


def section_paths(sections: tuple[Section, ...], separator: str = " > ") -> list[str]:
    """The heading path of each section: its title after those of the sections it lies in."""
    stack: list[Section] = []
    paths: list[str] = []
    for section in sections:
        while stack and stack[-1].level >= section.level:
            stack.pop()
        stack.append(section)
        paths.append(separator.join(" ".join(s.title.split()) for s in stack))
    return paths


def markdown(rows: tuple[tuple[str, ...], ...] | list[tuple[str, ...]]) -> str:
    """`rows` as a Markdown (GFM) table, the first row as its header."""
    width = max((len(row) for row in rows), default=0)
    if not width:
        return ""

    def line(row: tuple[str, ...]) -> str:
        cells = [_cell(cell) for cell in row] + [""] * (width - len(row))
        return "| " + " | ".join(cells) + " |"

    header, *body = rows
    return "\n".join([line(header), "|" + " --- |" * width, *(line(row) for row in body)])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


class LineFinder:
    """The lines of the text, searched in order: each find starts after the last one found.
    Lines are compared with their runs of spaces and tabs made one space, so a cell's tab or a
    heading's trailing tab does not matter."""

    def __init__(self, text: str) -> None:
        self.spans: list[tuple[int, int]] = []
        offset = 0
        for line in text.split("\n"):
            self.spans.append((offset, offset + len(line)))
            offset += len(line) + 1
        self.keys = [" ".join(text[a:b].split()) for a, b in self.spans]
        self.where: dict[str, list[int]] = {}  # line key -> the lines that read so, in order
        for number, key in enumerate(self.keys):
            self.where.setdefault(key, []).append(number)
        self.cursor = 0  # the first line a find may use

    def find(self, wanted: list[str]) -> tuple[int, int] | None:
        """(start, end) of the first run of lines that reads `wanted`, from the cursor on."""
        keys = [" ".join(line.split()) for line in wanted]
        if not keys[0]:
            return None
        candidates = self.where.get(keys[0], [])
        for k in candidates[bisect.bisect_left(candidates, self.cursor) :]:
            if self.keys[k : k + len(keys)] == keys:
                self.cursor = k + len(keys)
                return self.spans[k][0], self.spans[k + len(keys) - 1][1]
        return None


def sections_in(text: str, headings: list[tuple[int, str]]) -> tuple[Section, ...]:
    """Sections for the (level, title) headings a format module read, in reading order, found
    as lines of its extracted `text`; a heading not found there (its text was cut, or ran into
    another line) is left out."""
    lines = LineFinder(text)
    found: list[Section] = []
    for level, title in headings:
        wanted = [line for line in title.split("\n") if line.strip()]
        if wanted and (span := lines.find(wanted)) is not None:
            found.append(Section(span[0], level, " ".join(title.split())))
    return tuple(found)
