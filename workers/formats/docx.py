"""DOCX through python-docx's XML tree: body paragraphs, tables and text boxes in document
order, headers and footers, footnotes, endnotes and comments after the paragraph that refers to
them, charts from their cached values, SmartArt text, pictures' alt text, legacy form fields,
tracked changes as accepted (insertions kept, deletions dropped), core and extended
properties."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats import docx_structure, omml
from workers.formats.base import PARSER_ERRORS, Extracted, clean, describe, iso, os_error
from workers.formats.charts import graphic_lines
from workers.formats.ooxml import alt_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_R_DM = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}dm"
_DIAGRAM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}relIds"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_PICTURE = "{http://schemas.openxmlformats.org/drawingml/2006/picture}pic"
_MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_APP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text (headers, body with tables and text boxes, footers) and metadata."""
    import zipfile

    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    errors: tuple[type[Exception], ...] = (OpcError, LxmlError, zipfile.BadZipFile, *PARSER_ERRORS)
    try:
        document = docx.Document(path)
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable DOCX: {describe(exc)}") from exc
    except OSError as exc:
        raise os_error(exc, path) from exc
    notes = _notes(document, warnings, errors)
    body: list[str] = []
    try:
        notes.part = document.part
        _docx_blocks(document.element.body, body, notes)
        body.extend(notes.unreferenced())
    except RecursionError as exc:  # tables or text boxes nested hundreds deep
        raise TaskError(ErrorType.MALFORMED, "DOCX content is nested too deeply") from exc
    headers: list[str] = []
    footers: list[str] = []
    seen: set[int] = set()
    try:
        for section in document.sections:
            for hf, out in (
                (section.header, headers), (section.first_page_header, headers),
                (section.even_page_header, headers), (section.footer, footers),
                (section.first_page_footer, footers), (section.even_page_footer, footers),
            ):  # fmt: skip
                # A linked header has no part of its own; reading .part would create one.
                if not hf.is_linked_to_previous and id(hf.part) not in seen:
                    seen.add(id(hf.part))
                    notes.part = hf.part
                    _docx_blocks(hf.part.element, out, notes)
    except errors as exc:
        warnings.append(f"headers/footers unreadable: {describe(exc)}")
    meta: dict[str, Any] = {}
    package = document.part.package
    rels = {rel.reltype: rel for rel in package.rels.values() if not rel.is_external}
    try:
        # python-docx invents default core properties when the part is missing; don't report them.
        if RT.CORE_PROPERTIES in rels:
            props = document.core_properties
            meta |= {
                "title": clean(props.title), "author": clean(props.author),
                "subject": clean(props.subject), "created": iso(props.created),
                "modified": iso(props.modified),
            }  # fmt: skip
        if RT.EXTENDED_PROPERTIES in rels:
            from docx.oxml.parser import parse_xml

            app = parse_xml(rels[RT.EXTENDED_PROPERTIES].target_part.blob)
            meta["producer"] = clean(app.findtext(f"{_APP_NS}Application"))
    except errors as exc:
        warnings.append(f"unreadable DOCX properties: {describe(exc)}")
    text = "\n".join(headers + body + footers)
    return Extracted(text, meta=meta, structure=docx_structure.find(document, text))


# Where the body refers to a note, and the kind of note each reference names.
_REFERENCES = {
    f"{_W}footnoteReference": "footnote",
    f"{_W}endnoteReference": "endnote",
    f"{_W}commentReference": "comment",
}
# Tracked changes that are not in the document once they are accepted: deleted runs and the
# old place of moved text (their text is in w:delText or w:t), deleted table rows.
_REJECTED = frozenset({f"{_W}del", f"{_W}moveFrom"})


