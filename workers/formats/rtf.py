"""RTF to text: a small tokenizer that keeps the text of the document body and drops control
words, ignorable destinations ({\\*...}), font/colour/style tables, pictures and objects."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from workers.formats.base import Extracted, clean, read

_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+|([^\\{}\r\n]+)",
    re.DOTALL,
)
_SKIP = frozenset({
    "colortbl", "stylesheet", "pict", "object", "objdata", "themedata", "datastore",
    "colorschememapping", "latentstyles", "listtable", "listoverridetable", "rsidtbl", "filetbl",
    "revtbl", "xmlnstbl", "generator", "fldinst", "bkmkstart", "bkmkend", "shppict", "nonshppict",
    "header", "footer", "headerl", "headerr", "headerf", "footerl", "footerr", "footerf",
    "footnote", "annotation", "atnid", "atnauthor", "pgdsctbl", "mmathPr", "userprops",
})  # fmt: skip
_INFO_FIELDS = {"title": "title", "author": "author", "subject": "subject", "keywords": "keywords"}
_CHARS = {
    "par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "row": "\n", "cell": "\t",
    "tab": "\t", "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018",
    "rquote": "\u2019", "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": " ",
    "enspace": " ", "qmspace": " ",
}  # fmt: skip
_DOUBLE_BYTE = frozenset({"cp932", "cp936", "gb18030", "gbk", "cp949", "cp950", "big5", "johab"})
_SYMBOLS = {"\\": "\\", "{": "{", "}": "}", "~": "\u00a0", "_": "\u2011", "\n": "\n", "\r": "\n"}


# The document's character set when it names no \ansicpg.
_CHARACTER_SETS = {"mac": "mac_roman", "pc": "cp437", "pca": "cp850"}
# \fcharsetN of a font -> the code page its \'hh bytes are in (0 and 1: the document's own).
_CHARSETS = {
    77: "mac_roman", 128: "cp932", 129: "cp949", 130: "johab", 134: "gb18030", 136: "cp950",
    161: "cp1253", 162: "cp1254", 163: "cp1258", 177: "cp1255", 178: "cp1256", 186: "cp1257",
    204: "cp1251", 222: "cp874", 238: "cp1250", 254: "cp437", 255: "cp850",
}  # fmt: skip


@dataclass(frozen=True)
class _State:
    dest: str | None = None  # None: body text; "skip": dropped; "fonttbl"; else an \info field
    uc: int = 1  # characters of fallback that follow each \uN
    font: int | None = None  # the \fN in force (None: the default font, \deffN)


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the body text of the RTF file at `path`, with title/author from \\info."""
    text, meta = rtf_to_text(read(path).decode("latin-1"))
    return Extracted(text, meta=meta)


def rtf_to_text(source: str) -> tuple[str, dict[str, str | None]]:
    """Return (text, info metadata) of an RTF document given as a latin-1 decoded str."""
    out: list[str] = []
    fields: dict[str, list[str]] = {}
    stack: list[_State] = []
    state = _State()
    codepage = "cp1252"  # \ansicpg: the document's own
    fonts: dict[int, str] = {}  # \fN -> code page, from the font table's \fcharset and \cpg
    default_font: int | None = None
    defining: int | None = None  # the font the font table is describing
    pending = bytearray()  # \'hh bytes, decoded together so multi-byte codepages work
    fallback = 0  # fallback characters still to drop after a \uN
    group_start = False
    pos = 0

    def emit(chunk: str) -> None:
        if state.dest is None:
            out.append(chunk)
        elif state.dest not in ("skip", "fonttbl"):
            fields.setdefault(state.dest, []).append(chunk)

    def current() -> str:
        font = state.font if state.font is not None else default_font
        return fonts.get(font, codepage) if font is not None else codepage

    def flush() -> None:
        if pending:
            emit(pending.decode(current(), errors="replace"))
            pending.clear()

    def lead_byte_pending() -> bool:
        """Whether `pending` ends in the first byte of a two-byte character (Shift-JIS, GBK,
        Big5, Korean), whose second byte an RTF writer may have left as a literal character."""
        if not pending or codecs.lookup(current()).name not in _DOUBLE_BYTE:
            return False
        decoder = codecs.getincrementaldecoder(current())(errors="replace")
        decoder.decode(bytes(pending))
        return bool(decoder.getstate()[0])

    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:  # a lone backslash at the end of the file
            break
        pos = match.end()
        word, param, hexbyte, symbol, brace, text = match.groups()
        first, group_start = group_start, False
        if hexbyte is not None:
            if fallback:
                fallback -= 1
            else:
                pending.append(int(hexbyte, 16))
            continue
        if text is not None and not fallback and lead_byte_pending():
            pending.append(ord(text[0]) & 0xFF)  # \'83e: "e" is the second byte of テ
            text = text[1:]
        elif symbol in ("\\", "{", "}") and lead_byte_pending():
            pending.append(ord(symbol))  # \'95\\: the escaped backslash is the second byte of 表
            continue
        flush()
        if brace == "{":
            stack.append(state)
            group_start = True
        elif brace == "}":
            state = stack.pop() if stack else state
            fallback = 0
        elif text is not None:
            if fallback:
                text, fallback = text[fallback:], max(0, fallback - len(text))
            emit(text.encode("latin-1").decode(current(), errors="replace"))
        elif symbol is not None:
            if symbol == "*":
                state = replace(state, dest="skip")
            elif symbol in _SYMBOLS:
                emit(_SYMBOLS[symbol])
        elif word is not None:
            number = int(param) if param else None
            if word == "u" and number is not None:
                emit(chr(number + 65536 if number < 0 else number))
                fallback = state.uc
            elif word == "uc" and number is not None:
                state = replace(state, uc=max(0, number))
            elif word == "ansicpg" and number is not None:
                codepage = _codepage(number, codepage)
            elif word in _CHARACTER_SETS:
                codepage = _CHARACTER_SETS[word]
            elif word == "fonttbl":
                state = replace(state, dest="fonttbl")
            elif word == "f" and number is not None:
                if state.dest == "fonttbl":
                    defining = number
                else:
                    state = replace(state, font=number)
            elif word == "deff" and number is not None:
                default_font = number
            elif word == "fcharset" and number is not None and state.dest == "fonttbl":
                if defining is not None and number in _CHARSETS:
                    fonts[defining] = _CHARSETS[number]
            elif word == "cpg" and number is not None and state.dest == "fonttbl":
                if defining is not None:
                    fonts[defining] = _codepage(number, fonts.get(defining, codepage))
            elif word == "plain":
                state = replace(state, font=None)
            elif word == "bin" and number:
                pos += max(0, number)
            elif word in _SKIP:
                state = replace(state, dest="skip")
            elif word == "info":
                state = replace(state, dest="info-skip" if state.dest is None else "skip")
            elif word in _INFO_FIELDS and first and state.dest == "info-skip":
                state = replace(state, dest=_INFO_FIELDS[word])
            elif word in _CHARS:
                emit(_CHARS[word])
    flush()
    fields.pop("info-skip", None)
    meta = {key: clean("".join(parts)) for key, parts in fields.items()}
    return _tidy("".join(out)), meta


def _codepage(number: int, current: str) -> str:
    try:
        return codecs.lookup(f"cp{number}").name
    except LookupError:
        return current


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
