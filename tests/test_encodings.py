# ruff: noqa: RUF001  (text in many scripts is what these tests are about)
"""Text in legacy encodings decodes back to what was written: plain text, CSV, Markdown, mail
parts, HTML by the WHATWG rules and RTF by its code pages; a doubtful choice is a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import encoding_cases
from tests.encoding_cases import CASES, EncodingCase
from workers.extract import extract
from workers.formats.labels import codec_for_label

pytestmark = pytest.mark.timeout(60)


def _uncertain(warnings: list[str], codec: str) -> bool:
    return any("encoding uncertain" in w and f"decoded as {codec}" in w for w in warnings)


def _chosen(warnings: list[str]) -> str | None:
    for warning in warnings:
        if "decoded as " in warning:
            return warning.split("decoded as ", 1)[1].split()[0]
    return None


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.codec}-{c.language}-{'p' if c.paragraph else 's'}" for c in CASES]
)
def test_text_file_decodes_back(tmp_path: Path, case: EncodingCase) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(case.text.encode(case.codec))
    result = extract(str(path))
    if case.paragraph:
        assert result["text"] == case.text
        assert not any("encoding" in w for w in result["warnings"]), result["warnings"]
    elif result["text"] != case.text:
        # A short line may be undecidable, but then the warning names what was chosen.
        chosen = _chosen(result["warnings"])
        assert chosen is not None, (result["text"], result["warnings"])
        assert result["text"] == case.text.encode(case.codec).decode(chosen, errors="replace")


def test_short_lines_mostly_decode_exactly(tmp_path: Path) -> None:
    """Beyond "warned when wrong": at least 90% of the short lines come back exactly."""
    shorts = [case for case in CASES if not case.paragraph]
    exact = 0
    for n, case in enumerate(shorts):
        path = tmp_path / f"line{n}.txt"
        path.write_bytes(case.text.encode(case.codec))
        exact += extract(str(path))["text"] == case.text
    assert exact >= 0.9 * len(shorts), f"{exact}/{len(shorts)}"


def test_undecidable_bytes_warn_naming_the_encoding(tmp_path: Path) -> None:
    # Six Han characters in Shift-JIS are also six in GB18030 and Korean: too short to know.
    path = tmp_path / "header.csv"
    path.write_bytes("名前,年齢,住所".encode("shift_jis"))
    result = extract(str(path))
    assert result["text"] == "名前\t年齢\t住所"
    assert _uncertain(result["warnings"], "cp932"), result["warnings"]
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(0x80, 0x100)) * 4)
    warnings = extract(str(noise))["warnings"]
    assert any("encoding uncertain, decoded as" in w or "no known text" in w for w in warnings)


def test_shift_jis_csv_and_cp1253_markdown(tmp_path: Path) -> None:
    rows = "名前,年齢,住所\n山田太郎,35,東京都新宿区\n佐藤花子,28,大阪府大阪市\n"
    csv = tmp_path / "people.csv"
    csv.write_bytes(rows.encode("shift_jis"))
    result = extract(str(csv))
    assert result["text"] == rows.strip().replace(",", "\t")
    md = tmp_path / "notes.md"
    greek = "# Σημειώσεις\n\nΗ συνάντηση θα γίνει την Τρίτη στις δέκα το πρωί, στο γραφείο.\n"
    md.write_bytes(greek.encode("cp1253"))
    assert extract(str(md))["text"] == greek


def _mail(body: bytes, content_type: str) -> bytes:
    head = (
        "From: Anna <anna@example.org>\r\nTo: Boris <boris@example.org>\r\n"
        "Subject: test\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("ascii") + body


@pytest.mark.parametrize(
    ("content_type", "codec", "text"),
    [
        ("text/plain; charset=windows-1251", "cp1251", "Добрый день! Счёт на 1500 рублей."),
        ("text/plain", "cp1251", "Добрый день! Высылаю вам счёт за октябрь, оплатите, пожалуйста."),
        ("text/plain; charset=iso-8859-1", "cp1252", "Prix : 20 € — « très bien »"),
        ("text/plain; charset=utf-8", "cp1250", "Dzień dobry, przesyłam fakturę za październik."),
        ("text/plain; charset=shift_jis", "cp932", "請求書を添付しました。よろしくお願いします。"),
        ("text/plain; charset=iso-8859-1", "utf-8", "Hi! I’m Ihor — we’ll call you."),
        ("text/plain; charset=us-ascii", "cp1251", "Уважаемые коллеги, отчёт за квартал готов."),
    ],
)
def test_mail_parts(tmp_path: Path, content_type: str, codec: str, text: str) -> None:
    path = tmp_path / "message.eml"
    path.write_bytes(_mail(text.encode(codec) + b"\r\n", content_type))
    result = extract(str(path))
    assert result["kind"] == "eml"
    assert result["text"].strip() == text


def test_mail_html_part_uses_the_part_charset_not_its_meta(tmp_path: Path) -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Счёт готов.</p></body></html>'
    path = tmp_path / "message.eml"
    path.write_bytes(_mail(html.encode("utf-8"), "text/html; charset=utf-8"))
    assert extract(str(path))["text"] == "Счёт готов."


@pytest.mark.parametrize(
    ("head", "codec", "text"),
    [
        # WHATWG: iso-8859-1 and us-ascii are windows-1252, so € and curly quotes survive.
        ('<meta charset="iso-8859-1">', "cp1252", "Price: 15 € – “quoted” ‘text’"),
        ("<meta charset=us-ascii>", "cp1252", "Œuvres complètes — 12 €"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
            "cp932",
            "株式会社の年次報告書",
        ),
        ('<meta charset="gb2312">', "gb18030", "年度报告与财务摘要"),
        ('<meta charset="euc-kr">', "cp949", "연간 보고서 요약"),
        ('<meta charset="iso-8859-9">', "cp1254", "Yıllık rapor özeti"),
        ("", "cp1251", "Годовой отчёт компании за прошлый год, с примечаниями и таблицами."),
        ('<!-- <meta charset="koi8-r"> --><meta charset="koi8-r">', "koi8_r", "Годовой отчёт"),
    ],
)
def test_html_charset_by_whatwg(tmp_path: Path, head: str, codec: str, text: str) -> None:
    page = f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body><p>{text}</p></body>"
    path = tmp_path / "page.html"
    path.write_bytes(page.encode(codec))
    result = extract(str(path))
    assert result["text"] == text, result["warnings"]


def test_html_bom_beats_meta_and_a_wrong_meta_is_detected(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1251"></head><body><p>naïve café</p></body></html>'
    bom = tmp_path / "bom.html"
    bom.write_bytes(b"\xef\xbb\xbf" + page.encode("utf-8"))
    assert extract(str(bom))["text"] == "naïve café"
    wrong = tmp_path / "wrong.html"
    text = "Zażółć gęślą jaźń, powiedział kierownik i poszedł do domu na obiad."
    wrong.write_bytes(f'<meta charset="utf-8"><p>{text}</p>'.encode("cp1250"))
    result = extract(str(wrong))
    assert result["text"] == text
    assert any("not valid utf-8 as declared" in w for w in result["warnings"])


def test_whatwg_labels() -> None:
    assert codec_for_label("ISO-8859-1") == "cp1252"
    assert codec_for_label(" latin1 ") == "cp1252"
    assert codec_for_label("ascii") == "cp1252"
    assert codec_for_label("x-sjis") == "cp932"
    assert codec_for_label("ks_c_5601-1987") == "cp949"
    assert codec_for_label("iso-2022-kr") is None  # the replacement encoding
    assert codec_for_label("no-such-charset") is None


def _hexes(text: str, codec: str) -> str:
    return "".join(f"\\'{byte:02x}" for byte in text.encode(codec))


def test_rtf_font_charsets(tmp_path: Path) -> None:
    source = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}"
        r"{\f1\froman\fcharset204 Times New Roman Cyr;}{\f2\fcharset161 Arial Greek;}"
        r"{\f3\fnil\fcharset128 MS Mincho;}{\f4\fcharset238 Arial CE;}}"
        r"\pard\f0 caf\'e9 \f1 " + _hexes("Привет, мир", "cp1251") + r"\par {\f2 "
        + _hexes("Καλημέρα", "cp1253") + r"}\par\f3 \'83e\'83X\'83g"  # テスト, second bytes bare
        + _hexes("文書", "cp932") + r"\'95\\\'83\\"  # 表ソ: second bytes 5C, escaped
        + r"\par\f4 " + _hexes("Zażółć", "cp1250") + r"\par\f0 end}"
    )  # fmt: skip
    path = tmp_path / "fonts.rtf"
    path.write_bytes(source.encode("ascii"))
    assert extract(str(path))["text"] == "café Привет, мир\nΚαλημέρα\nテスト文書表ソ\nZażółć\nend"


def test_rtf_ansicpg(tmp_path: Path) -> None:
    path = tmp_path / "ru.rtf"
    body = _hexes("Отчёт за год", "cp1251")
    source = r"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0 Arial;}}\f0 " + body + "}"
    path.write_bytes(source.encode("ascii"))
    assert extract(str(path))["text"] == "Отчёт за год"


def test_the_score_the_fidelity_benchmark_reports() -> None:
    summary = encoding_cases.score()
    assert summary.startswith(f"{len(CASES)}/{len(CASES)} exact") and "0 silent mojibake" in summary