@dataclass
class _Notes:
    """The footnotes, endnotes and comments of a document by kind and id, numbered in the order
    the text refers to them, each given once; and the part being read, whose relationships
    name the charts it shows."""

    warnings: list[str]
    errors: tuple[type[Exception], ...]
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)  # kind -> the part holding those notes
    authors: dict[str, str] = field(default_factory=dict)
    given: set[tuple[str, str]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    part: Any = None

    def line(self, kind: str, note_id: str) -> str | None:
        """The marked text of a note the first time it is referred to, else None."""
        element = self.parts.get(kind, {}).get(note_id)
        if element is None or (kind, note_id) in self.given:
            return None
        self.given.add((kind, note_id))  # before reading it: a note that refers to itself
        lines: list[str] = []
        reading, self.part = self.part, self.sources.get(kind)
        try:
            _docx_blocks(element, lines, self)
        finally:
            self.part = reading
        text = " ".join(line.strip() for line in lines if line.strip())
        if kind == "comment":
            author = self.authors.get(note_id)
            return f"[comment by {author}: {text}]" if author else f"[comment: {text}]"
        self.counts[kind] = number = self.counts.get(kind, 0) + 1
        return f"[{kind} {number}: {text}]"

    def chart(self, rel_id: str) -> list[str]:
        """The lines of the chart or diagram the part being read refers to as `rel_id`."""
        from docx.oxml.parser import parse_xml

        target = self.part.related_parts.get(rel_id) if self.part is not None else None
        if target is None:
            self.warnings.append(f"graphic {rel_id} has no part")
            return []
        try:
            return graphic_lines(parse_xml(target.blob))
        except self.errors as exc:
            self.warnings.append(f"graphic {target.partname} unreadable: {describe(exc)}")
            return []

    def unreferenced(self) -> list[str]:
        """Comments whose reference mark is gone (their anchor was deleted): kept at the end."""
        lines = (self.line("comment", note_id) for note_id in self.parts.get("comment", {}))
        return [line for line in lines if line]


def _notes(document: Any, warnings: list[str], errors: tuple[type[Exception], ...]) -> _Notes:
    """Read the footnotes, endnotes and comments parts of `document` (those it has)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.parser import parse_xml

    kinds = {RT.FOOTNOTES: "footnote", RT.ENDNOTES: "endnote", RT.COMMENTS: "comment"}
    notes = _Notes(warnings, errors)
    for rel in document.part.rels.values():
        kind = kinds.get(rel.reltype)
        if kind is None or rel.is_external:
            continue
        try:
            root = parse_xml(rel.target_part.blob)
        except errors as exc:
            warnings.append(f"{kind}s unreadable: {describe(exc)}")
            continue
        found = notes.parts.setdefault(kind, {})
        notes.sources[kind] = rel.target_part
        for element in root:
            # Footnote ids -1 and 0 are the separator lines Word draws, not notes.
            if element.get(f"{_W}type") in ("separator", "continuationSeparator"):
                continue
            note_id = element.get(f"{_W}id")
            if note_id is not None:
                found[note_id] = element
                if author := clean(element.get(f"{_W}author")):
                    notes.authors[note_id] = author
    return notes


def _docx_blocks(container: Any, out: list[str], notes: _Notes) -> None:
    """Append one line per paragraph and per table row under `container`, in document order,
    each paragraph followed by the notes it refers to."""
    for child in docx_structure.blocks(container):
        if child.tag == f"{_W}p":
            _docx_paragraph(child, out, notes)
        elif child.tag == f"{_W}tbl":
            for row in docx_structure.blocks(child):
                if row.tag != f"{_W}tr" or row.find(f"{_W}trPr/{_W}del") is not None:
                    continue
                cells: list[str] = []
                for cell in docx_structure.blocks(row):
                    if cell.tag != f"{_W}tc":
                        continue
                    # Word hides what a vertically merged continuation cell holds; so do we.
                    merge = cell.find(f"{_W}tcPr/{_W}vMerge")
                    if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
                        cells.append("")
                        continue
                    lines: list[str] = []
                    _docx_blocks(cell, lines, notes)
                    cells.append(" ".join(line for line in lines if line))
                out.append("\t".join(cells))


def _docx_paragraph(paragraph: Any, out: list[str], notes: _Notes) -> None:
    """Append a paragraph's text, then the notes it refers to, then the text of any text boxes
    anchored in it."""
    parts: list[str] = []
    boxes: list[str] = []
    references: list[tuple[str, str]] = []
    marks = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}

    def visit(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag in marks:
                parts.append(marks[tag])
            elif tag == f"{_W}fldChar" and (form := child.find(f"{_W}ffData")) is not None:
                parts.append(_form_value(form))  # a legacy form's check box or drop-down
            elif tag in _REFERENCES:
                references.append((_REFERENCES[tag], child.get(f"{_W}id", "")))
            elif tag == _CHART:  # in a drawing: its lines follow the paragraph, like a text box
                boxes.extend(notes.chart(child.get(_R_ID, "")))
            elif tag == _DIAGRAM:  # SmartArt: the text of its data model
                boxes.extend(notes.chart(child.get(_R_DM, "")))
            elif tag in (f"{_WP}inline", f"{_WP}anchor"):
                # A picture's alt text is on the drawing that holds it (wp:docPr descr).
                names = child.find(f"{_WP}docPr")
                alt = alt_text(names)
                if alt and next(child.iter(_PICTURE), None) is not None:
                    boxes.append(f"[image: {' '.join(alt.split())}]")
                visit(child)
            elif tag in (omml.MATH, omml.MATH_PARA):  # an equation, as LaTeX
                fence = "$$" if tag == omml.MATH_PARA else "$"
                parts.append(f"{fence}{omml.latex(child)}{fence}")
            elif tag == f"{_W}txbxContent":
                _docx_blocks(child, boxes, notes)
            elif tag == _MC_ALTERNATE:
                # Choice and Fallback hold the same content twice (DrawingML and VML): read one.
                if len(child):
                    visit(child[0])
            elif tag not in _REJECTED and tag not in (f"{_W}pPr", f"{_W}rPr"):
                visit(child)  # properties skipped: w:tab there is a tab stop

    visit(paragraph)
    out.append("".join(parts))
    out.extend(line for kind, note_id in references if (line := notes.line(kind, note_id)))
    out.extend(boxes)


def _form_value(form: Any) -> str:
    """What a legacy form field shows that its runs do not hold: a check box as ☒ or ☐ (its
    w:checked, else its w:default), a drop-down's chosen entry; a text field's value is in
    the runs that follow, so nothing."""
    box = form.find(f"{_W}checkBox")
    if box is not None:
        for name in ("checked", "default"):
            state = box.find(f"{_W}{name}")
            if state is not None:
                ticked = state.get(f"{_W}val", "1") not in ("0", "false", "off")
                return "☒" if ticked else "☐"
        return "☐"
    choices = form.find(f"{_W}ddList")
    if choices is None:
        return ""
    entries = [entry.get(f"{_W}val", "") for entry in choices.findall(f"{_W}listEntry")]
    chosen = choices.find(f"{_W}result")
    if chosen is None:
        chosen = choices.find(f"{_W}default")
    index = chosen.get(f"{_W}val", "0") if chosen is not None else "0"
    return entries[int(index)] if index.isdecimal() and int(index) < len(entries) else ""
