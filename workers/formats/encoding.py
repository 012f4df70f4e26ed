"""Bytes to text, the one way every text-like format decodes: a byte-order mark, else a
declared charset (mail parts, HTML), else strict UTF-8, else detection.

Detection is charset-normalizer's, limited to the encodings documents are written in, and its
candidates are then re-ranked by how plausible each decoding is as text in some language
(`alphabets.implausibility`). When the bytes leave the choice open (two candidates read
differently and equally well, or the best one still reads as mojibake) the document's warnings
say which encoding was chosen, so a wrong guess is never silent. HTML follows the WHATWG
Encoding Standard: a BOM, then `<meta charset>` or its http-equiv form in the first 1024 bytes,
labels mapped as browsers map them (`iso-8859-1`, `latin1` and `ascii` are windows-1252).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.alphabets import foreign_letters, implausibility
from workers.formats.labels import codec_for_label
from workers.language import identify

# UTF-32 LE's BOM starts with UTF-16 LE's, so it is tested first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip
# What detection chooses from: the encodings documents are written in. ISO-8859-1 is left to
# cp1252, its superset for text; DOS code pages other than Russian cp866, and Vietnamese cp1258
# (its letters overlap Portuguese and Romanian ones), are too rare to risk.
CANDIDATES = (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "iso8859_2", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "koi8_r", "koi8_u",
    "mac_cyrillic", "mac_roman",
    "cp866", "cp874", "cp932", "euc_jp", "iso2022_jp", "gb18030", "big5", "cp949",
    "utf_16_le", "utf_16_be",
)  # fmt: skip
SHORT = 100  # non-ASCII bytes below which a text is short: its detection is a guess
SAMPLE_BYTES = 256 * 1024  # detection reads this much; the whole file is then decoded
MOJIBAKE = 0.1  # implausible share of non-ASCII characters above which the result is doubtful
_CLOSE = 0.02  # two candidates this close in plausibility are a tie
_SURER = 0.3  # unless the language model is this much surer of one (short text)
JUDGED_CHARS = 20_000  # plausibility is judged on the start of the sample
_META = re.compile(rb"<meta\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_CONTENT_CHARSET = re.compile(rb"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']""")
_ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us"})
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)


def decode_text(data: bytes, what: str, warnings: list[str]) -> str:
    """Decode a text file: BOM, bomless UTF-16, strict UTF-8, then detection; raise UNSUPPORTED
    for binary data (NUL bytes that are not UTF-16)."""
    if (text := _by_bom(data)) is not None:
        return text
    if b"\x00" in data:
        utf16 = bomless_utf16(data)
        if utf16 is None:
            raise TaskError(ErrorType.UNSUPPORTED, f"{what} contains binary data, not text")
        return data.decode(utf16, errors="replace")
    return decode_bytes(data, what, warnings)


def decode_bytes(data: bytes, what: str, warnings: list[str], declared: str | None = None) -> str:
    """Decode bytes that should be text (a mail part, a file): BOM, then the `declared`
    charset label if the bytes are valid in it (unless they are valid UTF-8 with non-ASCII
    characters: then UTF-8), then strict UTF-8, then detection."""
    if (text := _by_bom(data)) is not None:
        return text
    if declared and declared.strip().lower() in _ASCII_LABELS and not data.isascii():
        # 8-bit text labelled ASCII (the default of a part with no charset): the label says
        # nothing about which code page, so detect.
        declared = None
    if declared:
        codec = codec_for_label(declared, lenient=True)
        if codec is not None and not codec.startswith("utf") and _utf8_beyond_ascii(data):
            # Legacy text is almost never valid UTF-8 once it has non-ASCII bytes; a sender
            # that labels UTF-8 as iso-8859-1 is common.
            warnings.append(f"{what}: declared {declared} but is UTF-8; read as UTF-8")
            return data.decode("utf-8")
        if codec is not None:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                warnings.append(f"{what}: not valid {declared} as declared; charset detected")
        else:
            warnings.append(f"{what}: unknown charset {declared!r}; charset detected")
    if b"\x1b$" in data[:SAMPLE_BYTES]:
        # ISO-2022-JP is 7-bit, so valid UTF-8 too: its escape sequences (ESC $ B) tell it.
        try:
            return data.decode("iso2022_jp_ext")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = detect(data, what, warnings)
    return data.decode(codec, errors="replace")


def decode_html(data: bytes, what: str, warnings: list[str]) -> str:
    """Decode an HTML document by the WHATWG rules: BOM, then the charset its `<meta>` declares
    in the first 1024 bytes (or an XML declaration), then strict UTF-8, then detection."""
    if (text := _by_bom(data)) is not None:
        return text
    if b"\x00" in data[:1024] and (utf16 := bomless_utf16(data)) is not None:
        return data.decode(utf16, errors="replace")
    label = prescan(data[:1024])
    codec = codec_for_label(label) if label else None
    if codec is not None:
        # A page in UTF-16 cannot declare so in ASCII-compatible bytes: WHATWG reads it as UTF-8.
        codec = "utf-8" if codec.startswith("utf-16") else codec
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            # Browsers would show U+FFFD; a wrong declaration is common enough to look further.
            warnings.append(f"{what}: not valid {label} as declared; charset detected")
    return decode_bytes(data, what, warnings)


