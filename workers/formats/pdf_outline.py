"""A PDF's outline (bookmarks) as sections: each entry's page, then the line of that page the
entry's title begins (after the entries before it on the page), else the page's start or the
place of the entry before it, is where its section begins.

Entries without a page in this document (links to a URL or another file, broken
destinations) are skipped; a damaged outline gives a warning and no sections, never a failed
document.
"""

from __future__ import annotations

import re
from typing import Any

from workers.formats.base import describe
from workers.formats.structure import Section, Structure

MAX_ENTRIES = 10_000  # an outline is a tree of objects in the file: bound the walk


def sections(
    reader: Any,
    pages: list[dict[str, Any]],
    warnings: list[str],
    errors: tuple[type[Exception], ...],
) -> Structure | None:
    """The outline of `reader` as sections of the text "\\n\\n".join(page texts)."""
    if reader is None:
        return None
    catch: tuple[type[Exception], ...] = (*errors, RecursionError)
    try:
        entries = list(_walk(reader, reader.outline, 1))
    except catch as exc:
        warnings.append(f"unreadable PDF outline: {describe(exc)}")
        return None
    starts: dict[int, int] = {}  # page number -> where its text begins
    offset = 0
    for page in pages:
        starts[int(page["number"])] = offset
        offset += len(page["text"]) + 2
    texts = {int(page["number"]): page["text"] for page in pages}
    cursors: dict[int, int] = {}  # per page: where the last entry on it was placed
    found: list[Section] = []
    for level, title, number in entries:
        if number not in starts:
            continue  # a page of another part, or none
        at = _title_at(texts[number], title, cursors.get(number, 0))
        cursors[number] = at
        found.append(Section(starts[number] + at, level, title))
    return Structure(tuple(found)) if found else None


def _walk(reader: Any, outline: list[Any], level: int) -> Any:
    """(level, title, page number from 1) of each outline entry, in order."""
    count = 0
    for item in outline:
        if isinstance(item, list):
            yield from _walk(reader, item, level + 1)
            continue
        count += 1
        if count > MAX_ENTRIES:
            return
        title = " ".join(str(getattr(item, "title", "") or "").split())
        index = reader.get_destination_page_number(item)
        if title and index is not None and index >= 0:
            yield level, title, index + 1


def _title_at(page_text: str, title: str, cursor: int) -> int:
    """Where `title` begins a line of its page (any spacing between its words) at or after
    `cursor`, the place of the entry before it on the same page; else `cursor`, so entries
    keep their outline order."""
    words = title.split()
    pattern = r"\s+".join(re.escape(word) for word in words)
    found = re.compile(rf"(?m)^[ \t]*{pattern}").search(page_text, cursor)
    if found is None:
        return cursor
    start = found.start()
    while page_text[start] in " \t":
        start += 1
    return start
