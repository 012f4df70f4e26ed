"""PPTX read straight from the OOXML zip: slides in presentation order (one page per slide;
shapes, groups, tables row by row, charts, SmartArt and pictures' alt text in the slide's order,
then its comments and the speaker's notes), core properties; and what every OOXML package
shares (parts, relationships, drawings, properties), used by XLSX and DOCX too."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workers.formats import omml
from workers.formats.base import Extracted, clean, dublin_core, local, member, open_zip, parse_xml
from workers.formats.charts import graphic_part
from workers.formats.comments import slide_authors, slide_comments
from workers.formats.structure import Structure, sections_in

if TYPE_CHECKING:
    import zipfile
    from xml.etree.ElementTree import Element

R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_R_DM = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}dm"


def extract_pptx(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text of each slide as a page, in the order the presentation shows them."""
    with open_zip(path, "PPTX") as zf:
        root = part_xml(zf, "ppt/presentation.xml", limit)
        rels = part_rels(zf, "ppt/presentation.xml", limit)
        pages: list[dict[str, Any]] = []
        titles: list[tuple[int, str]] = []  # each slide's title: a section of its own
        authors = slide_authors(zf, limit)
        for slide_id in root.iter() if root is not None else ():
            if local(slide_id.tag) != "sldId":
                continue
            target = rels.get(slide_id.get(R_ID, ""))
            slide = part_xml(zf, target, limit) if target else None
            if slide is None or target is None:
                warnings.append(f"slide {len(pages) + 1}: part {target} is missing")
                continue
            lines: list[str] = []
            _drawing_blocks(slide, lines, _graphics(zf, target, limit, warnings))
            if title := _slide_title(slide):
                titles.append((1, title))
            for comments in related(zf, target, "comments", limit):
                lines.extend(slide_comments(comments, authors))
            page: dict[str, Any] = {"number": len(pages) + 1, "text": "\n".join(lines)}
            if notes := _notes(zf, target, limit):
                page["notes"] = notes
                page["text"] = f"{page['text']}\n\n{notes}" if page["text"] else notes
            pages.append(page)
        meta = package_properties(zf, limit)
    meta["page_count"] = len(pages)
    text = "\n\n".join(page["text"] for page in pages)
    structure = Structure(sections_in(text, titles))
    return Extracted(text, pages, meta, structure=structure or None)


def _slide_title(slide: Element) -> str | None:
    """The text of the slide's title placeholder (type title or ctrTitle), if it has one."""
    for shape in slide.iter():
        if local(shape.tag) != "sp":
            continue
        placeholder = next((e for e in shape.iter() if local(e.tag) == "ph"), None)
        if placeholder is not None and placeholder.get("type") in ("title", "ctrTitle"):
            paragraphs = [e for e in shape.iter() if local(e.tag) == "p"]
            title = "\n".join(_paragraph(p) for p in paragraphs).strip()
            return title or None
    return None


def properties(path: str, limit: int) -> dict[str, Any]:
    """The core and app properties of an OOXML file, without reading its content."""
    with open_zip(path, "OOXML") as zf:
        return package_properties(zf, limit)


def part_xml(zf: zipfile.ZipFile, name: str, limit: int) -> Element | None:
    data = member(zf, name, limit)
    return None if data is None else parse_xml(data, name)


def part_rels(zf: zipfile.ZipFile, part: str, limit: int) -> dict[str, str]:
    """Map relationship ids of `part` to the zip member names they point at."""
    return {rel_id: target for rel_id, _, target in _relationships(zf, part, limit)}


def _relationships(zf: zipfile.ZipFile, part: str, limit: int) -> list[tuple[str, str, str]]:
    """The internal relationships of `part`: (id, type's last word, zip member name)."""
    folder, name = posixpath.split(part)
    root = part_xml(zf, posixpath.join(folder, "_rels", f"{name}.rels"), limit)
    out = []
    for rel in root if root is not None else ():
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        out.append((rel.get("Id", ""), kind, posixpath.normpath(joined)))
    return out


def _notes(zf: zipfile.ZipFile, slide: str, limit: int) -> str:
    """The speaker's notes of a slide: the text of its notes page's body placeholder only (the
    page also holds the slide's picture and its number)."""
    rels = _relationships(zf, slide, limit)
    target = next((member for _, kind, member in rels if kind == "notesSlide"), "")
    notes = part_xml(zf, target, limit) if target else None
    lines: list[str] = []
    for shape in notes.iter() if notes is not None else ():
        if local(shape.tag) != "sp":
            continue
        placeholder = next((e for e in shape.iter() if local(e.tag) == "ph"), None)
        if placeholder is not None and placeholder.get("type") == "body":
            _drawing_blocks(shape, lines)
    return "\n".join(line for line in lines if line.strip())


