"""OpenDocument text, spreadsheets and presentations (odt, ods, odp): content.xml for the text,
meta.xml for the properties; a presentation's draw pages become pages; footnotes, endnotes and
comments (annotations) and pictures' alt text marked, after the paragraph or in the cell that
holds them."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from workers.errors import TaskError
from workers.formats import mathml
from workers.formats.base import Extracted, clean, dublin_core, local, member, open_zip, parse_xml
from workers.formats.structure import Structure, sections_in

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

# tracked-changes holds deleted text; annotation-end marks where a comment's range ends.
_SKIP = frozenset({"tracked-changes", "annotation-end", "sequence-decls", "forms", "scripts"})
_NOTES = frozenset({"annotation", "note"})
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_ALT = frozenset({f"{_SVG}title", f"{_SVG}desc"})  # a frame's alt text, not its content
_MAX_REPEAT = 100  # spreadsheets repeat empty cells and rows a million times


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text of an OpenDocument file, paragraphs and table rows one per line."""
    with open_zip(path, "OpenDocument") as zf:
        content = member(zf, "content.xml", limit)
        if content is None:
            warnings.append("OpenDocument file has no content.xml")
            root = None
        else:
            root = parse_xml(content, "content.xml")
            _formulas_as_text(root, zf, limit, warnings)
    meta = properties(path, limit)
    pages: list[dict[str, Any]] = []
    lines: list[str] = []
    if root is not None:
        slides = [el for el in root.iter() if local(el.tag) == "page"]
        if slides and any(local(el.tag) == "presentation" for el in root.iter()):
            for number, slide in enumerate(slides, 1):
                out: list[str] = []
                _blocks(slide, out)
                pages.append({"number": number, "text": "\n".join(out)})
            meta["page_count"] = len(pages)
            return Extracted("\n\n".join(p["text"] for p in pages), pages, meta)
        body = next((el for el in root if local(el.tag) == "body"), root)
        _blocks(body, lines)
        lines += _form_values(root)
    text = "\n".join(lines)
    structure = Structure(sections_in(text, _headings(root))) if root is not None else None
    return Extracted(text, meta=meta, structure=structure or None)


def _headings(root: Element) -> list[tuple[int, str]]:
    """(outline level, text) of each text:h, in document order; notes inside one left out."""
    found: list[tuple[int, str]] = []
    for heading in root.iter():
        if local(heading.tag) != "h":
            continue
        level = next((v for k, v in heading.attrib.items() if local(k) == "outline-level"), "1")
        words = "".join(_text_outside_notes(heading))
        if words.strip() and level.isdigit():
            found.append((int(level), " ".join(words.split())))
    return found


def _text_outside_notes(element: Element) -> list[str]:
    parts = [element.text or ""]
    for child in element:
        if local(child.tag) not in _NOTES:
            parts += _text_outside_notes(child)
        parts.append(child.tail or "")
    return parts


def _form_values(root: Element) -> list[str]:
    """`[form field NAME: VALUE]` for each filled form control, after the text: a form's answers
    live in office:forms, apart from the paragraphs that show the controls."""
    form = "urn:oasis:names:tc:opendocument:xmlns:form:1.0"
    found: list[str] = []
    for control in root.iter():
        if local(control.tag) == "forms":
            for field in control.iter():
                value = field.get(f"{{{form}}}current-value") or field.get(f"{{{form}}}value")
                name = field.get(f"{{{form}}}name") or "unnamed"
                if value and value.strip() and local(field.tag) not in ("property", "form"):
                    found.append(f"[form field {name}: {' '.join(value.split())}]")
    return found


def properties(path: str, limit: int) -> dict[str, Any]:
    """Title, author, dates and page count from meta.xml."""
    with open_zip(path, "OpenDocument") as zf:
        meta_xml = member(zf, "meta.xml", limit)
    if meta_xml is None:
        return {}
    meta_root = parse_xml(meta_xml, "meta.xml")
    meta = dublin_core(meta_root)
    for element in meta_root.iter():
        if local(element.tag) == "document-statistic":
            count = next((v for k, v in element.attrib.items() if local(k) == "page-count"), "")
            if count.isdecimal():
                meta["page_count"] = int(count)
    return meta


def _blocks(element: Element, out: list[str]) -> None:
    """Append one line per paragraph or heading and per table row, in document order."""
    for child in element:
        tag = local(child.tag)
        if tag in ("p", "h"):
            notes: list[str] = []
            out.append(_inline(child, notes))
            out.extend(notes)
        elif tag in _NOTES:  # a comment on a spreadsheet cell, outside any paragraph
            out.append(_note(child))
        elif tag == "frame":
            if alt := _image_alt(child):
                out.append(alt)
            _blocks(child, out)
        elif tag == "table":
            name = next((v for k, v in child.attrib.items() if local(k) == "name"), None)
            rows: list[str] = []
            _blocks(child, rows)
            if any(rows) and name and _is_spreadsheet(element):
                out.append(name)
            out.extend(row for row in rows if row)
        elif tag == "table-row":
            row = _row(child)
            repeat = min(_repeat(child, "number-rows-repeated"), _MAX_REPEAT)
            out.extend([row] * (repeat if row else 1))
        elif tag not in _SKIP and child.tag not in _ALT:
            _blocks(child, out)


