"""What a reader of an HTML page sees: hidden elements dropped, and (by default) only the main
content of a saved web page, without its navigation, sidebars, footers, buttons and language
lists, as trafilatura finds it.

trafilatura (Apache-2.0) scores the blocks of a page by text density, link density and the
names of its elements, which is what separates an article from the chrome around it; its
fallbacks (readability, jusText) run when its own pass finds too little, and favor_recall
keeps headings and lists of short pages it would otherwise drop. A page of less than
MIN_MAIN_CHARS of text, or with no main content trafilatura can find, keeps its whole text.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from workers.formats import boilerplate, mathml
from workers.formats.base import PARSER_ERRORS, describe

MIN_MAIN_CHARS = 250
# trafilatura's time grows faster than the page (measured with many small tables: 15,000
# elements take 2 s, 75,000 take 15 s). A page larger than this is kept whole rather than hold
# a worker for long.
MAX_MAIN_ELEMENTS = 50_000
# trafilatura drops empty table cells, which shifts the cells after them into the wrong column:
# they go through it holding this (a supplementary private-use character) and come back empty.
_EMPTY_CELL = "\U000f0000"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_STYLE_WRAPPER = re.compile(r"\{\\(?:displaystyle|textstyle|scriptstyle)\s*(.*)\}")
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)


def visible_html(markup: str, main_content: bool, warnings: list[str]) -> tuple[str, str | None]:
    """The HTML of what the page shows (its main content only with `main_content`), and its
    title; `markup` as it is when it does not parse as HTML."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        # lxml refuses a str that still carries its XML declaration (XHTML).
        tree = lxml_html.document_fromstring(_XML_DECLARATION.sub("", markup, count=1))
    except (etree.ParserError, ValueError):  # empty, or only comments and white space
        return markup, None
    title = tree.findtext(".//title")
    _math_as_text(tree)
    for element in [e for e in tree.iter() if isinstance(e.tag, str) and _hidden(e)]:
        if element.getparent() is not None:
            element.drop_tree()  # its tail, the text after it, stays
    _alt_as_text(tree)
    if main_content:
        boilerplate.drop(tree)
    # Below trafilatura's own minimum it falls back to flattening the page's text: a page that
    # short has no chrome worth removing, and keeps its structure whole.
    short = len(" ".join(tree.text_content().split())) < MIN_MAIN_CHARS
    if main_content and short:
        _drop_page_chrome(tree)
    elements = sum(1 for _ in tree.iter())
    if main_content and not short and elements > MAX_MAIN_ELEMENTS:
        warnings.append(f"page of {elements} elements: its whole visible text is kept")
    elif main_content and not short:
        try:
            main = _main_content(tree)
        except PARSER_ERRORS as exc:
            warnings.append(f"main content not found ({describe(exc)}): the whole page kept")
            main = None
        if main is not None:
            return main, title
    return etree.tostring(tree, encoding="unicode", method="html"), title


def _drop_page_chrome(tree: Any) -> None:
    """The page's own navigation, footer and sidebar, which HTML names as such: gone from a page
    too short for trafilatura's scoring. Those inside an article or main element (an
    article's own footer, say) stay."""
    for element in list(tree.iter("nav", "footer", "aside")):
        inside = any(a.tag in ("article", "main") for a in element.iterancestors())
        if not inside and element.getparent() is not None:
            element.drop_tree()


def _alt_as_text(tree: Any) -> None:
    """An image's alt text is what the page says in its place: `[image: ALT]` where it stands,
    as the Office formats mark theirs, so the main content keeps the images it holds."""
    for image in list(tree.iter("img")):
        alt = " ".join((image.get("alt") or "").split())
        if alt and image.getparent() is not None:
            label = image.makeelement("span", {})
            label.text, label.tail = f"[image: {alt}]", image.tail
            image.getparent().replace(image, label)


def _math_as_text(tree: Any) -> None:
    """A formula as LaTeX between $, where the page shows it: a MathML element (its TeX
    alttext or annotation, else its markup as LaTeX: workers.formats.mathml), or the picture
    a page shows in its place (Wikipedia hides the MathML and shows an image whose alt text
    is the TeX). Without this the formulas of a page vanished: MathML is not text, and the
    picture is marked aria-hidden for screen readers, which read the MathML."""
    for image in list(tree.iter("img")):
        alt = image.get("alt") or ""
        if "math" in (image.get("class") or "") and alt.strip():
            _replace(image, _tex(alt))
    for math in list(tree.iter("math", "{http://www.w3.org/1998/Math/MathML}math")):
        if any(_hidden(e) for e in (math, *math.iterancestors())):
            continue  # the picture beside it shows it
        _replace(math, _tex(math.get("alttext") or mathml.latex(math)))


def _tex(source: str) -> str:
    """TeX without the `{\\displaystyle ...}` a renderer wraps it in."""
    tex = " ".join(source.split())
    match = _STYLE_WRAPPER.fullmatch(tex)
    return match.group(1).strip() if match else tex


def _replace(element: Any, tex: str) -> None:
    if element.getparent() is None or not tex:
        return
    label = element.makeelement("span", {})
    label.text, label.tail = f"${tex}$", element.tail
    element.getparent().replace(element, label)


def _hidden(element: Any) -> bool:
    if element.tag in ("html", "body"):
        # A saved page whose scripts would have shown it (anti-flicker snippets hide the body
        # until they run; a modal marks it aria-hidden) still has its text.
        return False
    attrs = element.attrib
    if "hidden" in attrs and attrs["hidden"].lower() != "until-found":  # until-found: findable
        return True
    if attrs.get("aria-hidden", "").strip().lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(attrs.get("style", "")))


def _main_content(tree: Any) -> str | None:
    import trafilatura

    # trafilatura prunes the tree it is given: it works on a copy, so the whole page is still
    # there if it finds nothing.
    tree = copy.deepcopy(tree)
    for cell in tree.iter("td", "th"):
        if not len(cell) and not (cell.text or "").strip():
            cell.text = _EMPTY_CELL
    main = trafilatura.extract(
        tree,
        output_format="html",
        include_tables=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_recall=True,
        with_metadata=False,
    )
    return main.replace(_EMPTY_CELL, "") if main else None
