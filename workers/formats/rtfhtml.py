"""HTML encapsulated in RTF ([MS-OXRTFEX], `\\fromhtml1`), as Outlook stores the body of an
HTML message: the original HTML recovered, to be read as HTML rather than as RTF (whose
rendering of it loses the breaks between list items and blocks)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+|([^\\{}\r\n]+)",
    re.DOTALL,
)
_CHARS = {b"par": "\r\n", b"line": "\r\n", b"tab": "\t", b"lquote": "\u2018", b"rquote": "\u2019",
          b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"bullet": "\u2022"}  # fmt: skip


@dataclass(frozen=True)
class _State:
    tag: bool = False  # inside {\*\htmltagN ...}: HTML markup, always kept
    rtf_only: bool = False  # between \htmlrtf and \htmlrtf0: RTF's own rendering, dropped
    skip: bool = False  # a destination that is neither (font table, \*\mhtmltag ...)
    uc: int = 1  # characters of fallback after each \uN


def is_encapsulated_html(rtf: bytes) -> bool:
    """Whether the RTF document holds encapsulated HTML (\\fromhtml1 in its header)."""
    return b"\\fromhtml1" in rtf[:1024]


def html_from_rtf(rtf: bytes) -> bytes:
    """The HTML encapsulated in `rtf`, as UTF-8 bytes."""
    codepage = re.search(rb"\\ansicpg(\d+)", rtf[:1024])
    codec = _codec(int(codepage.group(1)) if codepage else 1252)
    out: list[str] = []
    stack: list[_State] = []
    state = _State()
    pending: bytearray = bytearray()  # \'hh bytes, decoded together (multi-byte code pages)
    skip_chars = 0
    opening = starred = False  # at a group's start; after its \*

    def keep() -> bool:
        return not state.skip and (state.tag or not state.rtf_only)

    def flush() -> None:
        if pending:
            if keep():
                out.append(pending.decode(codec, errors="replace"))
            pending.clear()

    for match in _TOKEN.finditer(rtf):
        word, number, hexbyte, symbol, brace, text = match.groups()
        at_start, after_star = opening, starred
        opening = starred = False
        if hexbyte is not None:
            if skip_chars:
                skip_chars -= 1
            else:
                pending.append(int(hexbyte, 16))
            continue
        flush()
        if brace == b"{":
            stack.append(state)
            opening = True
        elif brace == b"}":
            state = stack.pop() if stack else _State()
        elif symbol is not None:
            if symbol == b"*" and at_start:
                starred = True  # the word after \* names an ignorable destination
            elif symbol in b"\\{}" and keep():
                out.append(symbol.decode())
        elif word is not None:
            if after_star and not word.startswith((b"htmltag", b"mhtmltag")):
                state = replace(state, skip=True)
                continue
            state, skip_chars = _control(word, number, state, at_start, out, keep())
        elif text is not None:
            if skip_chars:
                dropped, text = text[:skip_chars], text[skip_chars:]
                skip_chars -= len(dropped)
            if keep():
                out.append(text.decode(codec, errors="replace"))
        # Line breaks in the RTF source are not text.
    flush()
    # \uN gives UTF-16 code units: pair the surrogates, replace the ones left alone.
    html = "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return html.encode("utf-8")


def _control(
    word: bytes, number: bytes | None, state: _State, opening: bool, out: list[str], keep: bool
) -> tuple[_State, int]:
    """Apply one control word; return the new state and how many fallback chars follow."""
    if word == b"htmltag":
        return replace(state, tag=True), 0
    if word == b"mhtmltag":  # the original of a URL rewritten in the \htmltag that follows it
        return replace(state, skip=True), 0
    if word == b"htmlrtf":
        return replace(state, rtf_only=number != b"0"), 0
    if opening and word in (b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict"):
        return replace(state, skip=True), 0
    if word == b"uc" and number is not None:
        return replace(state, uc=max(int(number), 0)), 0
    if word == b"u" and number is not None:
        if keep:
            out.append(chr(int(number) % 65536))
        return state, state.uc
    if word in _CHARS and keep:
        out.append(_CHARS[word])
    return state, 0


def _codec(codepage: int) -> str:
    import codecs

    name = {65001: "utf-8", 20127: "ascii", 28591: "latin-1"}.get(codepage, f"cp{codepage}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"