def related(zf: zipfile.ZipFile, part: str, kind: str, limit: int) -> list[Element]:
    """The parts of relationship type `kind` (its last word) that `part` has, parsed."""
    found = (part_xml(zf, name, limit) for _, rel_kind, name in _relationships(zf, part, limit)
             if rel_kind == kind)  # fmt: skip
    return [root for root in found if root is not None]


def drawings(zf: zipfile.ZipFile, sheet: str, limit: int, warnings: list[str]) -> list[str]:
    """The lines of the drawings over a sheet (its charts, shapes and pictures), in order."""
    lines: list[str] = []
    for _, kind, name in _relationships(zf, sheet, limit):
        drawing = part_xml(zf, name, limit) if kind == "drawing" else None
        if drawing is not None:
            _drawing_blocks(drawing, lines, _graphics(zf, name, limit, warnings))
    return [line for line in lines if line.strip()]


def _graphics(
    zf: zipfile.ZipFile, part: str, limit: int, warnings: list[str]
) -> Callable[[str], list[str]]:
    """A reader of the charts and diagrams `part` refers to, by relationship id."""
    rels = part_rels(zf, part, limit)

    def graphic(rel_id: str) -> list[str]:
        name = rels.get(rel_id)
        return graphic_part(zf, name, limit, warnings) if name else []

    return graphic


def package_properties(zf: zipfile.ZipFile, limit: int) -> dict[str, Any]:
    """Title, author, dates from docProps/core.xml; the producing application from app.xml."""
    core = part_xml(zf, "docProps/core.xml", limit)
    meta = dublin_core(core) if core is not None else {}
    meta.pop("producer", None)
    app = part_xml(zf, "docProps/app.xml", limit)
    if app is not None:
        for element in app:
            if local(element.tag) == "Application":
                meta["producer"] = clean(element.text)
    return meta


def _drawing_blocks(
    element: Element, out: list[str], graphic: Callable[[str], list[str]] | None = None
) -> None:
    """Append one line per DrawingML paragraph and per table row, a picture's alt text and a
    chart's or diagram's lines (read by `graphic` from its relationship id), in document order;
    groups are walked like the slide."""
    for child in element:
        tag = local(child.tag)
        if tag == "p":
            out.append(_paragraph(child))
        elif tag == "tr":
            cells = []
            for cell in child:
                lines: list[str] = []
                _drawing_blocks(cell, lines, graphic)
                cells.append(" ".join(line for line in lines if line))
            out.append("\t".join(cells))
        elif tag == "pic":
            names = next((e for e in child.iter() if local(e.tag) == "cNvPr"), None)
            alt = alt_text(names)
            if alt:
                out.append(f"[image: {' '.join(alt.split())}]")
        elif tag == "chart" and graphic is not None:  # c:chart in a graphic frame
            out.extend(graphic(child.get(R_ID, "")))
        elif tag == "relIds" and graphic is not None:  # a SmartArt diagram: its data model
            out.extend(graphic(child.get(_R_DM, "")))
        elif tag == "AlternateContent":
            # Choice and Fallback hold the same content twice: read one.
            if len(child):
                _drawing_blocks(child[0], out, graphic)
        else:
            _drawing_blocks(child, out, graphic)


def _paragraph(paragraph: Element) -> str:
    """A paragraph's text; an equation in it (PowerPoint's a14:m, Office Math) as LaTeX between
    $ (workers.formats.omml), not its letters run together."""
    parts: list[str] = []

    def visit(element: Element) -> None:
        for child in element:
            if child.tag in (omml.MATH, omml.MATH_PARA):
                parts.append(f"${omml.latex(child)}$")
                continue
            tag = local(child.tag)
            if tag == "t":
                parts.append(child.text or "")
            elif tag == "br":
                parts.append("\n")
            elif tag == "tab":
                parts.append("\t")
            elif tag == "AlternateContent":  # Choice and Fallback say the same thing twice
                if len(child):
                    visit(child[0])
                continue
            visit(child)

    visit(paragraph)
    return "".join(parts)


def alt_text(names: Any) -> str | None:
    """A picture's alt text (cNvPr/docPr descr), unless it only repeats the shape's name
    ("Picture 1"), which Office writes there when no one described the picture."""
    if names is None:
        return None
    alt = clean(names.get("descr"))
    return alt if alt and alt != clean(names.get("name")) else None
