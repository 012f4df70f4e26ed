# ruff: noqa: RUF001, RUF002  (accents and dotless letters, as PDFs give them)
"""Accents and combining marks PDFium reads apart from their letters, put back on them.

Two kinds of writers draw a letter and its mark as two glyphs that PDFium does not join:

- **Combining marks drawn in a pass of their own.** Some writers draw a Thai line's letters
  first and its vowel and tone marks after them; PDFium reads the marks in drawing order,
  each after a space it makes up: "จานวนในข ํ ้อใด" for "จํานวนในข้อใด". A mark is out of
  place when it follows a made-up space (elsewhere, in Indic scripts say, a mark may stand
  anywhere over its cluster, and is left where PDFium reads it).
- **Spacing accents over a letter.** TeX without T1 fonts (most papers, in their authors'
  names and references) sets "é" as an acute accent glyph (U+00B4) moved over an "e", and
  PDFium reads "Laszl ´ o", "na¨ıve", "Jan ˇ Sediv ´ y", the accent sometimes at the end of
  the line. An accent moves only onto a letter its glyph stands over (its middle within
  the letter's glyph, above it, or below it for a cedilla or an ogonek), so an accent or
  backtick set on its own keeps its place.

A mark or accent is moved after the letter whose glyph it stands over, on the same line
(before it, or for an accent also just after it), behind the marks that letter has already,
and the pair is composed where Unicode has one character for it ("é"; a dotless "ı" under a
mark is an "i"). The made-up spaces around a moved mark go too when the glyphs on either side
of them touch (less than 0.1 em apart) or end the line: the gap they stood for was the
mark's, not a word's.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from workers.formats.pdf_rtl import RTL

# Combining marks of the scripts that stack them (Latin, Greek, Cyrillic, Hebrew, Arabic,
# Indic, Thai, Lao, Tibetan, Myanmar, Khmer...).
MARKS = "".join(
    chr(c)
    for c in (*range(0x300, 0x1100), *range(0x1700, 0x1B00), *range(0x1DC0, 0x1E00))
    if unicodedata.category(chr(c)) == "Mn"
)
# Spacing accents and the combining marks they stand for.
ACCENTS = {
    "\u0060": "\u0300",  # grave
    "\u00b4": "\u0301",  # acute
    "\u02c6": "\u0302",  # circumflex
    "\u02dc": "\u0303",  # tilde
    "\u00af": "\u0304",  # macron
    "\u02d8": "\u0306",  # breve
    "\u02d9": "\u0307",  # dot above
    "\u00a8": "\u0308",  # diaeresis
    "\u02da": "\u030a",  # ring above
    "\u02dd": "\u030b",  # double acute
    "\u02c7": "\u030c",  # caron
    "\u00b8": "\u0327",  # cedilla
    "\u02db": "\u0328",  # ogonek
}
_BELOW = frozenset("\u0327\u0328")
_DOTLESS = {"ı": "i", "ȷ": "j"}
_MARK = re.compile(f"[{MARKS}{''.join(ACCENTS)}]")
_LOOK_BACK = 200  # characters: as far back as the letter of a mark is looked for
_LOOK_ON = 3  # glyphs: as far on as the letter of an accent is looked for
_TOUCH = 0.1  # ems
_PASSED = 3  # letter heights: how far left of a mark the letters looked through may stand


class Glyphs(Protocol):
    """What workers.formats.pdfium_text.Page tells of a page's characters."""

    text: str  # one character per index

    def generated(self, i: int) -> bool: ...

    def box(self, i: int) -> tuple[float, float, float, float]: ...

    def loose_box(self, i: int) -> tuple[float, float, float, float]: ...

    def font_size(self, i: int) -> float: ...


def has_marks(text: str) -> bool:
    return bool(_MARK.search(text))


