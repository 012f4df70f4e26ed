"""Line breaks PDFium makes up inside a line, found from the glyphs' places.

PDFium starts a new line wherever the baseline moves, so a superscript or a subscript ends
the line it stands in: "nicht zum R2\\n oder", "Shen1\\n, R. Zhang", "B\\nr\\n(x)". A chunk then
has its sentences cut at every footnote marker, exponent and index, and a retriever finds
neither "R2" nor the sentence around it. A line break PDFium made up is taken out when the
text after it goes on from where the text before it stopped, on the same line:

- the glyph after the break starts where the one before it ends: at most 0.8 em further on
  (a wide word gap), no further back than that glyph's own start (a subscript set under the
  superscript before it): the next line of a paragraph starts back at the left margin, and a
  column beside this one further on than a word gap;
- the two lines overlap by at least half the smaller one's height, the line before the break
  being its last three glyphs (PDFium's loose boxes: a font's descent to its ascent, whatever
  the glyph): a superscript stands well inside the line it belongs to, and the line below
  barely touches it even when set solid.

The break becomes a space when the glyphs are more than 0.06 em apart and no space is there
already, and nothing otherwise ("R2", "T2."). Right-to-left text and turned text are left as
PDFium reads them: "further on" is not to the right there.
"""

from __future__ import annotations

import math
import re
from typing import Protocol

from workers.formats.pdf_rtl import RTL

_BREAK = re.compile(r"\r\n|\r|\n")
_MAX_GAP = 0.8  # ems of the larger font: a wide word gap
_OVERLAP = 0.15  # ems: glyphs touching (kerning, italics)
_SAME_LINE = 0.5  # of the shorter line's height
_WORD_GAP = 0.06  # ems: narrower than a thin space
_CONTEXT = 3  # glyphs before a break that make the line it ends
_TURNED = 0.01  # radians


class Glyphs(Protocol):
    """What workers.formats.pdfium_text.Page tells of a page's characters."""

    text: str  # one character per index

    def generated(self, i: int) -> bool: ...

    def loose_box(self, i: int) -> tuple[float, float, float, float]: ...

    def font_size(self, i: int) -> float: ...

    def angle(self, i: int) -> float: ...


def has_breaks(text: str) -> bool:
    return "\n" in text or "\r" in text


def breaks_inside_lines(page: Glyphs) -> dict[int, str]:
    """Edits taking out the line breaks inside a line: each character of such a break
    mapped to what replaces it ("" or " ")."""
    text = page.text
    edits: dict[int, str] = {}
    for match in _BREAK.finditer(text):
        start, end = match.span()
        last = start - 1
        while last >= 0 and text[last] in " \t":
            last -= 1
        after = _first_glyph(text, end)
        if last < 0 or text[last] in "\r\n" or after is None:
            continue
        gap = _gap(page, last, after)
        if gap is None or not page.generated(start):
            continue
        spaced = text[start - 1].isspace() or text[end : end + 1].isspace()
        edits[start] = "" if spaced or gap < _WORD_GAP else " "
        edits.update((i, "") for i in range(start + 1, end))
    return edits


def _glyphs_before(text: str, last: int) -> list[int]:
    """Up to _CONTEXT - 1 glyphs before the glyph at `last` on its line, nearest first."""
    found: list[int] = []
    i = last - 1
    while i >= 0 and len(found) < _CONTEXT - 1 and text[i] not in "\r\n":
        if not text[i].isspace():
            found.append(i)
        i -= 1
    return found


def _first_glyph(text: str, start: int) -> int | None:
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    return i if i < len(text) and text[i] not in "\r\n" else None


def _gap(page: Glyphs, last: int, after: int) -> float | None:
    """The gap from the glyph before a break (`last`) to the one after it, in ems, if they
    stand on one line (see the module's docstring); None if not."""
    text = page.text
    a, b = page.loose_box(last), page.loose_box(after)
    # Most breaks are between lines of a paragraph, the next starting back at the margin:
    # told apart from the two boxes alone, with room to spare (a line's height is about 1.2
    # em of its font, a script's font is smaller than the line's).
    height = a[3] - a[2]
    if b[0] < a[0] - height or b[0] - a[1] > 2 * _MAX_GAP * height:
        return None
    if RTL.match(text[last]) or RTL.match(text[after]):
        return None
    em = max(page.font_size(last), page.font_size(after))
    if em <= 0 or b[3] <= b[2]:
        return None
    gap = (b[0] - a[1]) / em
    # A subscript set under the superscript before it starts where that one starts.
    back = (a[1] - a[0]) / em + _OVERLAP
    if not -back <= gap <= _MAX_GAP:
        return None
    # The line before the break: its last few glyphs, which a script alone may not fill.
    boxes = [a] + [page.loose_box(i) for i in _glyphs_before(text, last)]
    bottom, top = min(box[2] for box in boxes), max(box[3] for box in boxes)
    overlap = min(top, b[3]) - max(bottom, b[2])
    if overlap < _SAME_LINE * min(top - bottom, b[3] - b[2]):
        return None
    if not (_upright(page.angle(last)) and _upright(page.angle(after))):
        return None
    return gap


def _upright(angle: float) -> bool:
    return min(angle, 2 * math.pi - angle) < _TURNED
