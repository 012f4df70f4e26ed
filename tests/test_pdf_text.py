# ruff: noqa: RUF001  (Arabic letters in the expected text)
"""What PDFium's own text gets wrong and docmill puts right (workers.formats.pdfium_text):
words split by letter spacing or a fixed pitch, glyphs without text, right-to-left words left
backwards, and line breaks before combining marks. On PDFs the tests write, with the corpus
files that showed each problem beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.pdf import write_pdf
from workers.extract import extract

pytestmark = pytest.mark.timeout(60)
pytest.importorskip("pypdfium2")

JS = "mozilla__pdf.js/test/pdfs"
ARABIC = "py-pdf__sample-files/015-arabic"
UNS = "Unstructured-IO__unstructured/example-docs/pdf"


def _text(path: Path) -> str:
    return str(extract(str(path))["text"])


def _cells(text: str, x: float, y: float, pitch: float, size: int = 12) -> bytes:
    """`text` drawn one character at a time, each `pitch` points after the last."""
    return b" ".join(
        b"BT /F1 %d Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj ET" % (size, x + pitch * i, y, char.encode())
        for i, char in enumerate(text)
    )


def test_letter_spaced_words_are_whole(tmp_path: Path) -> None:
    # An OCR text layer stretches each word over its box with character spacing, and draws
    # its last letter apart: PDFium read "Nort h Buon a Vist a".
    ocr = (
        b"BT /F1 12 Tf 72 700 Td 3 Tc (Nort) Tj 0 Tc (h ) Tj 3 Tc (Buon) Tj 0 Tc (a ) Tj"
        b" 3 Tc (Vist) Tj 0 Tc (a) Tj ET"
    )
    plain = b"BT /F1 12 Tf 72 680 Td (as input a question, I think: a b c) Tj ET"
    path = write_pdf(tmp_path / "ocr.pdf", [ocr + b" " + plain])
    assert _text(path).splitlines() == ["North Buona Vista", "as input a question, I think: a b c"]


def test_glyphs_at_a_fixed_pitch_are_words(tmp_path: Path) -> None:
    # One glyph at a time, every 7 points, in a proportional font: PDFium read "Test i ng
    # Dedupl i cat i on". Labels spread along an axis keep their spaces.
    labels = _cells("0123456", 100, 500, 22, size=11)
    path = write_pdf(tmp_path / "pitch.pdf", [_cells("Testing Deduplication", 72, 600, 7) + labels])
    assert _text(path).splitlines() == ["Testing Deduplication", "0 1 2 3 4 5 6"]


def test_fake_bold_of_the_corpus(corpus: Path) -> None:
    text = _text(corpus / UNS / "fake-bold-sample.pdf")
    assert "BOLD TEXT SAMPLE\nTesting Deduplication\n" in text


def test_glyphs_without_text_are_dropped(corpus: Path) -> None:
    # A font whose ToUnicode map gives nothing for the glyphs that draw the Arabic word:
    # PDFium read their glyph numbers as Greek letters glued to "habibi".
    text = _text(corpus / ARABIC / "habibi.pdf")
    assert not any("\u0370" <= char <= "\u03ff" for char in text), text
    assert "habibi" in text.split() or "habibi" in text
    # A font with no map at all: PDFium's guess is the text.
    assert _text(corpus / JS / "bug1650302_reduced.pdf").strip() == "Výbava na přání"


def test_right_to_left_words_in_written_order(tmp_path: Path, corpus: Path) -> None:
    # Each glyph carries its letter as /ActualText and the word is drawn left to right, as a
    # browser prints Arabic: PDFium read "ابحرم".
    spans = b" ".join(
        b"/Span <</ActualText <FEFF%04X>>> BDC (o) Tj EMC" % ord(letter) for letter in "ابحرم"
    )
    path = write_pdf(tmp_path / "arabic.pdf", [b"BT /F1 12 Tf 72 400 Td " + spans + b" ET"])
    assert _text(path).strip() == "مرحبا"
    # One glyph that stands for a whole word: PDFium reversed its letters.
    assert "حَبيبي" in _text(corpus / ARABIC / "habibi.pdf")
    # What PDFium reads right stays so, ligatures it expands included.
    assert _text(corpus / JS / "ArabicCIDTrueType.pdf").splitlines()[0] == "انواع الخطوط العربية"
    assert "Arabic:\nمرحبا بالعالم\n" in _text(corpus / "py-pdf__pypdf/resources/hello-world.pdf")


def test_no_line_starts_with_a_combining_mark(corpus: Path) -> None:
    # Thai vowel and tone marks drawn above their letters: PDFium read "ต\nั้\nงฉาก".
    text = _text(corpus / JS / "issue13211.pdf")
    assert "และตั้งฉากกับระนาบ" in text
    assert "สี่เหลี่ยมจัตุรัสรูปหนึ่ง" in text
