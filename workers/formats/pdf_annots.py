"""Form-field values and annotation text of a PDF page, marked as such for the page's text.

Text extraction reads a page's content, not its annotations: a filled form's answers live in
its widgets' values (/V), and a reviewer's notes in the /Contents of FreeText, Text (sticky
note), highlight and other markup annotations. Each becomes a line after the page's text:
`[form field Name: value]` or `[annotation: text]`.

What an annotation shows on the page besides (a signature's "Digitally signed by ...", a
stamp, a list box's options, a button's caption) is its appearance stream: the PDFium reader
draws those into the page's text (workers.formats.pdfium), all but those whose text a marked
line here gives already (`Marked.shown`), so that nothing is read twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workers.formats.base import describe

_SKIPPED = {"/Link", "/Popup", "/Widget"}  # no text of their own (a widget's is its value)
_OFF = {"/Off", "Off", ""}
_COMBO = 1 << 17  # a choice field's flag (/Ff) for a combo box; without it, a list box


@dataclass
class Marked:
    """A page's marked lines, and the indices (in its /Annots) of the annotations whose
    appearance shows nothing those lines do not say."""

    lines: list[str] = field(default_factory=list)
    shown: set[int] = field(default_factory=set)


def of_page(
    reader: Any, number: int, warnings: list[str], errors: tuple[type[Exception], ...]
) -> Marked:
    """The marked lines of page `number` (from 1); a damaged annotation becomes a warning."""
    marked = Marked()
    try:
        annots = reader.pages[number - 1].get("/Annots")
        annots = annots.get_object() if annots is not None else []
    except errors as exc:
        warnings.append(f"page {number}: annotations unreadable: {describe(exc)}")
        return marked
    for index, ref in enumerate(annots or []):
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
        if line:
            marked.shown.add(index)
        if line and line not in marked.lines:
            marked.lines.append(line)
    return marked


def _field(widget: Any) -> str | None:
    """`[form field NAME: VALUE]` for a filled field (its name, value, type, flags and options
    may sit on a parent). A list box shows its options on the page, and says them too:
    `[form field NAME: VALUE (options: A, B, C)]`, or without a choice `[form field NAME
    (options: A, B, C)]`."""
    node, names = widget, []
    found: dict[str, Any] = {}
    for _ in range(32):  # a field tree is shallow; a loop in a damaged file is not followed
        for key in ("/V", "/FT", "/Ff", "/Opt"):
            if key not in found and key in node:
                found[key] = node.get(key)
        if "/T" in node:
            names.append(_text(node.get("/T")))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    name = ".".join(reversed([n for n in names if n])) or "unnamed"
    shown = _value(found.get("/V"))
    options = []
    if str(found.get("/FT")) == "/Ch" and not int(found.get("/Ff") or 0) & _COMBO:
        options = list(filter(None, (_option(o) for o in _list(found.get("/Opt")))))
    if options:
        listed = f"(options: {', '.join(options)})"
        return (
            f"[form field {name}: {shown} {listed}]" if shown else f"[form field {name} {listed}]"
        )
    return f"[form field {name}: {shown}]" if shown is not None else None


def _list(value: Any) -> list[Any]:
    value = value.get_object() if hasattr(value, "get_object") else value
    return list(value) if isinstance(value, list) else []


def _option(option: Any) -> str:
    """An option as the list shows it: a text, or the display text of [export, display]."""
    option = option.get_object() if hasattr(option, "get_object") else option
    if isinstance(option, list):
        option = option[-1] if option else ""
    option = option.get_object() if hasattr(option, "get_object") else option
    return _text(option) if isinstance(option, str) else ""


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
