"""LaTeX sources (.tex): the document's body as written, its sectioning commands as sections.

A paper's source is its most faithful text, markup and all: language models and retrievers
read `\\emph{...}` and `$x^2$` well, and a LaTeX-to-text conversion loses more (equations,
references) than the markup costs. So the text is the body between `\\begin{document}` and
`\\end{document}` (the whole file when it has neither, as an \\input chapter), without the
comments (`%` to the end of a line, `\\%` kept), the lines left empty by them, or the lines
that only lay the page out (`\\maketitle`, `\\newpage`...). `\\part`,
`\\chapter`, `\\section` to `\\paragraph` start sections, their titles without commands;
`\\title` and `\\author` of the preamble go to the metadata.
"""

from __future__ import annotations

import re

from workers.formats.base import Extracted, read
from workers.formats.encoding import decode_text
from workers.formats.structure import Section, Structure

_LEVELS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
           "paragraph": 5}  # fmt: skip
_HEADING = re.compile(
    r"^[ \t]*\\(part|chapter|section|subsection|subsubsection|paragraph)\*?"
    r"(?:\[[^\]\n]*\])?\{",
    re.MULTILINE,
)
_COMMENT = re.compile(r"(?<!\\)%.*")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?(?:\[[^\]\n]*\])?|[{}~]")
_BEGIN, _END = "\\begin{document}", "\\end{document}"
# Commands that lay the page out and say nothing, on a line of their own: left out.
_LAYOUT = frozenset(
    f"\\{name}"
    for name in (
        "maketitle", "tableofcontents", "listoffigures", "listoftables", "newpage",
        "clearpage", "cleardoublepage", "bigskip", "medskip", "smallskip", "vfill", "noindent",
        "centering", "appendix", "printbibliography",
    )
)  # fmt: skip


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the body of the LaTeX source at `path`, its sections, its title and authors."""
    source = decode_text(read(path), path, warnings)
    start = source.find(_BEGIN)
    preamble = source[:start] if start >= 0 else ""
    body = source[start + len(_BEGIN) :] if start >= 0 else source
    end = body.find(_END)
    body = body[:end] if end >= 0 else body
    lines = []
    for line in body.split("\n"):
        kept = _COMMENT.sub("", line).rstrip()
        if kept.strip() in _LAYOUT:
            continue
        if kept or not line.strip():
            lines.append(kept)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    sections = tuple(
        Section(m.start(), _LEVELS[m.group(1)], title)
        for m in _HEADING.finditer(text)
        if (title := _plain(_argument(text, m.end())))
    )
    meta = {"title": _command(preamble + text, "title"), "author": _command(preamble, "author")}
    return Extracted(text, meta=meta, structure=Structure(sections) or None)


def _command(source: str, name: str) -> str | None:
    """The argument of the first `\\name{...}` of `source`, as plain text."""
    source = "\n".join(_COMMENT.sub("", line) for line in source.split("\n"))
    match = re.search(rf"\\{name}(?:\[[^\]\n]*\])?\{{", source)
    if match is None:
        return None
    names = re.split(r"\\and\b", _argument(source, match.end()))  # authors: "A \and B"
    return ", ".join(name for name in map(_plain, names) if name) or None


def _argument(source: str, start: int) -> str:
    """The text from `start` (just after an opening brace) to its closing brace."""
    depth = 1
    for i in range(start, min(len(source), start + 2000)):
        char = source[i]
        if char == "{" and source[i - 1] != "\\":
            depth += 1
        elif char == "}" and source[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return source[start:i]
    return ""


def _plain(title: str) -> str:
    """A title without its commands and braces: "The \\emph{big} idea" is "The big idea"."""
    return " ".join(_COMMAND.sub(" ", title.replace("\\\\", " ")).split())
