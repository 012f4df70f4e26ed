"""News feeds read as documents: RSS 2.0 and 0.9x, RSS 1.0 (RDF) and Atom (1.0 and 0.3).

A feed is told by its root element once the XML is parsed (workers.formats.markup reads every
XML document and hands feeds here). Its text is the feed's title and description once, then
each item: its title on a line of its own (a section of the structure, so a chunk never mixes
two items), a byline (author, date, link) and its body, the full content where the feed has it
and the summary only where it has not, since the summary is usually the content cut short.

Item bodies are HTML more often than not (RSS escapes it or wraps it in CDATA, Atom says
`type="html"` or carries XHTML): the caller's `to_text` turns a value into plain text, so this
module knows the feed formats and nothing of HTML.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Literal

from workers.formats.base import PARSER_ERRORS, Extracted, clean, iso, iso_text, local
from workers.formats.structure import Section, Structure

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

# How a value reads: as HTML markup, as plain text, or as HTML only when it looks like HTML.
Reading = Literal["html", "text", "auto"]
ToText = Callable[[str, Reading], str]

ATOM = "http://www.w3.org/2005/Atom"
ATOM_03 = "http://purl.org/atom/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# RSS 2.0 and 0.9x have no namespace (a few RSS 2.0 feeds use UserLand's); RSS 1.0 and 0.90
# put their elements in one.
RSS = ("", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
RSS_USERLAND = "http://backend.userland.com/rss2"
BYLINE_SEPARATOR = " · "


def _names(*names: str, spaces: tuple[str, ...] = (*RSS, RSS_USERLAND)) -> tuple[str, ...]:
    """The ElementTree tags of `names` in each namespace of `spaces`."""
    return tuple(f"{{{space}}}{name}" if space else name for name in names for space in spaces)


_CHANNEL, _ITEM = _names("channel"), _names("item")
_TITLE, _LINK, _DESCRIPTION = _names("title"), _names("link"), _names("description")
_GUID, _LANGUAGE, _GENERATOR = _names("guid"), _names("language"), _names("generator")
_DC_CREATOR, _DC_DATE = (f"{{{DC}}}creator",), (f"{{{DC}}}date",)
_AUTHORS = (_names("author"), _DC_CREATOR, (f"{{{ITUNES}}}author",))  # the first found counts
_CHANNEL_AUTHORS = (_names("managingEditor"), *_AUTHORS)
_ENCODED = (f"{{{CONTENT}}}encoded",)


@dataclass
class Entry:
    """One item or entry, as plain text: each part a single line but the body."""

    title: str = ""
    byline: str = ""
    body: str = ""


@dataclass
class Feed:
    title: str = ""
    description: str = ""
    entries: list[Entry] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def kind_of(root: Element) -> str | None:
    """The feed kind ("rss" or "atom") whose root element `root` is, else None."""
    if root.tag in ("rss", f"{{{RSS_USERLAND}}}rss"):
        return "rss"
    if root.tag == f"{{{RDF}}}RDF" and _first(root, _CHANNEL) is not None:
        return "rss"
    if root.tag in (f"{{{ATOM}}}feed", f"{{{ATOM_03}}}feed"):
        return "atom"
    return None


def read(root: Element, to_text: ToText) -> Extracted | None:
    """The feed whose root element is `root` as a document of kind "rss" or "atom"; None when
    `root` is not a feed's."""
    kind = kind_of(root)
    if kind is None:
        return None
    feed = read_atom(root, to_text) if kind == "atom" else read_rss(root, to_text)
    return document(feed, kind)


