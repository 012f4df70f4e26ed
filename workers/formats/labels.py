"""Charset labels to Python codecs, as the WHATWG Encoding Standard maps them (the labels a
browser accepts in `<meta charset>` or a Content-Type), so a page decodes as browsers show it:
`iso-8859-1`, `latin1` and `us-ascii` are windows-1252, `gb2312` is GB18030, `shift_jis` is
windows-31j, `euc-kr` is windows-949, `iso-8859-9` is windows-1254, `tis-620` is windows-874.
"""

from __future__ import annotations

import codecs

# Python codec -> the WHATWG labels that name it (https://encoding.spec.whatwg.org/#names-and-labels).
_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": (
        "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8",
    ),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859_2": ("csisolatin2", "iso-ir-101", "l2", "latin2"),
    "iso8859_3": ("csisolatin3", "iso-ir-109", "l3", "latin3"),
    "iso8859_4": ("csisolatin4", "iso-ir-110", "l4", "latin4"),
    "iso8859_5": ("csisolatincyrillic", "cyrillic", "iso-ir-144"),
    "iso8859_6": (
        "arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
        "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127",
    ),
    "iso8859_7": (
        "csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-ir-126", "sun_eu_greek",
    ),
    "iso8859_8": (
        "csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8-e", "iso-ir-138", "visual",
        "csiso88598i", "iso-8859-8-i", "logical",
    ),
    "iso8859_10": ("csisolatin6", "iso-ir-157", "l6", "latin6"),
    "iso8859_13": (), "iso8859_14": (), "iso8859_15": ("csisolatin9", "l9"), "iso8859_16": (),
    "koi8_r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8_u": ("koi8-ru", "koi8-u"),
    "mac_roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1252": (
        "ansi_x3.4-1968", "ascii", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
        "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii",
    ),
    "cp1254": (
        "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
        "iso_8859-9:1989", "l5", "latin5",
    ),
    "mac_cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gb18030": (
        "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
        "iso-ir-58", "x-gbk", "gb18030",
    ),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc_jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp": ("csiso2022jp", "iso-2022-jp"),
    "cp932": (
        "csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j",
        "x-sjis",
    ),
    "cp949": (
        "cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987",
        "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949",
    ),
    "utf-16-be": ("unicodefffe", "utf-16be"),
    "utf-16-le": (
        "csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le",
    ),
}  # fmt: skip
# Encodings a browser refuses to decode (they were used to smuggle markup past filters).
_REPLACEMENT = frozenset({
    "csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr", "replacement",
})  # fmt: skip


def _table() -> dict[str, str]:
    table = {label: codec for codec, labels in _LABELS.items() for label in labels}
    for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16):
        for label in (f"iso-8859-{n}", f"iso8859-{n}", f"iso8859{n}", f"iso_8859-{n}"):
            table.setdefault(label, f"iso8859_{n}")
    for label in ("iso_8859-2:1987", "iso_8859-3:1988", "iso_8859-4:1988", "iso_8859-5:1988",
                  "iso_8859-6:1987", "iso_8859-7:1987", "iso_8859-8:1988"):  # fmt: skip
        table[label] = f"iso8859_{label[9]}"
    for n in range(9):
        for label in (f"cp125{n}", f"windows-125{n}", f"x-cp125{n}"):
            table[label] = f"cp125{n}"
    return table


LABELS = _table()


def codec_for_label(label: str, *, lenient: bool = False) -> str | None:
    """The Python codec for a charset label by the WHATWG table, or None when it names no
    encoding a browser decodes. `lenient` (mail parts) also accepts any label Python knows."""
    key = label.strip().strip("\"'").lower()
    if key in _REPLACEMENT:
        return None
    if key in LABELS:
        return LABELS[key]
    if lenient:
        try:
            return codecs.lookup(key).name
        except LookupError:
            return None
    return None
