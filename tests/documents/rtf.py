"""RTF written at test time: a font table, the \\info group, paragraphs, a table row, and text
outside ASCII both as code page bytes (\\'hh) and as \\uN with a fallback character."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def escape(text: str) -> str:
    """`text` as RTF: cp1252 characters as \\'hh, the rest (of the Basic Multilingual Plane:
    \\uN is 16 bits) as \\uN followed by a "?" fallback."""
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif ord(char) < 128:
            out.append(char)
        else:
            try:
                out.append(f"\\'{char.encode('cp1252')[0]:02x}")
            except UnicodeEncodeError:
                code = ord(char)
                assert code <= 0xFFFF, f"{char!r} is outside the Basic Multilingual Plane"
                out.append(f"\\u{code - 65536 if code > 32767 else code}?")
    return "".join(out)


def write_rtf(
    path: Path,
    paragraphs: Sequence[str],
    *,
    table: Sequence[Sequence[str]] = (),
    title: str = "",
    author: str = "",
) -> Path:
    """An RTF document of `paragraphs`, then `table` row by row, with title and author."""
    info = ""
    if title or author:
        info = "{\\info{\\title " + escape(title) + "}{\\author " + escape(author) + "}}"
    body = "".join("{\\pard " + escape(p) + "\\par}\n" for p in paragraphs)
    for row in table:
        cells = "".join(f"\\cellx{2000 * (n + 1)}" for n in range(len(row)))
        body += "\\trowd" + cells + "".join("\\pard\\intbl " + escape(c) + "\\cell" for c in row)
        body += "\\row\n"
    header = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}"
    header += "{\\colortbl;\\red255\\green0\\blue0;}\n"
    path.write_bytes((header + info + "\n" + body + "}").encode("ascii"))
    return path
