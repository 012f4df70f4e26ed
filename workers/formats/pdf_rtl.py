"""Arabic and Hebrew words that PDFium leaves backwards, put in written order.

PDFium orders a line's text objects by their place and reverses its right-to-left runs, which
is right for glyphs drawn in place order (as LibreOffice and Word write them). It goes wrong
in two ways, which the glyphs' places show:

- the characters of one glyph (its ToUnicode text: a whole word "حَبيبي", a lam-alef "لا") are
  reversed with the run, though a glyph's text is in written order already. They share the
  glyph's box. A ligature PDFium expands itself (a presentation form such as U+FEFB) shares one
  box too but comes out in order, so those are left alone;
- a word whose glyphs each carry their text as /ActualText (browsers print Arabic so) can come
  out in drawn order, its letters' places rising from left to right ("ابحرم" for "مرحبا"): it is
  reversed, each letter keeping its marks (vowel signs, shadda) after it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Protocol

_RANGES = (*range(0x0590, 0x0900), *range(0xFB1D, 0xFE00), *range(0xFE70, 0xFEFD))
# Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic extensions, Hebrew and
# Arabic presentation forms: letters written right to left.
RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# A word: its letters and the marks on them (not its punctuation or digits).
_WORD = re.compile(
    "[{}]+".format("".join(chr(c) for c in _RANGES if unicodedata.category(chr(c))[0] in "LM"))
)
_LIGATURES = frozenset(
    text for text in (unicodedata.normalize("NFKC", chr(c)) for c in _RANGES) if len(text) > 1
)
_SAME = 0.01  # points
_LATIN = "A-Za-z\u00c0-\u024f"
_RIGHT_TO_LEFT = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_SCRIPTS_MEET = re.compile(
    f"(?<=[{_LATIN}])(?=[{_RIGHT_TO_LEFT}])|(?<=[{_RIGHT_TO_LEFT}])(?=[{_LATIN}])"
)


class Glyphs(Protocol):
    """What workers.formats.pdfium_text.Page tells of a page's characters."""

    text: str  # one character per index

    def box(self, i: int) -> tuple[float, float, float, float]: ...


def written_order(page: Glyphs, indices: list[int], edits: dict[int, str]) -> str:
    """The line made of the characters `indices` of `page` (each replaced by its entry in
    `edits`, if it has one), its words in written order, and a space wherever a Latin letter
    and a right-to-left one meet: no word mixes them, and PDFium puts none between a Latin
    word and the Arabic one beside it ("habibiحَبيبي")."""
    return _SCRIPTS_MEET.sub(" ", _in_order(page, indices, edits))


def _in_order(page: Glyphs, indices: list[int], edits: dict[int, str]) -> str:
    chars = [edits.get(i, page.text[i]) for i in indices]
    boxes = [page.box(i) for i in indices]
    start = 0
    for end in range(1, len(chars) + 1):
        if end < len(chars) and _same(boxes[end], boxes[start]):
            continue
        glyph = "".join(chars[start:end])
        if end - start > 1 and RTL.search(glyph) and glyph not in _LIGATURES:
            chars[start:end] = chars[start:end][::-1]
        start = end
    for match in _WORD.finditer("".join(chars)):
        a, b = match.span()
        centres = [(boxes[k][0] + boxes[k][1]) / 2 for k in range(a, b)]
        steps = [y - x for x, y in itertools.pairwise(centres) if abs(y - x) > _SAME]
        if sum(step > 0 for step in steps) > sum(step < 0 for step in steps):
            chars[a:b] = _backwards(chars[a:b])
    return "".join(chars)


def _same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(abs(x - y) < _SAME for x, y in zip(a, b, strict=True))


def _backwards(chars: list[str]) -> list[str]:
    """`chars` reversed, each letter still followed by its marks."""
    groups: list[list[str]] = []
    for char in chars:
        if groups and unicodedata.combining(char):
            groups[-1].append(char)
        else:
            groups.append([char])
    return [char for group in reversed(groups) for char in group]