def document(feed: Feed, kind: str) -> Extracted:
    """The feed's text, a section for its title (level 0) and one for each entry (level 1)."""
    blocks: list[str] = []
    sections: list[Section] = []
    # A description that only repeats the title (as many blogs' do) is said once.
    description = feed.description if feed.description != feed.title else ""
    head = "\n".join(part for part in (feed.title, description) if part)
    if head:
        blocks.append(head)
        if feed.title:
            sections.append(Section(0, 0, feed.title))
    end = len(head)
    for entry in feed.entries:
        block = "\n".join(part for part in (entry.title, entry.byline, entry.body) if part)
        if not block:
            continue
        start = end + 2 if blocks else 0  # after the blank line that ends the block before
        # An entry without a title starts at its byline, which tells it apart as well.
        if heading := entry.title or entry.byline:
            sections.append(Section(start, 1, heading))
        blocks.append(block)
        end = start + len(block)
    meta = {"title": feed.title or None, **feed.meta}
    structure = Structure(tuple(sections))
    return Extracted("\n\n".join(blocks), meta=meta, kind=kind, structure=structure or None)


def read_rss(root: Element, to_text: ToText) -> Feed:
    """An RSS feed: the channel under the root (RSS 0.9x, 2.0) or beside its items (1.0)."""
    channel = _first(root, _CHANNEL)
    if channel is None:
        return Feed()
    items = [element for element in (*channel, *root) if element.tag in _ITEM]
    published = _date(_first(channel, _names("pubDate")))
    built = _date(_first(channel, _names("lastBuildDate")))
    dated = _date(_first(channel, _DC_DATE))
    language = _line(_first(channel, _LANGUAGE)) or _line(_first(channel, (f"{{{DC}}}language",)))
    meta = {
        "author": _authors(channel, _CHANNEL_AUTHORS) or None,
        "created": published,
        "modified": built or dated or published,
        "language": language or None,
        "producer": _line(_first(channel, _GENERATOR)) or None,
    }
    return Feed(
        title=_oneline(_value(_first(channel, _TITLE), to_text, "auto")),
        description=_value(_first(channel, _DESCRIPTION), to_text, "auto"),
        entries=[_rss_item(item, to_text) for item in items],
        meta=meta,
    )


def _rss_item(item: Element, to_text: ToText) -> Entry:
    date = _line(_first(item, _names("pubDate"))) or _line(_first(item, _DC_DATE))
    link = _line(_first(item, _LINK))
    guid = _first(item, _GUID)
    if not link and guid is not None and guid.get("isPermaLink", "true").strip() != "false":
        link = _line(guid)  # RSS 2.0: a guid is the item's permalink unless it says not
    # content:encoded is the whole article, always HTML; the description is its summary.
    content = _value(_first(item, _ENCODED), to_text, "html")
    return Entry(
        title=_oneline(_value(_first(item, _TITLE), to_text, "auto")),
        byline=_byline(_authors(item, _AUTHORS), date, _url(link)),
        body=content or _value(_first(item, _DESCRIPTION), to_text, "auto"),
    )


def read_atom(root: Element, to_text: ToText) -> Feed:
    """An Atom feed (RFC 4287, and Atom 0.3's names for what it later renamed)."""
    space = root.tag[1 : root.tag.index("}")]

    def tag(*names: str) -> tuple[str, ...]:
        return _names(*names, spaces=(space,))

    updated = _date(_first(root, tag("updated", "modified")))
    meta = {
        "author": _atom_authors(root, tag) or None,
        "modified": updated,
        "language": clean(root.get(XML_LANG)),
        "producer": _line(_first(root, tag("generator"))) or None,
    }
    entries = []
    for entry in root.findall(tag("entry")[0]):
        date = _line(_first(entry, tag("published", "issued", "updated", "modified")))
        entries.append(
            Entry(
                title=_oneline(_atom_text(_first(entry, tag("title")), to_text)),
                byline=_byline(_atom_authors(entry, tag), date, _url(_alternate(entry, tag))),
                body=_atom_text(_first(entry, tag("content")), to_text)
                or _atom_text(_first(entry, tag("summary")), to_text),
            )
        )
    return Feed(
        title=_oneline(_atom_text(_first(root, tag("title")), to_text)),
        description=_atom_text(_first(root, tag("subtitle", "tagline")), to_text),
        entries=entries,
        meta=meta,
    )


