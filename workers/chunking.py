"""Split a document's text into overlapping chunks for retrieval (RAG).

Chunks end on the strongest boundary available near the size limit (paragraph, then line, then
sentence, then word), never exceed `size` characters unless a single word does, and each one
starts about `overlap` characters before the end of the previous one, on a word boundary
(a sentence start when there is one). Offsets refer to the text given: text[start:end] is the
chunk's text, and page numbers come from the spans of the pages in that text.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile("[.!?\u2026][\"'\u201d\u2019)\\]]*$")
# Boundary strength after a word: 0 word, 1 sentence, 2 line, 3 paragraph.
_PARAGRAPH, _LINE, _SENTENCE, _SPACE = 3, 2, 1, 0


def chunk(
    text: str, size: int = 1000, overlap: int = 200, pages: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Return the chunks of `text`: index, text, start_char, end_char, page_start, page_end."""
    if size < 1 or overlap < 0:
        raise ValueError("chunk size must be positive and overlap not negative")
    overlap = min(overlap, size // 2)  # an overlap near the size would crawl one word at a time
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not words:
        return []
    ends = [end for _, end in words]
    spans = _page_spans(text, pages) if pages else []
    chunks: list[dict[str, Any]] = []
    first = 0
    last = -1  # the last word of the previous chunk
    while last < len(words) - 1:
        start = words[first][0]
        # The furthest word that fits: its end is at most start + size (at least one word).
        fits = max(bisect.bisect_right(ends, start + size) - 1, first)
        last = _best_end(text, words, first, max(fits, last + 1), size, last)
        end = words[last][1]
        chunks.append(_record(len(chunks), text, start, end, spans))
        first = _next_start(text, words, first, last, size, overlap)
    return chunks


def _level(text: str, words: list[tuple[int, int]], k: int) -> int:
    """Strength of the boundary after word `k`."""
    if k + 1 >= len(words):
        return _PARAGRAPH + 1
    gap = text[words[k][1] : words[k + 1][0]]
    newlines = gap.count("\n")
    if newlines >= 2:
        return _PARAGRAPH
    if newlines == 1:
        return _LINE
    if _SENTENCE_END.search(text[words[k][0] : words[k][1]]):
        return _SENTENCE
    return _SPACE


def _best_end(
    text: str, words: list[tuple[int, int]], first: int, fits: int, size: int, previous: int
) -> int:
    """The last word of the chunk starting at `first`: the strongest boundary in the second
    half of the window, the latest among equals; never before the previous chunk's end."""
    if fits == len(words) - 1:
        return fits
    start = words[first][0]
    lowest = max(previous + 1, first)
    candidates = [k for k in range(lowest, fits + 1) if words[k][1] - start >= size // 2]
    if not candidates:
        return fits
    return max(candidates, key=lambda k: (_level(text, words, k), k))


def _next_start(
    text: str, words: list[tuple[int, int]], first: int, last: int, size: int, overlap: int
) -> int:
    """The first word of the next chunk: about `overlap` characters back from the end of this
    one, at a sentence start when the overlap holds one, so the next chunk still moves on."""
    following = last + 1
    if following >= len(words) or overlap == 0:
        return following
    end = words[last][1]
    options = [m for m in range(first + 1, following) if end - words[m][0] <= overlap]
    # The next chunk must reach past this one: it has to hold the word after `last`.
    options = [m for m in options if words[following][1] - words[m][0] <= size]
    if not options:
        return following
    sentences = [m for m in options if _level(text, words, m - 1) >= _SENTENCE]
    return (sentences or options)[0]


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


def _record(
    index: int, text: str, start: int, end: int, spans: list[tuple[int, int, int]]
) -> dict[str, Any]:
    numbers = [number for lo, hi, number in spans if lo < end and start < hi]
    return {
        "index": index, "text": text[start:end], "start_char": start, "end_char": end,
        "page_start": numbers[0] if numbers else None,
        "page_end": numbers[-1] if numbers else None,
    }  # fmt: skip
