"""How plausible a decoding is as text in some language: the share of its non-ASCII characters
that fit no language's alphabet, or break the case of a word.

A byte-level detector (charset-normalizer) ranks the legacy single-byte code pages well by
script but often confuses code pages of one script: Polish cp1250 read as cp1252 gives
`siê dziewi¹tej`, Hungarian ISO-8859-2 read as cp1257 gives `ës` for `ős`, and Russian KOI8-R
read as cp1251 swaps the case of letters. Real text uses the letters of one language (or a few)
and keeps words in one case; mojibake mixes letters of several languages with superscripts,
symbols and case flips. This module scores that, so the decoder can pick among the detector's
candidates.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# The letters beyond ASCII of each language written in Latin, Cyrillic or Greek (lower case;
# upper case is derived); other scripts count as a whole (_SCRIPT_RANGES).
_LATIN = {
    "de": "äöüß", "fr": "àâæçéèêëîïôœùûüÿ", "es": "áéíñóúü", "it": "àèéìíîòóùú",
    "pt": "áâãàçéêíóôõú", "nl": "áéèëïóöü", "sv": "åäöé", "da": "æøåé", "no": "æøåéóò",
    "fi": "äöåšž", "is": "áéíóúýþæöð", "pl": "ąćęłńóśźż", "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž", "sl": "čšž", "hr": "čćđšž", "hu": "áéíóöőúüű",
    "ro": "ăâîșțşţ", "tr": "çğıöşüâîû", "lt": "ąčęėįšųūž", "lv": "āčēģīķļņšūž",
    "et": "äöõüšž", "ca": "àçèéíïòóúü·", "eu": "ñ", "ga": "áéíóú", "cy": "âêîôûŵŷäëïöüẅÿ",
    "sq": "çë", "mt": "ċġħż", "eo": "ĉĝĥĵŝŭ", "af": "êëéèîïôûŉ", "gl": "áéíóúñü",
}  # fmt: skip
_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_OTHER = {
    "ru": _RU, "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя", "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш", "kk": _RU + "әғқңөұүһі",
    "el": "αβγδεζηθικλμνξοπρστυφχψωςάέήίόύώϊϋΐΰ",
}  # fmt: skip
# Scripts whose letters all belong to the languages that use them.
_SCRIPT_RANGES = (
    (0x1F00, 0x1FFF),  # polytonic Greek
    (0x0590, 0x05FF),  # Hebrew
    (0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),  # Arabic
    (0x0E00, 0x0E7F),  # Thai
    (0x0900, 0x0DFF),  # Indic scripts
    (0x1100, 0x11FF), (0xAC00, 0xD7A3),  # Hangul (not its compatibility jamo: rare in text)
    (0x3040, 0x30FF), (0x31F0, 0x31FF),  # kana (not the half-width forms: rare in text)
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF),  # Han
    (0x3000, 0x303F), (0xFF00, 0xFF65),  # CJK punctuation and full-width forms
)  # fmt: skip
# Punctuation and symbols that ordinary text uses beyond ASCII.
_COMMON = set(
    "\u00a0\u00ab\u00bb\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u2022\u20ac"
    "\u00a3\u00a5\u00b0\u00a7\u00a9\u00ae\u2122\u00b1\u00d7\u00f7\u00bd\u00bc\u00be\u00b7"
    "\u00aa\u00ba\u2039\u203a\u2116\u00b5\u2030\u2020\u00b6\u00a2\u2212\u2032\u2033\u02bc\u0301"
)
_OPENERS = set("\u00bf\u00a1")  # Spanish ¿ ¡: plausible before a word, not inside one
_OBSOLETE = set("\u0e03\u0e05")  # Thai letters out of use, frequent in CJK read as cp874


def foreign_letters(text: str, language: str) -> int:
    """How many letters of `text` beyond ASCII the alphabet of `language` does not have (0 for
    a language this module has no alphabet for, or one written in a script of its own)."""
    letters = _LATIN.get(language) or _OTHER.get(language)
    if letters is None:
        return 0
    alphabet = frozenset(letters + letters.upper())
    return sum(1 for char in text if char >= "\x80" and char.isalpha() and char not in alphabet)


@cache
def _alphabets() -> list[frozenset[str]]:
    out = []
    for letters in _LATIN.values():
        out.append(frozenset(letters + letters.upper()))
    for letters in _OTHER.values():
        out.append(frozenset(letters + letters.upper()))
    return out


def _in_scripts(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _SCRIPT_RANGES)


# Scripts by code point range, to find words that mix them: mojibake does, text does not
# (Chinese and Japanese mix Han with kana, which is allowed).
_SCRIPT_OF = (
    (0x0041, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"), (0x0370, 0x03FF, "Greek"),
    (0x1F00, 0x1FFF, "Greek"), (0x0400, 0x052F, "Cyrillic"), (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
    (0x0E00, 0x0E7F, "Thai"), (0xAC00, 0xD7A3, "Hangul"), (0x3130, 0x318F, "Hangul"),
    (0x3040, 0x30FF, "Han"), (0x31F0, 0x31FF, "Han"), (0xFF66, 0xFF9F, "Han"),
    (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xF900, 0xFAFF, "Han"),
    (0x20000, 0x2FFFF, "Han"), (0x3100, 0x312F, "Han"),
)  # fmt: skip
_HEBREW_FINALS = set("\u05da\u05dd\u05df\u05e3\u05e5")  # the final forms end a word


def _script(char: str) -> str | None:
    code = ord(char)
    for low, high, name in _SCRIPT_OF:
        if low <= code <= high:
            return name
    return None


def implausibility(text: str) -> tuple[float, float]:
    """The shares (0..1) of the non-ASCII characters of `text` that real text would not have:
    first what no text has (controls, unassigned or private-use code points, symbols inside
    words, words that mix scripts, letters whose case flips inside a word, letters of no
    alphabet known here); second, that plus the letters outside the one alphabet that covers
    most of them, which a text in several languages does have but mojibake has more of."""
    odd = 0
    foreign: dict[str, int] = {}
    total = 0
    count = len(text)
    for i, char in enumerate(text):
        previous = text[i - 1] if i else " "
        if char < "\x80" and (previous < "\x80" or not char.isalpha()):
            continue
        following = text[i + 1] if i + 1 < count else " "
        total += char >= "\x80"
        inside = previous.isalpha() and following.isalpha()
        if char.isalpha() and previous.isalpha():
            if previous.islower() and char.isupper():
                odd += 1  # "бИБЛИОТЕКА": KOI8-R read as cp1251, or the reverse
            elif _script(previous) != _script(char):
                odd += 1  # "Straίe", "寰ж撮"
            elif previous in _HEBREW_FINALS or previous == "ς":
                odd += 1  # a final form inside a word
        if char < "\x80":
            continue
        category = unicodedata.category(char)
        if char in _COMMON or (char in _OPENERS and not previous.isalpha()):
            odd += inside and not char.isalpha() and char not in "\u00b7\u2019\u02bc"
        elif category == "Mn" and not previous.isalpha():
            odd += 1  # a combining mark with no letter to combine with
        elif category == "Mn" and _script(char) not in (None, _script(previous)):
            odd += 1  # a Thai vowel sign on a Latin letter
        elif category[0] != "C" and char not in _OBSOLETE and _in_scripts(char):
            pass
        elif category[0] == "L" or category == "Mn":
            foreign[char] = foreign.get(char, 0) + 1
        elif category[0] != "Z":  # controls, unassigned, private use, superscripts, symbols
            odd += 1
    if not total:
        return 0.0, 0.0
    mixed = 0
    if foreign:
        known = frozenset().union(*_alphabets())
        odd += sum(n for c, n in foreign.items() if c not in known)
        covered = max(sum(n for c, n in foreign.items() if c in abc) for abc in _alphabets())
        mixed = sum(n for c, n in foreign.items() if c in known) - covered
    return min(1.0, odd / total), min(1.0, (odd + mixed) / total)
