"""Form-field values and annotation text of a PDF page, marked as such for the page's text.

Neither PDFium's nor pypdf's text extraction reads them: a filled form's answers live in its
widgets' values (/V), and a reviewer's notes in the /Contents of FreeText, Text (sticky note),
highlight and other markup annotations. Each becomes a line after the page's text:
`[form field Name: value]` or `[annotation: text]`.
"""

from __future__ import annotations

from typing import Any

from workers.formats.base import describe

_SKIPPED = {"/Link", "/Popup", "/Widget"}  # no text of their own (a widget's is its value)
_OFF = {"/Off", "Off", ""}


def of_page(
    reader: Any, number: int, warnings: list[str], errors: tuple[type[Exception], ...]
) -> list[str]:
    """The marked lines of page `number` (from 1); a damaged annotation becomes a warning."""
    try:
        annots = reader.pages[number - 1].get("/Annots")
        annots = annots.get_object() if annots is not None else []
    except errors as exc:
        warnings.append(f"page {number}: annotations unreadable: {describe(exc)}")
        return []
    lines: list[str] = []
    for ref in annots or []:
        try:
            annot = ref.get_object()
            subtype = str(annot.get("/Subtype", ""))
            if subtype == "/Widget":
                line = _field(annot)
            elif subtype not in _SKIPPED:
                contents = _text(annot.get("/Contents"))
                line = f"[annotation: {contents}]" if contents else None
            else:
                line = None
        except errors as exc:
            warnings.append(f"page {number}: an annotation is unreadable: {describe(exc)}")
            continue
        if line and line not in lines:
            lines.append(line)
    return lines


def _field(widget: Any) -> str | None:
    """`[form field NAME: VALUE]` for a filled field; its name and value may sit on a parent."""
    node, names, value = widget, [], None
    for _ in range(32):  # a field tree is shallow; a loop in a damaged file is not followed
        if value is None and "/V" in node:
            value = node.get("/V")
        if "/T" in node:
            names.append(_text(node.get("/T")))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    shown = _value(value)
    if shown is None:
        return None
    name = ".".join(reversed([n for n in names if n])) or "unnamed"
    return f"[form field {name}: {shown}]"


def _value(value: Any) -> str | None:
    """A field's value as a person reads it: text, a chosen option, a ticked box's name. A
    signature's value is a dictionary of binary data, not text: it adds nothing."""
    if value is None:
        return None
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, list):
        shown = ", ".join(filter(None, (_value(v) for v in value)))
        return shown or None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str | int | float):
        return None
    text = _text(value)
    if text in _OFF:
        return None
    return text[1:] if text.startswith("/") else text  # a checkbox's name value: /Yes -> Yes


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""
