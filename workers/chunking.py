"""Split a document's text into chunks for retrieval (RAG), following its sections and tables.

    chunk(text, size=1000, overlap=200, pages=None, structure=None, unit="chars", length=None)

- A chunk never crosses a section start (workers.formats.structure): a section that fits in
  `size` is one chunk; a longer one is split (workers.splitting: paragraph, line, sentence,
  word boundaries, `overlap` carried over inside the section only). A section that holds only
  its heading joins the first of its subsections, so no chunk is a lone heading.
- Tables are rendered as Markdown in place. In a section that does not fit whole, a table is a
  chunk of its own, joined with the whole text run or table next to it where both fit (a
  caption, a sub-heading); a table longer than `size` is split by rows, its header row
  repeated in each part.
- Sizes count characters (`unit="chars"`), words (`"words"`), or what `length(text)` returns
  (a tokenizer's count, say: `length=lambda s: len(enc.encode(s))`), which must grow with the
  text. Only a single word, or a single table row, may exceed `size`.

Each chunk is a dict: index, text, start_char, end_char (text[start_char:end_char] is the
chunk's span of the document's text; its `text` is that span, tables rendered as Markdown),
`section` (the heading path) where it lies in a section, `page_start`/`page_end` where the
document has pages, and `table: True` when it holds a table or a part of one (as Markdown).
Keys that would be empty are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.formats.structure import Structure, Table, markdown, section_paths
from workers.splitting import UNITS, Measure, split, words_in

__all__ = ["UNITS", "chunk"]


def chunk(
    text: str,
    size: int = 1000,
    overlap: int = 200,
    pages: list[dict[str, Any]] | None = None,
    *,
    structure: Structure | None = None,
    unit: str = "chars",
    length: Callable[[str], int] | None = None,
) -> list[dict[str, Any]]:
    """The chunks of `text` (see the module's docstring)."""
    if isinstance(size, bool) or isinstance(overlap, bool) or size < 1 or overlap < 0:
        raise ValueError("chunk size must be positive and overlap not negative")
    measure = Measure(text, unit, length)
    shape = (structure or Structure()).checked(len(text))
    spans = _page_spans(text, pages) if pages else []
    pieces: list[dict[str, Any]] = []
    for start, end, path in _regions(text, shape):
        tables = [t for t in shape.tables if start <= t.start < end]
        pieces.extend(_region(text, start, end, tables, size, overlap, measure, path))
    for index, item in enumerate(pieces):
        item["index"] = index
        numbers = [n for lo, hi, n in spans if lo < item["end_char"] and item["start_char"] < hi]
        if numbers:
            item["page_start"], item["page_end"] = numbers[0], numbers[-1]
    return pieces


def _regions(text: str, shape: Structure) -> list[tuple[int, int, str | None]]:
    """(start, end, heading path) of the text before the first section and of each section;
    a section holding nothing but its heading line is joined to a deeper section after it."""
    sections = shape.sections
    paths = section_paths(sections)
    bounds = [s.start for s in sections] + [len(text)]
    regions: list[tuple[int, int, str | None]] = []
    if not sections or sections[0].start > 0:
        regions.append((0, bounds[0], None))
    carried: int | None = None  # the start of a heading-only section waiting for its child
    for k, section in enumerate(sections):
        start = section.start if carried is None else carried
        end = bounds[k + 1]
        line_end = text.find("\n", section.start, end)
        bare = line_end < 0 or not text[line_end:end].strip()
        deeper = k + 1 < len(sections) and sections[k + 1].level > section.level
        if bare and deeper:
            carried = start
            continue
        carried = None
        regions.append((start, end, paths[k]))
    return regions


def _region(
    text: str,
    start: int,
    end: int,
    tables: list[Table],
    size: int,
    overlap: int,
    measure: Measure,
    path: str | None,
) -> list[dict[str, Any]]:
    """The chunks of one region: whole when it fits, else its text runs split and its tables
    chunked apart."""
    words = words_in(text, start, end)
    if not words:
        return []
    first, last = words[0][0], words[-1][1]
    whole = _rendered(text, first, last, tables)
    if measure.of(whole) <= size:
        return [_piece(whole, first, last, path, table=bool(tables))]
    groups: list[list[dict[str, Any]]] = []  # the pieces of each text run and of each table
    cursor = first
    for table in [*tables, None]:
        run_end = table.start if table is not None else last
        run = words_in(text, cursor, run_end)
        pieces = split(text, run, size, overlap, measure) if run else []
        groups.append([_piece(text[lo:hi], lo, hi, path) for lo, hi in pieces])
        if table is not None:
            groups.append(_table(text, table, size, measure, path))
            cursor = table.end
    return _join_short(text, [g for g in groups if g], tables, size, measure, path)


def _join_short(
    text: str,
    groups: list[list[dict[str, Any]]],
    tables: list[Table],
    size: int,
    measure: Measure,
    path: str | None,
) -> list[dict[str, Any]]:
    """The pieces, a whole table joined with the whole text run (a caption, a sub-heading, a
    closing note) or table next to it, where the two fit in one chunk together."""
    out: list[list[dict[str, Any]]] = []
    for group in groups:
        if out and len(out[-1]) == 1 and len(group) == 1:
            start, end = out[-1][0]["start_char"], group[0]["end_char"]
            joined = _rendered(text, start, end, tables)
            if measure.of(joined) <= size:
                out[-1] = [_piece(joined, start, end, path, table=True)]
                continue
        out.append(group)
    return [item for group in out for item in group]


def _rendered(text: str, start: int, end: int, tables: list[Table]) -> str:
    """text[start:end] with each table in it rendered as Markdown."""
    parts: list[str] = []
    cursor = start
    for table in tables:
        if start <= table.start and table.end <= end:
            parts += [text[cursor : table.start], markdown(table.rows)]
            cursor = table.end
    parts.append(text[cursor:end])
    return "".join(parts).strip()


def _table(
    text: str, table: Table, size: int, measure: Measure, path: str | None
) -> list[dict[str, Any]]:
    """A table as one chunk if it fits, else parts of whole rows, each under the header row."""
    whole = markdown(table.rows)
    if measure.of(whole) <= size or len(table.rows) <= 2:
        return [_piece(whole, table.start, table.end, path, table=True)]
    header, body = table.rows[0], table.rows[1:]
    starts = _row_starts(text, table)
    groups: list[tuple[int, int]] = []  # [first, last) rows of the body in each part
    first = 0
    while first < len(body):
        last = first + 1  # one row at least, even if it alone exceeds the size
        while last < len(body) and measure.of(markdown([header, *body[first : last + 1]])) <= size:
            last += 1
        groups.append((first, last))
        first = last
    out = []
    for number, (a, b) in enumerate(groups):
        lo = table.start if number == 0 else starts[a + 1]
        hi = starts[b + 1] if b + 1 < len(starts) else table.end
        out.append(_piece(markdown([header, *body[a:b]]), lo, _trim_end(text, lo, hi), path, True))
    return out


def _row_starts(text: str, table: Table) -> list[int]:
    """Where each row of `table` begins in the text, found by its first cell that has text;
    a row not found starts where the one before it did."""
    starts: list[int] = []
    cursor = table.start
    for row in table.rows:
        cell = next((c.strip() for c in row if c.strip()), "")
        at = text.find(cell, cursor, table.end) if cell else -1
        if at >= 0:
            line = text.rfind("\n", cursor, at)
            at = max(line + 1, cursor)
        starts.append(cursor if at < 0 else at)
        cursor = starts[-1] + (1 if at >= 0 else 0)
    return starts


def _trim_end(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing whitespace, not before `start` + 1."""
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _piece(
    content: str, start: int, end: int, path: str | None, table: bool = False
) -> dict[str, Any]:
    item: dict[str, Any] = {"text": content, "start_char": start, "end_char": end}
    if path:
        item["section"] = path
    if table:
        item["table"] = True
    return item


def _page_spans(text: str, pages: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    """(start, end, number) of each non-empty page inside `text`, found in order."""
    spans: list[tuple[int, int, int]] = []
    cursor = 0
    for page in pages:
        body = page.get("text") or ""
        if not body:
            continue
        at = text.find(body, cursor)
        if at < 0:
            continue
        spans.append((at, at + len(body), int(page["number"])))
        cursor = at + len(body)
    return spans
