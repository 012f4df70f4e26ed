"""Spaces PDFium makes up inside letter-spaced words, found from the glyphs' places.

PDFium puts a space wherever the gap between two glyphs looks like one. A word drawn with wide
letter spacing (an OCR text layer stretching each word over its box, tracked headings) or one
glyph at a time at a fixed pitch (overprinted "fake bold", comb fields, typewriter layouts in a
proportional font) then comes out in pieces: "Nort h", "Chin a", "Test i ng Dedupl i cat i on".
A space PDFium made up (not one the PDF draws) beside a one-character fragment is dropped when

- **letter spacing**: the letters beside it are spaced wide (0.1 to 0.6 em apart), and the gap
  at the space is no wider than theirs (x 1.35): a word gap adds a space's width to the
  tracking, which ordinary text (letters less than 0.1 em apart) never shows;
- **fixed pitch**: the glyphs on both sides start at one even pitch (every advance within 2% of
  it, at least four of them, under 0.9 em), and the space's advance is no wider than that pitch
  (x 1.25): at a fixed pitch a word gap is a whole empty cell.

Both need the glyphs to stand side by side on one line, so items spread along a line (axis
labels, table cells) keep their spaces.
"""

from __future__ import annotations

import itertools
import re
from typing import Protocol

# A one-character fragment between spaces (the space before it is the match's start), and
# closing punctuation set apart from its word ("Co .", "Lines ,").
_FRAGMENT = re.compile(r"\s[^\W_](?=\s)")
_START = re.compile(r"[^\W_](?=\s)")
_CLOSING = re.compile(r" [.,;:!?)\]}](?=\s|$)")
_CLOSERS = frozenset(".,;:!?)]}")
_APOSTROPHES = frozenset("'\u2019")
_CAP_HEIGHT = 0.7  # of an em: the tallest glyphs beside a gap stand for the font's size
_MIN_TRACKING = 0.1
_MAX_TRACKING = 0.6
_TRACKING_SLACK = 1.35
_PITCH_TOLERANCE = 0.02
_BOX_TOLERANCE = 0.25  # the same, from boxes, whose left edges move with the glyphs' shapes
_PITCH_SLACK = 1.25
_MAX_PITCH = 0.9
_PITCH_WINDOW = 4


class Glyphs(Protocol):
    """What workers.formats.pdfium_text.Page tells of a page's characters."""

    text: str  # one character per index

    def generated(self, i: int) -> bool: ...

    def origin(self, i: int) -> float: ...

    def box(self, i: int) -> tuple[float, float, float, float]: ...

    def loose_box(self, i: int) -> tuple[float, float, float, float]: ...


def has_fragments(text: str) -> bool:
    """Whether `text` has a one-character fragment that may be part of a letter-spaced word."""
    return bool(_FRAGMENT.search(text) or _START.match(text) or _CLOSING.search(text))


def spaces_inside_words(page: Glyphs) -> set[int]:
    """The indices of the made-up spaces inside words (see the module's docstring)."""
    candidates = _candidates(page.text)
    drop = set()
    for k in sorted(candidates):
        if page.generated(k) and _inside_word(page, k, candidates):
            drop.add(k)
    return drop


def _candidates(text: str) -> set[int]:
    """Spaces between a letter or digit and a one-character fragment beside it."""
    found = set()
    starts = [m.start() for m in _FRAGMENT.finditer(text)]
    if _START.match(text):
        starts.append(-1)
    for s in starts:
        before, after = s, s + 2  # the spaces either side of the fragment at s + 1
        if before >= 1 and text[before] == " " and (text[before - 1].isalnum() or (
            text[before - 1] in _APOSTROPHES and text[before - 2 : before - 1].isalnum()
        )):  # fmt: skip
            found.add(before)  # "Nort h", "People' s"
        if after + 1 < len(text) and text[after] == " ":
            following = text[after + 1]
            if following.isalnum() or following in _CLOSERS:
                found.add(after)
    found.update(
        m.start() for m in _CLOSING.finditer(text) if text[m.start() - 1 : m.start()].isalnum()
    )
    return found