def prescan(head: bytes) -> str | None:
    """The charset label the first bytes of an HTML document declare: `<meta charset>`, else
    `<meta http-equiv="content-type" content="...; charset=...">`, else an XML declaration."""
    head = _COMMENT.sub(b"", head)
    for tag in _META.finditer(head):
        attrs = {name.lower(): value.strip(b"\"'") for name, value in _ATTR.findall(tag.group(1))}
        if b"charset" in attrs:
            return attrs[b"charset"].decode("ascii", "replace").strip()
        if attrs.get(b"http-equiv", b"").lower() == b"content-type":
            match = _CONTENT_CHARSET.search(attrs.get(b"content", b""))
            if match:
                return match.group(1).decode("ascii", "replace")
    match = _XML_DECLARATION.match(head.lstrip())
    return match.group(1).decode("ascii") if match else None


def detect(data: bytes, what: str, warnings: list[str]) -> str:
    """The codec `data` (not UTF-8) most plausibly is in; a warning when that is uncertain."""
    from charset_normalizer import from_bytes  # with its tables, only once a legacy file comes

    sample = _trim(data[:SAMPLE_BYTES], len(data) > SAMPLE_BYTES)
    # On short text the detector's statistics are weak: among equally plausible decodings, the
    # one whose letters all belong to the language the model finds, and that it is surest of,
    # wins; then the detector's order.
    short = sum(1 for byte in sample if byte > 0x7F) < SHORT
    readings: list[_Reading] = []
    for rank, match in enumerate(from_bytes(sample, cp_isolation=list(CANDIDATES))):
        text = str(match)
        if any(text == other.text for other in readings):
            continue  # the same text as a better-ranked codec: no choice between them
        hard, score = implausibility(text[:JUDGED_CHARS])
        if short:
            language, confidence = identify(text)
            stray = foreign_letters(text, language)  # "è" read as "č" in Italian
            key: tuple[float, ...] = (round(score, 1), stray, -round(confidence, 2), rank)
        else:
            confidence, key = 1.0, (round(score, 2), rank)
        readings.append(_Reading(match.encoding, text, hard, confidence, key))
    if not readings:
        warnings.append(f"{what}: no known text encoding fits; decoded as cp1252")
        return "cp1252"
    readings.sort(key=lambda reading: reading.key)
    best = readings[0]
    # A rival reads as plausibly and (short text) the model is nearly as sure of it.
    rivals = [
        other.codec
        for other in readings[1:]
        if short and other.key[:2] == best.key[:2] and best.confidence - other.confidence <= _SURER
    ]
    if best.hard > MOJIBAKE or rivals:
        others = f" (also possible: {', '.join(rivals[:3])})" if rivals else ""
        warnings.append(f"{what}: encoding uncertain, decoded as {best.codec}{others}")
    return best.codec


@dataclass(frozen=True)
class _Reading:
    """One candidate decoding of a sample."""

    codec: str
    text: str
    hard: float  # implausible share, letters of several alphabets allowed
    confidence: float  # the language model's, on short text
    key: tuple[float, ...]  # the lowest reads best


def bomless_utf16(data: bytes) -> str | None:
    """Return the UTF-16 codec `data` looks like without a BOM, or None."""
    sample = data[:4096]
    half = len(sample) // 2
    if len(data) % 2 or half == 0:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    # Latin text in UTF-16 has a NUL in most high bytes and almost none in the low ones; other
    # scripts have one only in the high byte of spaces, digits and ASCII punctuation, so their
    # fewer NULs must come with a decoding that reads as text.
    options = (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls))
    for codec, high, low in options:
        if low > 0.02 * half or high < 0.1 * half:
            continue
        if high >= 0.3 * half or _reads_as_text(sample, codec):
            return codec
    return None


def _reads_as_text(sample: bytes, codec: str) -> bool:
    try:
        text = sample.decode(codec)
    except UnicodeDecodeError:  # a surrogate pair cut at the end of the sample
        try:
            text = sample[:-2].decode(codec)
        except UnicodeDecodeError:
            return False
    controls = sum(1 for char in text if char < " " and char not in "\t\n\r\f")
    return controls == 0 and implausibility(text)[0] <= MOJIBAKE


def _utf8_beyond_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _by_bom(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    return None


def _trim(sample: bytes, cut: bool) -> bytes:
    """A sample cut inside the file ends at its last newline, not inside a character."""
    if cut and (end := sample.rfind(b"\n")) > 0:
        return sample[:end]
    return sample