def _formulas_as_text(root: Element, zf: Any, limit: int, warnings: list[str]) -> None:
    """Each formula object (draw:object naming an `Object N` of the package, as LibreOffice
    Math writes them) given its MathML as LaTeX between $ for its text: without this, the
    formulas of a document vanished from its text."""
    for element in root.iter():
        if local(element.tag) != "object" or len(element):
            continue
        href = next((v for k, v in element.attrib.items() if local(k) == "href"), "")
        name = posixpath.normpath(href.removeprefix("./")) + "/content.xml"
        try:
            data = member(zf, name, limit)
        except TaskError as exc:
            warnings.append(f"formula {href}: {exc.message}")
            continue
        if data is None:
            continue
        try:
            formula = parse_xml(data, name)
        except TaskError as exc:
            warnings.append(f"formula {href}: {exc.message}")
            continue
        math = (
            formula
            if local(formula.tag) == "math"
            else next((e for e in formula.iter() if local(e.tag) == "math"), None)
        )
        try:
            tex = mathml.latex(math) if math is not None else ""
        except RecursionError:  # nested deeper than any formula: a crafted file
            warnings.append(f"formula {href}: nested too deep, left out")
            continue
        if tex:
            element.text = f"${tex}$"


def _image_alt(frame: Element) -> str | None:
    """`[image: alt]` for a frame that shows a picture and describes it (svg:desc, else
    svg:title), else None."""
    if not any(local(child.tag) == "image" for child in frame):
        return None
    texts = {child.tag: clean("".join(child.itertext())) for child in frame if child.tag in _ALT}
    alt = texts.get(f"{_SVG}desc") or texts.get(f"{_SVG}title")
    return f"[image: {' '.join(alt.split())}]" if alt else None


def _is_spreadsheet(parent: Element) -> bool:
    return local(parent.tag) == "spreadsheet"


def _row(row: Element) -> str:
    cells: list[str] = []
    for cell in row:
        if local(cell.tag) not in ("table-cell", "covered-table-cell"):
            continue
        lines: list[str] = []
        _blocks(cell, lines)
        text = " ".join(line for line in lines if line)
        cells.extend([text] * min(_repeat(cell, "number-columns-repeated"), _MAX_REPEAT))
    return "\t".join(cells).rstrip()


def _repeat(element: Element, name: str) -> int:
    value = next((v for k, v in element.attrib.items() if local(k) == name), "1")
    return int(value) if value.isdecimal() and int(value) > 0 else 1


def _note(element: Element) -> str:
    """A footnote or endnote as `[footnote 1: text]`, a comment as `[comment by Author: text]`."""
    lines: list[str] = []
    if local(element.tag) == "annotation":
        # dc:creator and dc:date hold no paragraphs, so _blocks reads only the comment's text.
        _blocks(element, lines)
        author = next((clean(e.text) for e in element if local(e.tag) == "creator"), None)
        label = f"comment by {author}" if author else "comment"
    else:
        body = next((e for e in element if local(e.tag) == "note-body"), None)
        _blocks(body if body is not None else element, lines)
        kind = next((v for k, v in element.attrib.items() if local(k) == "note-class"), "")
        citation = next(
            (clean(_inline(e, [])) for e in element if local(e.tag) == "note-citation"), None
        )
        label = " ".join(part for part in (kind or "note", citation) if part)
    return f"[{label}: {' '.join(line.strip() for line in lines if line.strip())}]"


def _inline(element: Element, notes: list[str]) -> str:
    """The text of a paragraph: spans flattened, text:s / tab / line-break expanded; the notes
    and comments it holds are appended to `notes`."""
    parts = [element.text or ""]
    for child in element:
        tag = local(child.tag)
        if tag == "s":
            count = _repeat(child, "c")
            parts.append(" " * min(count, 1000))
        elif tag == "tab":
            parts.append("\t")
        elif tag == "line-break":
            parts.append("\n")
        elif tag in _NOTES:
            notes.append(_note(child))
        elif tag == "frame" and (alt := _image_alt(child)):
            notes.append(alt)  # after the paragraph, as a picture anchored in it
        elif tag not in _SKIP and child.tag not in _ALT:
            parts.append(_inline(child, notes))
        parts.append(child.tail or "")
    return "".join(parts)
