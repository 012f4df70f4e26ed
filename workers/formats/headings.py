"""Headings (and Markdown pipe tables) of plain-text markup, found in the decoded text: the
structure (workers.formats.structure) of Markdown, reStructuredText and Org documents.

- Markdown: ATX headings (`## Title`), setext headings (a line over `===` or `---`), pipe
  tables (a header row, a `|---|` delimiter row, body rows); nothing inside fenced code.
- reStructuredText: a title line under (and optionally over) a line of one repeated
  punctuation character at least as long; levels in the order the styles first appear.
- Org: `*` stars at the start of a line, one per level; trailing `:tags:` dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from workers.formats.structure import Section, Structure, Table

# Plain patterns, and the titles cleaned in code: a lazy `(.+?)` before optional endings
# backtracks in quadratic time over a long line of spaces.
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_RST_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}[ \t]*$")
_ORG = re.compile(r"^(\*+)[ \t]+(.*)$")
_ORG_TAGS = re.compile(r"[ \t]:[\w@#%:]{1,200}:$")


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line without its end) of each line of `text`."""
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        out.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    return out


def markdown(text: str) -> Structure:
    sections: list[Section] = []
    tables: list[Table] = []
    lines = _lines(text)
    fence: str | None = None
    k = 0
    while k < len(lines):
        offset, line = lines[k]
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            k += 1
            continue
        if opened:
            fence = opened.group(1)
        elif (match := _ATX.match(line)) and (title := _atx_title(match.group(2))):
            sections.append(Section(offset, len(match.group(1)), title))
        elif (
            k + 1 < len(lines)
            and line.strip()
            and not line.lstrip().startswith(("|", ">", "-", "*", "+"))
            and (under := _SETEXT.match(lines[k + 1][1]))
        ):
            sections.append(Section(offset, 1 if under.group(1)[0] == "=" else 2, line.strip()))
            k += 2
            continue
        elif "|" in line and k + 1 < len(lines) and _DELIMITER.match(lines[k + 1][1]):
            end = k + 2
            while end < len(lines) and "|" in lines[end][1] and lines[end][1].strip():
                end += 1
            rows = [_pipe_cells(lines[i][1]) for i in (k, *range(k + 2, end))]
            last_offset, last_line = lines[end - 1]
            tables.append(Table(offset, last_offset + len(last_line), tuple(rows)))
            k = end
            continue
        k += 1
    return Structure(tuple(sections), tuple(tables))


def _atx_title(rest: str) -> str:
    """An ATX heading's title without its optional closing run of `#`."""
    title = rest.strip()
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):
        title = bare.strip()
    return title


def _pipe_cells(line: str) -> tuple[str, ...]:
    body = line.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return tuple(cell.strip().replace("\\|", "|") for cell in cells)


def rst(text: str) -> Structure:
    sections: list[Section] = []
    styles: list[tuple[str, bool]] = []  # (character, overlined) in order of first use
    lines = _lines(text)
    k = 0
    while k + 1 < len(lines):
        offset, line = lines[k]
        over = _RST_ADORNMENT.match(line)
        # Overline, title, underline: the title's line is the one after an adornment.
        if over and k + 2 < len(lines):
            title, under = lines[k + 1][1], _RST_ADORNMENT.match(lines[k + 2][1])
            if (
                under
                and under.group(1) == over.group(1)
                and title.strip()
                and len(line) >= len(title.strip())
            ):
                sections.append(
                    Section(offset, _level(styles, (over.group(1), True)), title.strip())
                )
                k += 3
                continue
        under = _RST_ADORNMENT.match(lines[k + 1][1])
        if (
            line.strip()
            and not over
            and not line.startswith((" ", "\t"))
            and under
            and len(lines[k + 1][1].rstrip()) >= len(line.rstrip())
            and (k == 0 or not lines[k - 1][1].strip())
        ):
            sections.append(Section(offset, _level(styles, (under.group(1), False)), line.strip()))
            k += 2
            continue
        k += 1
    return Structure(tuple(sections))


def _level(styles: list[tuple[str, bool]], style: tuple[str, bool]) -> int:
    if style not in styles:
        styles.append(style)
    return styles.index(style) + 1


def org(text: str) -> Structure:
    sections = []
    for offset, line in _lines(text):
        if match := _ORG.match(line):
            title = match.group(2).rstrip()
            head, tail = title[:-250], title[-250:]  # tags end the line: look at its end only
            title = (head + _ORG_TAGS.sub("", tail)).strip()
            if title:
                sections.append(Section(offset, len(match.group(1)), title))
    return Structure(tuple(sections))


# A notebook's text (workers.formats.notebook) is Markdown: its code and outputs are fenced.
SCANNERS: dict[str, Callable[[str], Structure]] = {
    "md": markdown, "ipynb": markdown, "rst": rst, "org": org,
}  # fmt: skip


def scan(kind: str, text: str) -> Structure | None:
    """The structure of a text document of `kind` (md, ipynb, rst, org), None for other kinds."""
    scanner = SCANNERS.get(kind)
    return scanner(text) if scanner is not None else None