def _inside_word(page: Glyphs, k: int, candidates: set[int]) -> bool:
    text = page.text
    closing = text[k + 1] in _CLOSERS
    a, b = page.box(k - 1), page.box(k + 1)
    heights = [a[3] - a[2], b[3] - b[2]]
    gap = b[0] - a[1]
    sides = []
    if k >= 2 and text[k - 2].isalnum():
        p = page.box(k - 2)
        sides.append(a[0] - p[1])
        heights.append(p[3] - p[2])
        if closing:
            # A stop's or a bracket's ink is narrower than its place: the gaps are measured
            # between the glyphs' advances ("Co ." in an OCR layer set at one pitch).
            p_, a_, b_ = page.loose_box(k - 2), page.loose_box(k - 1), page.loose_box(k + 1)
            sides[-1], gap = a_[0] - p_[1], b_[0] - a_[1]
    if not closing and k + 2 < len(text) and text[k + 2].isalnum():
        n = page.box(k + 2)
        sides.append(n[0] - b[1])
        heights.append(n[3] - n[2])
    em = max(heights) / _CAP_HEIGHT
    overlap = min(a[3], b[3]) - max(a[2], b[2])
    if em <= 0 or overlap < 0.5 * min(heights[:2]) or gap < -0.1 * em:
        return False  # not side by side on one line
    tracked = sides and _MIN_TRACKING * em <= max(sides) <= _MAX_TRACKING * em
    if tracked and gap <= _TRACKING_SLACK * max(sides):
        return True
    return not closing and gap <= _MAX_TRACKING * em and _fixed_pitch(page, k, em, candidates)


def _fixed_pitch(page: Glyphs, k: int, em: float, candidates: set[int]) -> bool:
    """Whether the glyphs around the space at k start at one pitch that the space keeps."""
    before = _run(page, k - 1, -1, candidates)  # nearest first
    after = _run(page, k + 1, 1, candidates)
    if len(before) < 2 or len(after) < 2 or len(before) + len(after) < _PITCH_WINDOW + 2:
        return False
    # The advances nearest the space first, from the glyphs' boxes (known already, and cheaper
    # to ask for than where each glyph starts): ordinary text, whose advances differ from
    # glyph to glyph, is told apart there.
    lefts = [page.box(i)[0] for i in (before[1], before[0], after[0], after[1])]
    if not _even([lefts[1] - lefts[0], lefts[3] - lefts[2]], _BOX_TOLERANCE):
        return False
    near = [page.origin(i) for i in (before[1], before[0], after[0], after[1])]
    if not _even([near[1] - near[0], near[3] - near[2]]):
        return False
    origins = [page.origin(i) for i in before[:1:-1]] + near + [page.origin(i) for i in after[2:]]
    advances = [y - x for x, y in itertools.pairwise(origins)]
    across = advances.pop(len(before) - 1)
    pitch = _median(advances)
    return 0 < pitch <= _MAX_PITCH * em and _even(advances) and across <= _PITCH_SLACK * pitch


def _even(advances: list[float], tolerance: float = _PITCH_TOLERANCE) -> bool:
    pitch = _median(advances)
    return pitch > 0 and all(abs(x - pitch) <= tolerance * pitch for x in advances)


def _run(page: Glyphs, start: int, step: int, candidates: set[int]) -> list[int]:
    """Up to _PITCH_WINDOW letters or digits from `start` on, passing only made-up spaces
    beside other one-character fragments (the next "i" of "Dedupl i cat i on")."""
    found: list[int] = []
    i = start
    chars = page.text
    while 0 <= i < len(chars) and len(found) < _PITCH_WINDOW:
        if chars[i] == " " and i in candidates and page.generated(i):
            i += step
            continue
        if not chars[i].isalnum():
            break
        found.append(i)
        i += step
    return found


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
