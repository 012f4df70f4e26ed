"""MathML (presentation markup: web pages, OpenDocument formulas) as LaTeX.

A formula's TeX is used where the document carries it (a web page's `alttext`, an
`application/x-tex` annotation); otherwise its presentation markup is written as LaTeX:
`<msup><mi>c</mi><mn>2</mn></msup>` is `c^{2}`, `<mfrac>` `\\frac{..}{..}`, `<msqrt>`
`\\sqrt{..}`, under- and overscripts (a sum's limits) as sub- and superscripts, tables as a
matrix. Elements are matched by their local names, so the MathML namespace, or none (HTML),
reads the same; an element this module does not know gives its children, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TOKENS = frozenset({"mi", "mn", "mo", "ms"})
_SKIP = frozenset({"annotation", "annotation-xml", "mphantom", "none", "mprescripts"})
_SYMBOLS = {"∑": "\\sum", "∏": "\\prod", "∫": "\\int", "∞": "\\infty", "→": "\\to",
            "≤": "\\leq", "≥": "\\geq", "≠": "\\neq", "\u00d7": "\\times", "·": "\\cdot",
            "±": "\\pm"}  # fmt: skip


def latex(element: Any) -> str:
    """The formula `element` (a `math` element) as LaTeX: its TeX if it carries one."""
    for node in element.iter():
        if _name(node) == "annotation" and (node.get("encoding") or "") == "application/x-tex":
            return " ".join((node.text or "").split())
    return " ".join(_node(element).split())


def _name(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _node(element: Any) -> str:
    name = _name(element)
    if name in _TOKENS:
        text = " ".join("".join(element.itertext()).split())
        return _SYMBOLS.get(text, text)
    if name == "mtext":
        text = " ".join("".join(element.itertext()).split())
        return f"\\text{{{text}}}" if text else ""
    if name in _SKIP or not name:
        return ""
    handler = _HANDLERS.get(name)
    return handler(_args(element)) if handler else "".join(_node(c) for c in element)


def _args(element: Any) -> list[str]:
    return [_node(child) for child in element if _name(child) and _name(child) not in _SKIP]


def _at(args: list[str], i: int) -> str:
    return args[i] if i < len(args) else ""


def _semantics(args: list[str]) -> str:
    return _at(args, 0)  # the presentation; annotations are skipped already


def _row(args: list[str]) -> str:
    return "".join(args)


def _table(args: list[str]) -> str:
    return "\\begin{matrix}" + " \\\\ ".join(args) + "\\end{matrix}"


def _table_row(args: list[str]) -> str:
    return " & ".join(args)


_HANDLERS: dict[str, Callable[[list[str]], str]] = {
    "semantics": _semantics,
    "msup": lambda a: f"{_at(a, 0)}^{{{_at(a, 1)}}}",
    "msub": lambda a: f"{_at(a, 0)}_{{{_at(a, 1)}}}",
    "msubsup": lambda a: f"{_at(a, 0)}_{{{_at(a, 1)}}}^{{{_at(a, 2)}}}",
    "munder": lambda a: f"{_at(a, 0)}_{{{_at(a, 1)}}}",
    "mover": lambda a: f"{_at(a, 0)}^{{{_at(a, 1)}}}",
    "munderover": lambda a: f"{_at(a, 0)}_{{{_at(a, 1)}}}^{{{_at(a, 2)}}}",
    "mfrac": lambda a: f"\\frac{{{_at(a, 0)}}}{{{_at(a, 1)}}}",
    "msqrt": lambda a: f"\\sqrt{{{_row(a)}}}",
    "mroot": lambda a: f"\\sqrt[{_at(a, 1)}]{{{_at(a, 0)}}}",
    "mfenced": lambda a: f"({','.join(a)})",
    "mtable": _table,
    "mtr": _table_row,
    "mlabeledtr": _table_row,
    "mtd": _row,
}
