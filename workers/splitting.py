"""Split a run of text into overlapping pieces on the strongest boundary near the size limit.

Pieces end on the strongest boundary available in the second half of their window (paragraph,
then line, then sentence, then word), never exceed the size unless a single word does, and each
one starts about `overlap` before the end of the previous one, on a word boundary (a sentence
start when there is one). Sizes are measured by a `Measure`: characters, words, or any length
function (a tokenizer's), which must grow as the text grows.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile("[.!?\u2026][\"'\u201d\u2019)\\]]*$")
# Boundary strength after a word: 0 word, 1 sentence, 2 line, 3 paragraph.
_PARAGRAPH, _LINE, _SENTENCE, _SPACE = 3, 2, 1, 0
UNITS = ("chars", "words")

Words = list[tuple[int, int]]


class Measure:
    """The size of a span of `text` in the unit chunks are counted in."""

    def __init__(self, text: str, unit: str = "chars", length: Callable[[str], int] | None = None):
        if length is None and unit not in UNITS:
            raise ValueError(f"chunk_unit is one of {UNITS}, not {unit!r}")
        self.text, self.unit, self.length = text, unit, length
        self._starts: list[int] = []
        if length is None and unit == "words":
            self._starts = [m.start() for m in _WORD.finditer(text)]

    def span(self, start: int, end: int) -> int:
        """The size of text[start:end], where both are word boundaries."""
        if self.length is not None:
            return int(self.length(self.text[start:end]))
        if self.unit == "words":
            return bisect.bisect_left(self._starts, end) - bisect.bisect_left(self._starts, start)
        return end - start

    def of(self, text: str) -> int:
        """The size of any text (a rendered table)."""
        if self.length is not None:
            return int(self.length(text))
        return len(text.split()) if self.unit == "words" else len(text)


def words_in(text: str, start: int, end: int) -> Words:
    """(start, end) of each word of text[start:end]."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def split(text: str, words: Words, size: int, overlap: int, measure: Measure) -> Words:
    """(start, end) of each piece of the run of `words` (see the module's docstring)."""
    overlap = min(overlap, size // 2)  # an overlap near the size would crawl one word at a time
    pieces: Words = []
    first = 0
    last = -1  # the last word of the previous piece
    while last < len(words) - 1:
        start = words[first][0]
        fits = max(_furthest(words, first, size, measure), first)  # one word at least
        last = _best_end(text, words, first, max(fits, last + 1), size, last, measure)
        pieces.append((start, words[last][1]))
        first = _next_start(text, words, first, last, size, overlap, measure)
    return pieces


def _furthest(words: Words, first: int, size: int, measure: Measure) -> int:
    """The last word whose end is at most `size` from the start of word `first`."""
    start = words[first][0]
    return _last_true(first, len(words), lambda k: measure.span(start, words[k][1]) <= size)


def _last_true(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """The last k in [lo, hi) for which `ok` holds (true up to a point, then false), else lo - 1."""
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def _level(text: str, words: Words, k: int) -> int:
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
    text: str, words: Words, first: int, fits: int, size: int, previous: int, measure: Measure
) -> int:
    """The last word of the piece starting at `first`: the strongest boundary in the second
    half of the window, the latest among equals; never before the previous piece's end."""
    if fits == len(words) - 1:
        return fits
    start = words[first][0]
    lowest = max(previous + 1, first)
    short = _last_true(lowest, fits + 1, lambda k: measure.span(start, words[k][1]) < size // 2)
    candidates = range(short + 1, fits + 1)
    if not candidates:
        return fits
    return max(candidates, key=lambda k: (_level(text, words, k), k))


def _next_start(
    text: str, words: Words, first: int, last: int, size: int, overlap: int, measure: Measure
) -> int:
    """The first word of the next piece: about `overlap` back from the end of this one, at a
    sentence start when the overlap holds one, so the next piece still moves on."""
    following = last + 1
    if following >= len(words) or overlap == 0:
        return following
    end = words[last][1]

    def too_far(m: int) -> bool:
        # The overlap must stay within `overlap`, and the next piece must hold the word after
        # `last` within `size`; both only shrink as m moves on.
        back = measure.span(words[m][0], end) > overlap
        return back or measure.span(words[m][0], words[following][1]) > size

    lowest = _last_true(first + 1, following, too_far) + 1
    if lowest >= following:
        return following
    sentences = [m for m in range(lowest, following) if _level(text, words, m - 1) >= _SENTENCE]
    return (sentences or [lowest])[0]
