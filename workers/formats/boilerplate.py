"""Page chrome that no element names as such: share buttons and a site's legal footer.

trafilatura drops what a page marks as chrome (<footer>, <nav>, classes and ids such as
"footer", "share", "social"), and what its link and text density give away. A page laid out
with tables and <center> (many data sheets and catalogues still are) names nothing, so two
kinds of chrome reach the text:

- **share buttons**: links to a social site's share endpoint ("Tweet", "Share"), and the
  short line that asks for them just before ("Is this information useful? Please share
  it."): the links, the bar that holds nothing else, and a short line without links that
  stands right before that bar go;
- **the legal footer**: the last block of the page that states a copyright ("©",
  "Copyright 2018", "All rights reserved" in a few languages), when it is short and nothing
  of substance follows it.
"""

from __future__ import annotations

import re
from typing import Any

_SHARE = re.compile(
    r"//(?:[\w-]+\.)?(?:twitter\.com/(?:share|intent/tweet)|x\.com/intent/(?:tweet|post)"
    r"|facebook\.com/(?:sharer|share\.php|dialog/share)|linkedin\.com/(?:shareArticle|sharing)"
    r"|pinterest\.[a-z.]+/pin/create|reddit\.com/submit|api\.whatsapp\.com/send|wa\.me/"
    r"|t\.me/share|telegram\.me/share|vk\.com/share\.php|tumblr\.com/(?:share|widgets/share)"
    r"|getpocket\.com/(?:save|edit)|xing\.com/(?:spi/)?shares?|news\.ycombinator\.com/submitlink)",
    re.I,
)
_SHARE_CLASS = re.compile(
    r"\b(?:twitter-share-button|fb-share-button|fb-like|share-button)\b", re.I
)
_LEGAL = re.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\b|all rights reserved|alle rechte vorbehalten"
    r"|tous droits réservés|todos los derechos reservados|tutti i diritti riservati"
    r"|todos os direitos reservados|alle rechten voorbehouden|wszelkie prawa zastrzeżone"
    r"|все права защищены",
    re.I,
)
_BLOCKS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th", "tr", "ul",
}  # fmt: skip
_MAX_LABEL = 80  # characters of the line that asks for shares
_MAX_LEGAL = 500  # characters of a legal footer
_MAX_AFTER = 100  # characters that may follow a legal footer (a counter, "back to top")


def drop(tree: Any) -> None:
    """Drop the share buttons and the legal footer of the page `tree` (an lxml tree)."""
    _drop_share_buttons(tree)
    _drop_legal_footer(tree)


def _drop_share_buttons(tree: Any) -> None:
    buttons = [
        a
        for a in tree.iter("a")
        if _SHARE.search(a.get("href") or "") or _SHARE_CLASS.search(a.get("class") or "")
    ]
    bars = []
    for button in buttons:
        bar = button
        # The bar: the largest block around the button that shows nothing but share buttons.
        while (parent := bar.getparent()) is not None and parent.tag not in ("body", "html"):
            if _text(parent, skip=buttons):
                break
            bar = parent
        if bar not in bars:
            bars.append(bar)
    for bar in bars:
        if bar.getparent() is None:
            continue
        label = _previous_block(bar)
        if (
            label is not None
            and 0 < len(_text(label)) <= _MAX_LABEL
            and next(label.iter("a"), None) is None
        ):
            _remove(label)
        _remove(bar)


def _drop_legal_footer(tree: Any) -> None:
    body = tree.find(".//body")
    if body is None:
        return
    notices = [e for e in body.iter() if isinstance(e.tag, str) and _LEGAL.search(_own_text(e))]
    if not notices:
        return
    block = notices[-1]
    while block.tag not in _BLOCKS and block.getparent() is not None:
        block = block.getparent()
    # The largest block around the notice that holds nothing else.
    while (
        (parent := block.getparent()) is not None
        and parent.tag not in ("body", "html")
        and len(_text(parent)) == len(_text(block))
    ):
        block = parent
    if len(_text(block)) > _MAX_LEGAL or block.tag in ("body", "html"):
        return
    after = sum(len(_text(e, tail=False)) for e in block.itersiblings()) + _tails(block)
    if after <= _MAX_AFTER:
        _remove(block)


def _tails(element: Any) -> int:
    """Characters of text after `element` up to the end of the body, outside its siblings."""
    total = 0
    for ancestor in element.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        total += sum(len(_text(e, tail=False)) for e in ancestor.itersiblings())
        total += len((ancestor.tail or "").strip())
    return total + len((element.tail or "").strip())


def _previous_block(element: Any) -> Any | None:
    """The element just before `element`, past white space and <br>, if it is a block."""
    sibling = element.getprevious()
    while sibling is not None and sibling.tag == "br" and not (sibling.tail or "").strip():
        sibling = sibling.getprevious()
    if sibling is None or (sibling.tail or "").strip():
        return None
    return sibling if isinstance(sibling.tag, str) and sibling.tag in _BLOCKS else None


def _remove(element: Any) -> None:
    """Drop `element` but keep the text after it."""
    if element.getparent() is not None:
        element.drop_tree()


def _text(element: Any, skip: list[Any] | None = None, tail: bool = False) -> str:
    """The visible text inside `element` (not in `skip`, scripts or styles), white space
    collapsed."""
    skipped = set(skip or ())
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node in skipped or node.tag in ("script", "style", "noscript"):
            return
        if isinstance(node.tag, str):
            parts.append(node.text or "")
            for child in node:
                walk(child)
                parts.append(child.tail or "")

    walk(element)
    if tail:
        parts.append(element.tail or "")
    return " ".join("".join(parts).split())


def _own_text(element: Any) -> str:
    """The text of `element` itself and its inline children's tails: where a notice sits."""
    if element.tag in ("script", "style", "noscript"):
        return ""
    return " ".join([element.text or "", *(child.tail or "" for child in element)])
