"""A PDF page's text as PDFium reads it, with three of its mistakes put right from what PDFium
knows of each character (its place, whether PDFium made it up, whether its font maps it).

- **Letter-spaced words** (workers.formats.pdf_spacing): "Nort h", "Test i ng" put back
  together where PDFium made up a space inside a word.
- **Glyphs without text.** A font whose ToUnicode map gives text for some of its glyphs but
  not for others (the joining parts of a Nastaliq or Arabic word, ornaments) has those read by
  PDFium as their glyph numbers, which come out as stray Greek, CJK or control characters inside
  words (four Greek letters glued to "habibi"). They are dropped, as poppler's pdftotext drops
  them; a font with no map at all keeps PDFium's guess, often right, and a control character is
  never text.
- **Right-to-left words** (workers.formats.pdf_rtl): Arabic and Hebrew words PDFium leaves
  backwards, put in written order.
- **Marks read apart from their letters** (workers.formats.pdf_marks): "ข ํ ้อ" put back.
- **Lines cut at a superscript** (workers.formats.pdf_lines): "R2\\n oder" put back on one line.

Only the characters these need are looked at one by one (each is a call into PDFium): the two
glyphs beside each line break, and on a page of left-to-right text with no one-letter
fragments and nothing beyond printable ASCII, nothing more.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from workers.formats import pdf_glyphs, pdf_lines, pdf_marks, pdf_rtl, pdf_spacing

# What a glyph number read as text can look like: anything but printable ASCII and line ends.
_ODD = re.compile(r"[^\t\n\r\x20-\x7e]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Codes PDFium leaves out of its text: none, its marks for a hyphen at a line's end (0x2,
# 0xFFFE), and a few control codes.
_NOT_TEXT = frozenset((0x0, 0x2, 0x3, 0x93, 0x94, 0x96, 0x97, 0x98, 0xFFFE))
_HOLE = "\x00"  # the place of a character that is not text, in Page.text
_LINE_END = re.compile(r"\r\n|\r|\n")
_TURNED = 0.01  # radians
_CELL = 4.0  # points: the grid overprinted characters are looked for in
_MARK = re.compile(f"[{pdf_marks.MARKS}]")
_MARKS_LINE = re.compile(f"\n([{pdf_marks.MARKS}]+)\n")
_BEFORE_MARK = re.compile(f"\n(?=[{pdf_marks.MARKS}])")


def page_text(
    raw: Any,
    textpage: Any,
    overprinted: bool = False,
    names: Callable[[], pdf_glyphs.Names] | None = None,
) -> str:
    """The text of `textpage` (a pypdfium2 PdfTextPage), lines ending in "\n".

    With `overprinted`, a character drawn again where the same character stands already is
    read once: PDFium looks for those only among neighbouring text objects, and an
    annotation's appearance drawn into the page (pdfium._flatten) often repeats the text the
    page shows under it (a button's caption). `names` gives the page's named glyphs
    (workers.formats.pdf_glyphs), asked for only when PDFium reads a glyph as nothing.
    """
    text: str = textpage.get_text_range()
    plain = not overprinted and not _ODD.search(text) and not pdf_spacing.has_fragments(text)
    plain = plain and "`" not in text  # a grave accent, maybe over a letter (pdf_marks)
    if plain and not pdf_lines.has_breaks(text):
        return text
    page = Page(raw, textpage.raw, text)
    text = page.text
    edits = pdf_lines.breaks_inside_lines(page)
    joints = set(edits)
    edited = False
    if not plain:
        edited = overprinted
        for i in pdf_spacing.spaces_inside_words(page):
            edits[i], edited = "", True
        if overprinted:
            edits.update((i, "") for i in page.overprints())
        for i in page.unmapped():
            # A control character (a glyph number under 32) often stands for a space glyph:
            # glyph 3 is the space of most TrueType fonts. It keeps the words apart.
            spaced = text[i - 1 : i].isspace() or text[i + 1 : i + 2].isspace()
            edits[i], edited = " " if _CONTROL.match(text[i]) and not spaced else "", True
        if names is not None and ("\ufffe" in text or _HOLE in text):
            named = page.named(names)
            edits.update(named)
            edited = edited or bool(named)
        if pdf_marks.has_marks(text):
            marks = pdf_marks.marks_on_letters(page)
            edits.update(marks)
            edited = edited or bool(marks)
    if not pdf_rtl.RTL.search(text):  # one pass over the page; right-to-left lines one by one
        return _tidy(_LINE_END.sub("\n", _edited(text, 0, len(text), edits)), edited)
    lines = [_line(page, start, end, edits) for start, end in _lines(text, joints)]
    return _tidy("\n".join(lines), edited)


def quarter_turns(raw: Any, handle: Any, sample: int = 24) -> int | None:
    """How many quarter turns clockwise most characters of the text page `handle` stand
    turned on the page (of up to `sample` of them, spread over the page); None if no one
    turn holds most of them."""
    count = raw.FPDFText_CountChars(handle)
    step = max(1, count // sample)
    glyphs = [i for i in range(0, count, step) if raw.FPDFText_GetUnicode(handle, i) > 0x20]
    turns: Counter[int] = Counter()
    for i in glyphs:
        angle = raw.FPDFText_GetCharAngle(handle, i)
        quarter = round(angle / (math.pi / 2))
        if angle >= 0 and abs(angle - quarter * math.pi / 2) < _TURNED:
            turns[quarter % 4] += 1
    if not turns:
        return None
    quarter, most = turns.most_common(1)[0]
    return quarter if most * 2 > len(glyphs) else None


def _lines(text: str, joints: set[int]) -> list[tuple[int, int]]:
    """Where each line of `text` starts and ends: between the line breaks not in `joints`."""
    spans, start = [], 0
    for match in _LINE_END.finditer(text):
        if match.start() not in joints:
            spans.append((start, match.start()))
            start = match.end()
    spans.append((start, len(text)))
    return spans


def _line(page: Page, start: int, end: int, edits: dict[int, str]) -> str:
    text = page.text
    line = _edited(text, start, end, edits)
    if pdf_rtl.RTL.search(line):
        kept = [i for i in range(start, end) if edits.get(i, text[i]) and text[i] != _HOLE]
        line = pdf_rtl.written_order(page, kept, edits)
    return line


def _tidy(text: str, edited: bool) -> str:
    """No empty line where characters were taken out, or annotations drawn in (PDFium's own
    text has none), and no line break before a combining mark."""
    if edited:
        text = "\n".join(line for line in text.split("\n") if line.strip())
    return _marks_in_place(text)


def _marks_in_place(text: str) -> str:
    """`text` without the line breaks PDFium puts before combining marks.

    A Thai vowel or tone mark, or an Arabic or Hebrew vowel sign, drawn a little above its
    letter looks to PDFium like the start of a new line ("ต\nั้\nงฉาก" for "ตั้งฉาก"). No
    line starts with a mark, which belongs to the letter before it.
    """
    if not _MARK.search(text):
        return text
    return _BEFORE_MARK.sub("", _MARKS_LINE.sub(r"\1", text))


def _edited(text: str, start: int, end: int, edits: dict[int, str]) -> str:
    """text[start:end] with the characters at `edits` replaced, and without holes."""
    parts = []
    for i in sorted(k for k in edits if start <= k < end):
        parts.append(text[start:i])
        parts.append(edits[i])
        start = i + 1
    parts.append(text[start:end])
    return "".join(parts).replace(_HOLE, "")


class Page:
    """The characters of one text page, by PDFium's index, and what PDFium says of each."""

    def __init__(self, raw: Any, handle: Any, text: str) -> None:
        self.raw, self.handle = raw, handle
        count = raw.FPDFText_CountChars(handle)
        if len(text) != count:
            # PDFium leaves some characters out of its text (above), and counts one beyond the
            # BMP as two (a surrogate pair): then the text's indices are not the characters',
            # and each character is taken by its index, _HOLE in the place of what is not text.
            units = [raw.FPDFText_GetUnicode(handle, i) for i in range(count)]
            chars = [_HOLE if u in _NOT_TEXT or 0xD800 <= u < 0xE000 else chr(u) for u in units]
            for i in range(count - 1):
                if 0xD800 <= units[i] < 0xDC00 and 0xDC00 <= units[i + 1] < 0xE000:
                    pair = (units[i] - 0xD800) * 0x400 + units[i + 1] - 0xDC00 + 0x10000
                    chars[i] = chr(pair)
            text = "".join(chars)
        self.text = text  # one character per index of PDFium's
        self._doubles = [ctypes.c_double() for _ in range(4)]
        self._rect = raw.FS_RECTF()
        self._generated: dict[int, bool] = {}
        self._boxes: dict[int, tuple[float, float, float, float]] = {}

    def generated(self, i: int) -> bool:
        """Whether PDFium made character i up (a space or line end it saw a gap for)."""
        if i not in self._generated:
            self._generated[i] = bool(self.raw.FPDFText_IsGenerated(self.handle, i))
        return self._generated[i]

    def origin(self, i: int) -> float:
        """Where character i starts, across the line."""
        x, y = self._doubles[:2]
        self.raw.FPDFText_GetCharOrigin(self.handle, i, x, y)
        return x.value

    def box(self, i: int) -> tuple[float, float, float, float]:
        """Left, right, bottom, top of character i's glyph."""
        if i not in self._boxes:
            left, right, bottom, top = self._doubles
            self.raw.FPDFText_GetCharBox(self.handle, i, left, right, bottom, top)
            self._boxes[i] = (left.value, right.value, bottom.value, top.value)
        return self._boxes[i]

    def loose_box(self, i: int) -> tuple[float, float, float, float]:
        """Left, right, bottom, top of the line character i stands in: its advance across,
        its font's descent to its ascent up."""
        rect = self._rect
        self.raw.FPDFText_GetLooseCharBox(self.handle, i, rect)
        return (rect.left, rect.right, rect.bottom, rect.top)

    def font_size(self, i: int) -> float:
        """The size of character i's font, in points on the page."""
        return float(self.raw.FPDFText_GetFontSize(self.handle, i))

    def angle(self, i: int) -> float:
        """How far character i is turned clockwise from upright, in radians (0 to 2 pi)."""
        return max(0.0, float(self.raw.FPDFText_GetCharAngle(self.handle, i)))

    def named(self, names: Callable[[], pdf_glyphs.Names]) -> dict[int, str]:
        """The glyphs PDFium reads as nothing (no hyphen mark) that the page's fonts name,
        each mapped to the text of its name (see workers.formats.pdf_glyphs)."""
        raw, handle = self.raw, self.handle
        found: dict[int, str] = {}
        known: pdf_glyphs.Names | None = None
        for i, char in enumerate(self.text):
            if char not in "\ufffe\x00" or raw.FPDFText_GetUnicode(handle, i) != 0:
                continue
            if raw.FPDFText_IsHyphen(handle, i) or self.generated(i):
                continue
            known = names() if known is None else known
            candidates = known.get(self._font_name(i) or "")
            if not candidates:
                continue
            text = pdf_glyphs.pick(candidates, self._advance(i))
            if text:
                found[i] = text
        return found

    def _font_name(self, i: int) -> str | None:
        obj = self.raw.FPDFText_GetTextObject(self.handle, i)
        font = self.raw.FPDFTextObj_GetFont(obj) if obj else None
        if not font:
            return None
        buffer = ctypes.create_string_buffer(256)
        size = self.raw.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
        return pdf_glyphs.font_key(buffer.value.decode("latin-1")) if size else None

    def _advance(self, i: int) -> float | None:
        """Character i's advance in thousandths of its font's em."""
        matrix = self.raw.FS_MATRIX()
        if not self.raw.FPDFText_GetMatrix(self.handle, i, matrix):
            return None
        scale = self.font_size(i) * math.hypot(matrix.a, matrix.b)
        left, right, _, _ = self.loose_box(i)
        return (right - left) / scale * 1000 if scale > 0 else None

    def unmapped(self) -> set[int]:
        """Characters that are glyph numbers, not text (see the module's docstring)."""
        flagged = [
            m.start()
            for m in _ODD.finditer(self.text)
            if self.text[m.start()] != _HOLE and self._map_error(m.start())
        ]
        drop = {i for i in flagged if _CONTROL.match(self.text[i])}
        fonts = {i: self._font(i) for i in flagged if i not in drop}
        unresolved = {font for font in fonts.values() if font is not None}
        if not unresolved:
            return drop
        # Whether each font gives text for any other character of the page: then it has a map,
        # and what it leaves out has no text.
        mapped: set[int] = set()
        for i, char in enumerate(self.text):
            if char.isspace() or char == _HOLE or i in fonts or self._map_error(i):
                continue
            font = self._font(i)
            if font is not None and font in unresolved:
                mapped.add(font)
                unresolved.discard(font)
                if not unresolved:
                    break
        return drop | {i for i, font in fonts.items() if font in mapped}

    def overprints(self) -> set[int]:
        """Characters drawn again where the same character stands, as another font may draw
        it (a button's caption over the label under it): less than half its width across and
        a third of its height up or down away, nearer than the next letter of a word."""
        cells: dict[tuple[str, int, int], list[tuple[float, float]]] = {}
        again = set()
        last = (0.0, 0.0, 0.0, 0.0)
        for i, char in enumerate(self.text):
            if char.isspace() or char == _HOLE:
                continue
            box = self.box(i)
            if box == last:
                continue  # one glyph's characters: a ligature ("ff") PDFium expanded
            last = box
            left, right, bottom, top = box
            across, up = (right - left) / 2, (top - bottom) / 3
            x, y = int(left // _CELL), int(bottom // _CELL)
            if any(
                abs(left - u) < across and abs(bottom - v) < up
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for u, v in cells.get((char, x + dx, y + dy), ())
            ):
                again.add(i)
            cells.setdefault((char, x, y), []).append((left, bottom))
        return again

    def _map_error(self, i: int) -> bool:
        return bool(self.raw.FPDFText_HasUnicodeMapError(self.handle, i))

    def _font(self, i: int) -> int | None:
        obj = self.raw.FPDFText_GetTextObject(self.handle, i)
        font = self.raw.FPDFTextObj_GetFont(obj) if obj else None
        return ctypes.cast(font, ctypes.c_void_p).value if font else None
