"""Office Math (OMML, the equations of Word documents) as LaTeX.

Word keeps an equation as a tree of math elements (`m:f` a fraction, `m:sSup` a superscript,
`m:nary` a sum or an integral...), whose letters are in `m:t` runs no text reader looks at: a
document's equations simply vanished from its text ("The energy is  as shown."). They are
written as LaTeX, the notation a retriever, a language model and a reader of a chunk all know:
`E=mc^{2}`, `\\frac{a}{b}`, `\\sum_{i=1}^{n}{x_{i}}`. docx.py puts an inline equation between
`$` and a displayed one (`m:oMathPara`) between `$$`. An element this module does not know
gives its text, in order, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
MATH, MATH_PARA = f"{M}oMath", f"{M}oMathPara"
_VAL = f"{M}val"
_NARY = {"∑": "\\sum", "∏": "\\prod", "∐": "\\coprod", "∫": "\\int", "∬": "\\iint",
         "∭": "\\iiint", "∮": "\\oint", "\u22c3": "\\bigcup", "⋂": "\\bigcap", "\u22c1": "\\bigvee",
         "⋀": "\\bigwedge"}  # fmt: skip
_ACCENTS = {"\u0302": "\\hat", "\u0303": "\\tilde", "\u0304": "\\bar", "\u0305": "\\bar",
            "\u0307": "\\dot", "\u0308": "\\ddot", "\u20d7": "\\vec", "\u030c": "\\check",
            "\u0306": "\\breve", "\u0301": "\\acute", "\u0300": "\\grave"}  # fmt: skip
_FUNCTIONS = frozenset((
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "log", "ln", "lg", "exp", "lim", "max", "min", "det", "dim", "gcd", "inf", "sup",
    "arg", "deg", "ker", "Pr",
))  # fmt: skip


def latex(element: Any) -> str:
    """The equation (an `m:oMath` or `m:oMathPara`) as LaTeX."""
    if element.tag == MATH_PARA:
        return " \\\\ ".join(_node(math) for math in element if math.tag == MATH)
    return _node(element).strip()


def _node(element: Any) -> str:
    handler = _HANDLERS.get(element.tag)
    return handler(element) if handler else _children(element)


def _children(element: Any) -> str:
    return "".join(_node(child) for child in element if not child.tag.endswith("Pr"))


def _part(element: Any, name: str) -> str:
    """The LaTeX of `element`'s child `m:<name>` (its argument), "" when absent."""
    child = element.find(f"{M}{name}")
    return _children(child) if child is not None else ""


def _prop(element: Any, props: str, name: str, default: str) -> str:
    """The value of `m:<props>/m:<name>/@m:val`, `default` when absent."""
    found = element.find(f"{M}{props}/{M}{name}")
    value = found.get(_VAL) if found is not None else None
    return default if value is None else value


def _text(element: Any) -> str:
    return element.text or ""


def _scripts(element: Any) -> str:
    base = _part(element, "e")
    sub, sup = _part(element, "sub"), _part(element, "sup")
    return base + (f"_{{{sub}}}" if sub else "") + (f"^{{{sup}}}" if sup else "")


def _pre_scripts(element: Any) -> str:
    sub, sup = _part(element, "sub"), _part(element, "sup")
    return (
        "{}" + (f"_{{{sub}}}" if sub else "") + (f"^{{{sup}}}" if sup else "") + _part(element, "e")
    )


def _fraction(element: Any) -> str:
    num, den = _part(element, "num"), _part(element, "den")
    if _prop(element, "fPr", "type", "bar") == "lin":
        return f"{num}/{den}"
    return f"\\frac{{{num}}}{{{den}}}"


def _radical(element: Any) -> str:
    degree = _part(element, "deg")
    return (
        f"\\sqrt[{degree}]{{{_part(element, 'e')}}}"
        if degree
        else f"\\sqrt{{{_part(element, 'e')}}}"
    )


def _delimiters(element: Any) -> str:
    begin = _prop(element, "dPr", "begChr", "(")
    end = _prop(element, "dPr", "endChr", ")")
    separator = _prop(element, "dPr", "sepChr", "|")
    inner = separator.join(_children(e) for e in element.findall(f"{M}e"))
    return f"{begin}{inner}{end}"


def _nary(element: Any) -> str:
    operator = _prop(element, "naryPr", "chr", "∫")
    sub, sup = _part(element, "sub"), _part(element, "sup")
    limits = (f"_{{{sub}}}" if sub else "") + (f"^{{{sup}}}" if sup else "")
    return f"{_NARY.get(operator, operator)}{limits}{{{_part(element, 'e')}}}"


def _function(element: Any) -> str:
    name = _part(element, "fName").strip()
    command = f"\\{name}" if name in _FUNCTIONS else name
    return f"{command}{{{_part(element, 'e')}}}"


def _accent(element: Any) -> str:
    mark = _prop(element, "accPr", "chr", "\u0302")
    command = _ACCENTS.get(mark)
    base = _part(element, "e")
    return f"{command}{{{base}}}" if command else base + mark


def _bar(element: Any) -> str:
    below = _prop(element, "barPr", "pos", "top") == "bot"
    return f"\\{'underline' if below else 'overline'}{{{_part(element, 'e')}}}"


def _limit(command: str) -> Callable[[Any], str]:
    def write(element: Any) -> str:
        return f"{_part(element, 'e')}{command}{{{_part(element, 'lim')}}}"

    return write


def _matrix(element: Any) -> str:
    rows = [
        " & ".join(_children(cell) for cell in row.findall(f"{M}e"))
        for row in element.findall(f"{M}mr")
    ]
    return "\\begin{matrix}" + " \\\\ ".join(rows) + "\\end{matrix}"


def _equation_array(element: Any) -> str:
    return " \\\\ ".join(_children(row) for row in element.findall(f"{M}e"))


_HANDLERS: dict[str, Callable[[Any], str]] = {
    f"{M}t": _text,
    f"{M}sSup": _scripts, f"{M}sSub": _scripts, f"{M}sSubSup": _scripts,
    f"{M}sPre": _pre_scripts,
    f"{M}f": _fraction,
    f"{M}rad": _radical,
    f"{M}d": _delimiters,
    f"{M}nary": _nary,
    f"{M}func": _function,
    f"{M}acc": _accent,
    f"{M}bar": _bar,
    f"{M}limLow": _limit("_"), f"{M}limUpp": _limit("^"),
    f"{M}m": _matrix,
    f"{M}eqArr": _equation_array,
}  # fmt: skip
