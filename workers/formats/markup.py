"""HTML/XHTML through the stdlib's html.parser (scripts and styles dropped, the title kept as
metadata), and XML: news feeds (workers.formats.feed), else the text of every element, one per
line, a value that is HTML markup read as HTML."""

from __future__ import annotations

import codecs
import html
import re
from html.parser import HTMLParser

from workers.formats import feed
from workers.formats.base import Extracted, clean, parse_xml, read
from workers.formats.encoding import decode_html, decode_text
from workers.formats.structure import Structure, sections_in
from workers.formats.webpage import visible_html

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "ix:header"})
_PARAGRAPH = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre",
    "section", "article", "aside", "header", "footer", "nav", "main", "figure", "form", "hr",
    "address", "details", "fieldset",
})  # fmt: skip
_LINE = frozenset({"div", "li", "tr", "br", "dt", "dd", "caption", "summary", "option", "body"})
_CELL = frozenset({"td", "th"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_AROUND_TAB = re.compile(r" *\t *")
# An XML value is HTML when it holds an HTML element's end tag or a <br>, <hr>, <img> or <p>
# (escaped or in CDATA, the parser has made them "<" again); HTML names only, so a value that
# quotes some other XML, or says "a < b", stays as it is.
_HTML_NAMES = (
    "a|abbr|article|aside|b|blockquote|body|caption|center|cite|code|dd|del|div|dl|dt|em|"
    "figcaption|figure|font|footer|h[1-6]|head|header|html|i|iframe|ins|li|main|mark|nav|ol|p|"
    "picture|pre|q|s|section|small|span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|"
    "title|tr|tt|u|ul|video"
)
_HTML_VALUE = re.compile(rf"</(?:{_HTML_NAMES})\s*>|<(?:br|hr|img|p)\b[^<>]*>", re.IGNORECASE)
_REFERENCE = re.compile(r"&(?:[a-z][a-z0-9]*|#[0-9]+|#x[0-9a-f]+);", re.IGNORECASE)


def extract_html(
    path: str, warnings: list[str], limit: int, *, main_content: bool = True
) -> Extracted:
    """Return the visible text of an HTML page (only its main content with `main_content`:
    no navigation, sidebars or footers) and its <title>."""
    text, title, headings = html_document(read(path), warnings, path, main_content=main_content)
    structure = Structure(sections_in(text, headings))
    return Extracted(text, meta={"title": title}, structure=structure or None)


def extract_xml(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return a news feed as workers.formats.feed reads it; any other XML document as the text
    of every element, one per line (a value that is HTML markup as the text it shows)."""
    data = read(path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        # The BOM wins over a declaration that may name another encoding: parse it as UTF-8.
        text = _DECLARATION.sub("", decode_text(data, path, warnings), count=1)
        data = text.encode("utf-8")
    root = parse_xml(data, path)
    found = feed.read(root, lambda value, reading: value_text(value, reading, warnings, path))
    if found is not None:
        return found
    lines: list[str] = []
    for element in root.iter():
        for value in (element.text, element.tail if element is not root else None):
            if not value or not value.strip():
                continue
            if looks_like_html(value):
                text = html_to_text(value, warnings, path)[0]
                lines.extend(line for line in text.split("\n") if line.strip())
            else:
                lines.append(" ".join(value.split()))
    return Extracted("\n".join(lines))


def looks_like_html(value: str) -> bool:
    """Whether a text value (of an XML element, say) is HTML markup."""
    return bool(_HTML_VALUE.search(value))


def value_text(value: str, reading: feed.Reading, warnings: list[str], path: str) -> str:
    """A value as plain text: read as HTML ("html", or "auto" when it looks like HTML), else
    its lines with their runs of white space made one space, and no more than one blank line
    in a row; "auto" also decodes the character references of escaped text (&#8230;)."""
    if reading == "html" or (reading == "auto" and looks_like_html(value)):
        return html_to_text(value, warnings, path)[0]
    if reading == "auto" and _REFERENCE.search(value):
        value = html.unescape(value)
    lines = [" ".join(line.split()) for line in value.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(
    data: bytes | str, warnings: list[str], path: str = "HTML", *, main_content: bool = False
) -> tuple[str, str | None]:
    """Return (visible text, title) of an HTML or XHTML document given as bytes (decoded by the
    WHATWG rules) or as text already decoded (a mail part by its declared charset). Hidden
    elements are dropped; with `main_content`, so is everything around the main content."""
    text, title, _ = html_document(data, warnings, path, main_content=main_content)
    return text, title


def html_document(
    data: bytes | str, warnings: list[str], path: str = "HTML", *, main_content: bool = False
) -> tuple[str, str | None, list[tuple[int, str]]]:
    """html_to_text's text and title, and the page's headings (h1-h6) as (level, title)."""
    markup = data if isinstance(data, str) else decode_html(data, path, warnings)
    markup, title = visible_html(markup, main_content, warnings)
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    title = clean(" ".join((title or "".join(parser.title)).split()))
    return parser.text(), title, parser.headings


class _TextParser(HTMLParser):
    """Collects text outside skipped elements, with line and paragraph breaks for blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.skip: list[str] = []
        self.in_title = False
        self.pre = 0
        self.cells = 0  # cells begun in the current table row
        self.tables = 0  # tables open
        self.open_cells = 0  # cells open
        self.headings: list[tuple[int, str]] = []  # (level, title) of each h1-h6, in order
        self._heading: tuple[int, list[str]] | None = None  # the one being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HEADINGS and not self.skip:
            self._heading = (int(tag[1]), [])
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skip.append(tag)
        elif tag == "pre":
            self.pre += 1
        elif tag == "table":
            self.tables += 1
        elif tag in _CELL:
            self.open_cells += 1
        self._break(tag, start=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)  # <br/>, <hr/>; a self-closed <script/> opens nothing

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS and self._heading is not None:
            level, parts = self._heading
            title = " ".join("".join(parts).split())
            if title:
                self.headings.append((level, title))
            self._heading = None
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP:
            # Close the innermost matching element; stray end tags are ignored.
            if tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag == "table":
            self.tables = max(0, self.tables - 1)
        elif tag in _CELL:
            self.open_cells = max(0, self.open_cells - 1)
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif self.tables and not self.open_cells and not data.strip():
            pass  # the layout between rows and cells, which would make blank lines
        elif not self.skip:
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))
            if self._heading is not None:
                self._heading[1].append(data)

    def _break(self, tag: str, start: bool = False) -> None:
        if self.open_cells and tag not in _CELL and tag not in ("tr", "table"):
            if tag in _PARAGRAPH or tag in _LINE:
                self.parts.append(" ")  # a cell stays on its row's line
            return
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag == "tr":
            if start:  # a row ends where the next begins, or the table does
                self.parts.append("\n")
                self.cells = 0
        elif tag in _LINE:
            self.parts.append("\n")
        elif tag in _CELL and start:
            # One tab between two cells of a row, none before the first or after the last.
            if self.cells:
                self.parts.append("\t")
            self.cells += 1

    def text(self) -> str:
        lines = [
            _AROUND_TAB.sub("\t", line).strip(" ").rstrip("\t")
            for line in "".join(self.parts).split("\n")
        ]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()