def marks_on_letters(page: Glyphs) -> dict[int, str]:
    """Edits moving each mark read apart onto its letter (see the module's docstring): the
    mark's index mapped to "", its letter's (or its letter's last mark's) to it and the mark,
    composed."""
    text = page.text
    edits: dict[int, str] = {}
    moved: set[int] = set()
    for match in _MARK.finditer(text):
        mark = match.start()
        accent = ACCENTS.get(text[mark])
        if accent is None and _in_place(page, mark):
            continue
        home = _letter_under(page, mark, accent)
        if home is None or RTL.match(text[home]):
            continue  # right-to-left marks are pdf_rtl's
        while home + 1 < len(text) and home + 1 != mark and unicodedata.combining(text[home + 1]):
            home += 1  # behind the letter's own marks
        edits[home] = _composed(edits.get(home, text[home]) + (accent or text[mark]))
        edits[mark] = ""
        moved.add(mark)
    for mark in sorted(moved):
        spaces = [
            i
            for i in (mark - 1, mark + 1)
            if i not in edits and text[i : i + 1].isspace() and page.generated(i)
        ]
        if spaces and _touching(page, spaces[0], moved):
            edits.update((i, "") for i in spaces)
        elif len(spaces) == 2:
            edits[spaces[1]] = ""  # one space, where there were two around the mark
    return edits


def _composed(cluster: str) -> str:
    if cluster[0] in _DOTLESS and unicodedata.combining(cluster[1:2]) == 230:  # above
        cluster = _DOTLESS[cluster[0]] + cluster[1:]
    return unicodedata.normalize("NFC", cluster)


def _in_place(page: Glyphs, mark: int) -> bool:
    """Whether `mark` follows its letter (or that letter's other marks), not a made-up space."""
    text = page.text
    i = mark - 1
    while i >= 0 and unicodedata.combining(text[i]):
        i -= 1
    return i < 0 or not (text[i].isspace() and page.generated(i))


def _letter_under(page: Glyphs, mark: int, accent: str | None) -> int | None:
    """The letter on `mark`'s line whose glyph stands under the mark's middle: looked for
    before it, and for a spacing accent also in the next few glyphs."""
    text = page.text
    box = page.box(mark)
    back = range(mark - 1, max(-1, mark - _LOOK_BACK), -1)
    found = _letter_in(page, back, box, accent)
    if found is None and accent is not None:
        found = _letter_in(page, range(mark + 1, min(len(text), mark + 2 * _LOOK_ON)), box, accent)
    return found


def _letter_in(
    page: Glyphs, indices: range, box: tuple[float, float, float, float], accent: str | None
) -> int | None:
    left, right, bottom, top = box
    middle = (left + right) / 2
    text = page.text
    for i in indices:
        char = text[i]
        if char in "\r\n":
            return None
        if not char.isalpha() or unicodedata.combining(char):
            continue
        a, b, low, high = page.box(i)
        if not a <= middle <= b:
            if indices.step < 0 and b < middle - _PASSED * (high - low):
                return None  # a line runs left to right: the letters before lie further left
            continue
        if accent is None:
            return i
        centre = (low + high) / 2
        if (top <= centre) if accent in _BELOW else (bottom >= centre):
            return i
    return None


def _touching(page: Glyphs, space: int, moved: set[int]) -> bool:
    """Whether the glyphs either side of the space at `space` (passing moved marks and other
    spaces) stand less than 0.1 em apart, or the space ends its line."""
    text = page.text
    before, after = space - 1, space + 1
    while before >= 0 and (before in moved or text[before] == " "):
        before -= 1
    while after < len(text) and (after in moved or text[after] == " "):
        after += 1
    if before < 0 or after >= len(text) or text[before] in "\r\n" or text[after] in "\r\n":
        return True  # a space at a line's end keeps nothing apart
    em = max(page.font_size(before), page.font_size(after))
    gap = page.loose_box(after)[0] - page.loose_box(before)[1]
    return em > 0 and abs(gap) < _TOUCH * em