def _atom_text(element: Element | None, to_text: ToText) -> str:
    """An Atom text construct or content as plain text, by its `type`: text (the default),
    html (escaped markup), xhtml (markup as elements), or a media type; content given by
    reference (`src`) or as base64 (a media type that is not text) has no text here."""
    if element is None or element.get("src") is not None or element.get("mode") == "base64":
        return ""
    kind = (element.get("type") or "text").strip().lower()
    if len(element):  # xhtml, Atom 0.3's mode="xml", or markup a feed forgot to escape
        return to_text(_markup(element), "html")
    text = element.text or ""
    if "html" in kind:
        return to_text(text, "html")
    if kind == "text" or kind.startswith("text/") or kind.endswith(("/xml", "+xml")):
        return to_text(text, "text")
    return ""


def _atom_authors(parent: Element, tag: Callable[..., tuple[str, ...]]) -> str:
    names = [_line(_first(author, tag("name"))) for author in parent.findall(tag("author")[0])]
    return ", ".join(dict.fromkeys(name for name in names if name))


def _alternate(entry: Element, tag: Callable[..., tuple[str, ...]]) -> str:
    """The entry's link to its page: rel="alternate" (the default), an HTML one first."""
    links = [
        link
        for link in entry.findall(tag("link")[0])
        if link.get("rel", "alternate").strip() == "alternate" and link.get("href")
    ]
    links.sort(key=lambda link: "html" not in (link.get("type") or "text/html"))
    return (links[0].get("href") or "").strip() if links else ""


def _first(parent: Element, tags: tuple[str, ...]) -> Element | None:
    """The first child of `parent` with one of `tags`, in the order of `tags`."""
    for tag in tags:
        if (found := parent.find(tag)) is not None:
            return found
    return None


def _value(element: Element | None, to_text: ToText, reading: Reading) -> str:
    if element is None:
        return ""
    if len(element):  # markup written as elements rather than escaped
        return to_text(_markup(element), "html")
    return to_text(element.text or "", reading) if (element.text or "").strip() else ""


def _line(element: Element | None) -> str:
    """An element's text on one line (a date, a name, a URL)."""
    return "" if element is None else " ".join("".join(element.itertext()).split())


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _authors(parent: Element, groups: tuple[tuple[str, ...], ...]) -> str:
    """The names in the first group of tags `parent` has (an item may have several
    dc:creator), joined."""
    for tags in groups:
        names = [_line(element) for tag in tags for element in parent.findall(tag)]
        if found := ", ".join(dict.fromkeys(name for name in names if name)):
            return found
    return ""


def _byline(author: str, date: str, link: str) -> str:
    return BYLINE_SEPARATOR.join(part for part in (author and f"By {author}", date, link) if part)


def _url(link: str) -> str:
    """A link worth citing: a web address, not a tag: URI or an opaque id."""
    return link if link.startswith(("http://", "https://")) and " " not in link else ""


def _date(element: Element | None) -> str | None:
    """An RFC 822 date (RSS) or an ISO 8601 one (Atom, Dublin Core) as ISO 8601 UTC."""
    text = _line(element)
    if not text:
        return None
    try:
        return iso(email.utils.parsedate_to_datetime(text))
    except PARSER_ERRORS:
        return iso_text(text)


def _markup(element: Element) -> str:
    """The markup inside `element` as HTML source: tags without their namespaces, text and
    attribute values escaped. A loop, not recursion, however deep the elements nest."""
    parts = [escape(element.text or "", quote=False)]
    stack = [(iter(element), "", "")]  # (children left, tag to close, text after it)
    while stack:
        child = next(stack[-1][0], None)
        if child is None:
            _, name, tail = stack.pop()
            parts.append((f"</{name}>" if name else "") + escape(tail, quote=False))
            continue
        name = local(child.tag)
        if name:
            attrs = "".join(f' {local(k)}="{escape(v)}"' for k, v in child.attrib.items())
            parts.append(f"<{name}{attrs}>{escape(child.text or '', quote=False)}")
        stack.append((iter(child), name, child.tail or ""))
    return "".join(parts)
