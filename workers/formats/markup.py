"""HTML/XHTML through the stdlib's html.parser (scripts and styles dropped, the title kept as
metadata) and generic XML (the text of every element, one per line)."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from workers.formats.base import Extracted, clean, parse_xml, read
from workers.formats.encoding import decode_html, decode_text

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "ix:header"})
_PARAGRAPH = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre",
    "section", "article", "aside", "header", "footer", "nav", "main", "figure", "form", "hr",
    "address", "details", "fieldset",
})  # fmt: skip
_LINE = frozenset({"div", "li", "tr", "br", "dt", "dd", "caption", "summary", "option", "body"})
_CELL = frozenset({"td", "th"})
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def extract_html(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the visible text of an HTML page and its <title>."""
    text, title = html_to_text(read(path), warnings, path)
    return Extracted(text, meta={"title": title})


def extract_xml(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text content of every element of an XML document, one per line."""
    data = read(path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        # The BOM wins over a declaration that may name another encoding: parse it as UTF-8.
        text = _DECLARATION.sub("", decode_text(data, path, warnings), count=1)
        data = text.encode("utf-8")
    root = parse_xml(data, path)
    lines: list[str] = []
    for element in root.iter():
        for value in (element.text, element.tail if element is not root else None):
            if value and value.strip():
                lines.append(" ".join(value.split()))
    return Extracted("\n".join(lines))


def html_to_text(
    data: bytes | str, warnings: list[str], path: str = "HTML"
) -> tuple[str, str | None]:
    """Return (visible text, title) of an HTML or XHTML document given as bytes (decoded by the
    WHATWG rules) or as text already decoded (a mail part by its declared charset)."""
    parser = _TextParser()
    parser.feed(data if isinstance(data, str) else decode_html(data, path, warnings))
    parser.close()
    return parser.text(), clean(" ".join("".join(parser.title).split()))


class _TextParser(HTMLParser):
    """Collects text outside skipped elements, with line and paragraph breaks for blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.skip: list[str] = []
        self.in_title = False
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skip.append(tag)
        elif tag == "pre":
            self.pre += 1
        self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)  # <br/>, <hr/>; a self-closed <script/> opens nothing

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP:
            # Close the innermost matching element; stray end tags are ignored.
            if tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))

    def _break(self, tag: str) -> None:
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n")
        elif tag in _CELL:
            self.parts.append("\t")

    def text(self) -> str:
        lines = [line.strip(" \t") for line in "".join(self.parts).split("\n")]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()
