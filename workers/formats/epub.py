"""EPUB: the OPF package names the reading order (spine); each XHTML item becomes text."""

from __future__ import annotations

import posixpath
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import Extracted, dublin_core, local, member, open_zip, parse_xml
from workers.formats.markup import html_to_text

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
                meta = dublin_core(element)
            elif tag == "manifest":
                for item in element:
                    href = posixpath.normpath(posixpath.join(folder, item.get("href", "")))
                    manifest[item.get("id", "")] = (href, item.get("media-type", ""))
            elif tag == "spine":
                spine = [ref.get("idref", "") for ref in element if local(ref.tag) == "itemref"]
        parts: list[str] = []
        for idref in spine:
            href, media_type = manifest.get(idref, ("", ""))
            if media_type not in _XHTML_TYPES:
                continue
            data = member(zf, _unquote(href), limit)
            if data is None:
                warnings.append(f"spine item {href} is missing")
                continue
            text, _title = html_to_text(data, warnings)
            if text.strip():
                parts.append(text.strip())
    return Extracted("\n\n".join(parts), meta=meta)


def _unquote(href: str) -> str:
    from urllib.parse import unquote

    return unquote(href.split("#", 1)[0])
