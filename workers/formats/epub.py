"""EPUB: the OPF package names the reading order (spine); each XHTML item becomes text; its
metadata gives the title, authors, description, language and dates (EPUB 2 and 3)."""

from __future__ import annotations

import html
import posixpath
import re
from typing import TYPE_CHECKING, Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import (
    Extracted,
    clean,
    dublin_core,
    iso_text,
    local,
    member,
    open_zip,
    parse_xml,
)
from workers.formats.markup import html_document
from workers.formats.structure import Structure, sections_in

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml"})


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text of the spine's documents in reading order, with the OPF metadata."""
    with open_zip(path, "EPUB") as zf:
        container = member(zf, "META-INF/container.xml", limit)
        if container is None:
            raise TaskError(ErrorType.MALFORMED, "EPUB without META-INF/container.xml")
        opf_path = next(
            (
                el.get("full-path", "")
                for el in parse_xml(container, "container.xml").iter()
                if local(el.tag) == "rootfile"
            ),
            "",
        )
        opf = member(zf, opf_path, limit) if opf_path else None
        if opf is None:
            raise TaskError(ErrorType.MALFORMED, f"EPUB package document {opf_path!r} is missing")
        package = parse_xml(opf, opf_path)
        folder = posixpath.dirname(opf_path)
        manifest: dict[str, tuple[str, str]] = {}
        spine: list[str] = []
        meta: dict[str, Any] = {}
        for element in package:
            tag = local(element.tag)
            if tag == "metadata":
                meta = _metadata(element)
            elif tag == "manifest":
                for item in element:
                    href = posixpath.normpath(posixpath.join(folder, item.get("href", "")))
                    manifest[item.get("id", "")] = (href, item.get("media-type", ""))
            elif tag == "spine":
                spine = [ref.get("idref", "") for ref in element if local(ref.tag) == "itemref"]
        parts: list[str] = []
        headings: list[tuple[int, str]] = []  # each chapter's, in reading order
        for idref in spine:
            href, media_type = manifest.get(idref, ("", ""))
            if media_type not in _XHTML_TYPES:
                continue
            data = member(zf, _unquote(href), limit)
            if data is None:
                warnings.append(f"spine item {href} is missing")
                continue
            text, _title, found = html_document(data, warnings)
            if text.strip():
                parts.append(text.strip())
                headings += found
    text = "\n\n".join(parts)
    structure = Structure(sections_in(text, headings))
    return Extracted(text, meta=meta, structure=structure or None)


def _metadata(element: Element) -> dict[str, Any]:
    """Title, authors, description, language, subjects and dates of the OPF `metadata`.

    EPUB 3 gives a creator's role and a title's type in <meta refines="#id" property=...>,
    EPUB 2 in opf:role attributes; contributors (illustrators, editors) are not authors."""
    refined: dict[tuple[str, str], str] = {}
    for refinement in element.iter():
        target = refinement.get("refines", "")
        if local(refinement.tag) == "meta" and target.startswith("#"):
            key = (target[1:], refinement.get("property", ""))
            refined[key] = (refinement.text or "").strip()
    values: dict[str, list[tuple[str, Element]]] = {}
    for child in element.iter():
        text = clean("".join(child.itertext()))
        if text is not None:
            values.setdefault(local(child.tag), []).append((text, child))

    def role(child: Element) -> str:
        attribute = next((v for k, v in child.attrib.items() if local(k) == "role"), "")
        return refined.get((child.get("id", ""), "role"), attribute)

    titles = values.get("title", [])
    main = [
        text for text, child in titles if refined.get((child.get("id", ""), "title-type")) == "main"
    ]
    authors = [text for text, child in values.get("creator", []) if role(child) in ("", "aut")]
    description = next((text for text, _ in values.get("description", [])), None)
    meta = dublin_core(element)  # keywords and the rest, as other packaged formats read them
    meta |= {
        "title": next(iter(main or [text for text, _ in titles]), None),
        "author": "; ".join(dict.fromkeys(authors)) or None,
        "description": _plain(description) if description else None,
        "language": next((text for text, _ in values.get("language", [])), None),
        "subject": "; ".join(dict.fromkeys(text for text, _ in values.get("subject", []))) or None,
    }
    # dc:date is when the book was published; EPUB 3 keeps the last change in dcterms:modified.
    published = [
        text for text, child in values.get("date", []) if _event(child) in ("", "publication")
    ]
    modified = [
        text
        for text, child in values.get("meta", [])
        if child.get("property") == "dcterms:modified"
    ]
    meta["created"] = iso_text(published[0]) if published else meta.get("created")
    meta["modified"] = iso_text(modified[0]) if modified else None
    return meta


def _event(child: Element) -> str:
    return next((v for k, v in child.attrib.items() if local(k) == "event"), "")


def _plain(description: str) -> str:
    """A description as text: publishers often put escaped HTML in it."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", description)).split())


def _unquote(href: str) -> str:
    from urllib.parse import unquote

    return unquote(href.split("#", 1)[0])
