"""Glyphs whose font maps them to no text, read by their names, as pdftotext reads them.

Some producers write a ToUnicode map that gives U+0000 for the glyphs they could not map,
typically TeX's ligatures: a font whose /Differences name code 33 `/ffi` and whose ToUnicode
says `<21> <0000>`. PDFium then reads nothing there ("diculties", "ecient"), and pypdf a NUL.
The glyph's name in the font's encoding still says what it is. For a page where PDFium finds
such characters, the page's fonts are looked at (through pypdf, which has the file open
already): each code their ToUnicode maps to nothing, with a glyph name (Adobe's glyph list,
`uniXXXX`, ligatures expanded: "ﬃ" is "ffi"), and its width. PDFium names a character's font
with or without its subset tag ("CMR10" for "AAAAAN+CMR10"), so fonts are keyed without it;
when one font name has several such codes, the character's advance tells them apart (its
width, from /Widths, nearest within 10%), and a character no code fits stays out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

# Codes a ToUnicode map sends to U+0000: single ones, and ranges starting there.
_NOTHING = re.compile(rb"<([0-9A-Fa-f]{2,4})>\s*(?:<[0-9A-Fa-f]{2,4}>\s*)?<0000>")
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_UNI = re.compile(r"^uni([0-9A-F]{4})$|^u([0-9A-F]{4,6})$")
_WIDTH_SLACK = 0.1

# A font name (without its subset tag) -> (advance in thousandths of an em, text) of each code
# the font's ToUnicode maps to nothing and its encoding names.
Names = dict[str, list[tuple[float, str]]]


def for_reader(reader: Any, errors: tuple[type[Exception], ...]) -> Callable[[int], Names]:
    """The named glyphs of each page (by number, from 1) of the pypdf `reader`, looked up on
    first need; a page whose fonts cannot be read has none."""
    cache: dict[int, Names] = {}

    def names(number: int) -> Names:
        if number not in cache:
            try:
                cache[number] = _page_names(reader.pages[number - 1])
            except errors:
                cache[number] = {}
        return cache[number]

    return names


def font_key(name: str) -> str:
    """A font's name without its subset tag ("AAAAAN+CMR10" is "CMR10"): PDFium gives one
    or the other, depending on the font."""
    return _SUBSET.sub("", name)


def pick(candidates: list[tuple[float, str]], advance: float | None) -> str | None:
    """The text of the code among `candidates` the glyph is: the only one, or the one whose
    width fits `advance` (thousandths of an em) within 10%; None when none fits."""
    if len(candidates) == 1:
        return candidates[0][1]
    if advance is None or advance <= 0:
        return None
    width, text = min(candidates, key=lambda c: abs(c[0] - advance))
    return text if abs(width - advance) <= _WIDTH_SLACK * max(width, 1.0) else None


def _page_names(page: Any) -> Names:
    found: Names = {}
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources is not None else None
    if fonts is None:
        return found
    for ref in fonts.get_object().values():
        font = ref.get_object()
        cmap = font.get("/ToUnicode")
        if cmap is None:
            continue
        codes = [int(m.group(1), 16) for m in _NOTHING.finditer(cmap.get_object().get_data())]
        if not codes:
            continue
        names = _differences(font)
        widths = font.get("/Widths")
        first = int(font.get("/FirstChar", 0))
        base = font_key(str(font.get("/BaseFont", "")).lstrip("/"))
        for code in codes:
            text = glyph_text(names.get(code, ""))
            if not text:
                continue
            width = 0.0
            if widths is not None and 0 <= code - first < len(widths):
                width = float(widths.get_object()[code - first])
            found.setdefault(base, []).append((width, text))
    return found


def _differences(font: Any) -> dict[int, str]:
    encoding: Any = font.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    differences = encoding.get("/Differences") if hasattr(encoding, "get") else None
    if differences is None:
        return {}
    names: dict[int, str] = {}
    code = 0
    for item in differences.get_object():
        item = item.get_object()
        if isinstance(item, int):
            code = item
        else:
            names[code] = str(item).lstrip("/")
            code += 1
    return names


def glyph_text(name: str) -> str:
    """The text a glyph name stands for (Adobe's glyph list, uniXXXX), compatibility forms
    (ligatures) expanded; "" when the name says nothing."""
    if not name or name == ".notdef":
        return ""
    if match := _UNI.match(name):
        text = chr(int(match.group(1) or match.group(2), 16))
    else:
        try:
            from pypdf._codecs.adobe_glyphs import adobe_glyphs
        except ImportError:  # a pypdf without its glyph list: single letters still read
            adobe_glyphs = {}
        text = adobe_glyphs.get(f"/{name}", name if len(name) == 1 else "")
    text = unicodedata.normalize("NFKC", text)
    return text if text.isprintable() and text.strip() else ""
