# ruff: noqa: RUF001  (text in many scripts is what these tests are about)
"""Texts in legacy encodings: each case names a codec, the text it must decode back to, and
whether it is a paragraph (exact equality required) or a short line (exact, or else a warning
that names the encoding chosen). tests/test_encodings.py writes each as a real file; the
fidelity benchmark (bench/fidelity.py) reports score().
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import NamedTuple

from tests.language_cases import CASES as LANGUAGES

_PARAGRAPH = {case.code: case.text for case in LANGUAGES}
_ZH_HANT = (
    "我們街角的圖書館每天早上九點開門。每到星期六，館裡就擠滿了來聽故事的孩子，他們的父母則在"
    "大樓後面的小花園裡喝咖啡。去年市議會想把它關掉，但是有那麼多人寫信反對，這個計畫最後只好"
    "放棄了。"
)
_FR_1252 = (
    "« Le prix a augmenté de 15 € depuis l’été », m’a dit la vendeuse — elle n’y pouvait rien. "
    "J’ai quand même acheté le pain, deux croissants et un gâteau aux pêches pour l’anniversaire "
    "de ma sœur, qui fête ses trente ans ce week-end à la campagne."
)


class EncodingCase(NamedTuple):
    codec: str  # a Python codec name
    language: str  # ISO 639-1
    text: str
    paragraph: bool  # False: a short line


def _case(codec: str, language: str, short: str) -> tuple[EncodingCase, EncodingCase]:
    text = _FR_1252 if (codec, language) == ("cp1252", "fr") else _PARAGRAPH.get(language)
    if language == "zh-hant":
        text = _ZH_HANT
    assert text is not None
    return EncodingCase(codec, language, text, True), EncodingCase(codec, language, short, False)


CASES: tuple[EncodingCase, ...] = tuple(
    case
    for pair in (
        _case("cp1251", "ru", "Привет, как у тебя дела?"),
        _case("cp1251", "bg", "Добро утро, как си днес?"),
        _case("cp1251", "uk", "Дякую, все добре, а в тебе?"),
        _case("cp1252", "fr", "Le café coûte 2,50 € à côté."),
        _case("cp1252", "de", "Grüße aus München, Jürgen"),
        _case("cp1252", "es", "¿Dónde está la estación?"),
        _case("cp1252", "sv", "Hälsningar från Göteborg"),
        _case("cp1250", "pl", "Zażółć gęślą jaźń"),
        _case("cp1250", "cs", "Příliš žluťoučký kůň úpěl"),
        _case("cp1253", "el", "Καλημέρα, τι κάνεις σήμερα;"),
        _case("iso8859_2", "pl", "Dzień dobry, proszę pana"),
        _case("iso8859_2", "hu", "Árvíztűrő tükörfúrógép"),
        _case("koi8_r", "ru", "Съешь же ещё этих мягких булок"),
        _case("shift_jis", "ja", "名前,年齢,住所"),
        _case("euc_jp", "ja", "今日はいい天気ですね。"),
        _case("gb18030", "zh", "你好，欢迎来到北京。"),
        _case("big5", "zh-hant", "歡迎光臨台北。"),
        _case("euc_kr", "ko", "안녕하세요, 반갑습니다."),
        _case("cp1254", "tr", "Günaydın, nasılsınız?"),
        _case("cp1255", "he", "שלום, מה שלומך היום?"),
        _case("cp1256", "ar", "مرحبا، كيف حالك اليوم؟"),
        _case("cp1257", "lt", "Labas rytas, kaip sekasi?"),
        _case("utf-16-le", "ru", "Привет, как у тебя дела?"),
        _case("utf-16-be", "ja", "名前,年齢,住所"),
        _case("utf-16-le", "de", "Grüße aus München, Jürgen"),
    )
    for case in pair
) + tuple(
    # Paragraphs in more code pages: neighbours of the ones above that detection must tell apart.
    EncodingCase(codec, language, _PARAGRAPH[language], True)
    for codec, language in (
        ("cp1250", "sk"), ("cp1250", "hr"), ("cp1250", "sl"), ("cp1250", "hu"),
        ("iso8859_2", "cs"), ("cp1257", "lv"), ("cp1257", "et"), ("cp1252", "it"),
        ("cp1252", "ca"), ("cp1252", "pt"), ("cp1252", "da"), ("cp1252", "no"),
        ("cp1251", "sr"), ("koi8_u", "uk"), ("cp866", "ru"), ("iso8859_5", "ru"),
        ("mac_cyrillic", "ru"), ("iso8859_7", "el"), ("iso8859_8", "he"), ("iso8859_6", "ar"),
        ("cp874", "th"), ("mac_roman", "fr"), ("utf-16-le", "hi"), ("utf-16-be", "ur"),
        ("iso2022_jp", "ja"),
    )
)  # fmt: skip


def score() -> str:
    """Every case written to a file and extracted, scored as tests/test_encodings.py scores
    it: a paragraph must come back exactly and without a warning; a short line exactly, or else
    with a warning naming the encoding chosen (never silent mojibake)."""
    from workers.extract import extract

    exact = paragraphs = shorts = warned = silent = 0
    with tempfile.TemporaryDirectory() as folder:
        for n, case in enumerate(CASES):
            path = Path(folder) / f"case{n}.txt"
            path.write_bytes(case.text.encode(case.codec))
            result = extract(str(path))
            same = result["text"] == case.text
            uncertain = any("encoding uncertain" in w for w in result["warnings"])
            exact += same
            warned += uncertain
            if case.paragraph:
                paragraphs += same and not uncertain
            else:
                shorts += same or uncertain
            silent += not same and not uncertain
    count = sum(1 for case in CASES if case.paragraph)
    return (
        f"{exact}/{len(CASES)} exact; paragraphs {paragraphs}/{count} exact without a warning; "
        f"short lines {shorts}/{len(CASES) - count} exact or warned; {warned} warned; "
        f"{silent} silent mojibake"
    )
