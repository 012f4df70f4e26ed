"""A PDF's outline (bookmarks) as sections: each entry's page, then the entry's title on that
page where the text shows it, else the page's start, is where its section begins.

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
    found: list[Section] = []
    for level, title, number in entries:
        if number not in starts:
            continue  # a page of another part, or none
        page_text = pages[[int(p["number"]) for p in pages].index(number)]["text"]
        found.append(Section(starts[number] + _title_at(page_text, title), level, title))
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


def _title_at(page_text: str, title: str) -> int:
    """Where `title` stands on its page (any spacing between its words; at a line start when it
    can), else 0: the page's start."""
    words = title.split()
    if not words:
        return 0
    pattern = r"\s+".join(re.escape(word) for word in words)
    line = re.search(rf"(?m)^[ \t]*{pattern}", page_text)
    anywhere = line or re.search(pattern, page_text)
    if anywhere is None:
        return 0
    start = anywhere.start()
    while start < len(page_text) and page_text[start] in " \t":
        start += 1
    return start
