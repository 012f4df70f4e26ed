# ruff: noqa: RUF001  (Arabic letters in the expected text)
"""What PDFium's own text gets wrong and docmill puts right (workers.formats.pdfium_text):
words split by letter spacing or a fixed pitch, glyphs without text, right-to-left words left
backwards, line breaks before combining marks, lines cut at every superscript, and marks and
accents read apart from their letters. On PDFs the tests write, with the corpus
files that showed each problem beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.pdf import stream, write_objects, write_pdf
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
    # One glyph that stands for a whole word: PDFium reversed its letters, and put no space
    # between it and the Latin word beside it.
    habibi = _text(corpus / ARABIC / "habibi.pdf")
    assert "حَبيبي" in habibi and "habibi حَبيبي" in habibi and "habibiح" not in habibi
    # What PDFium reads right stays so, ligatures it expands included.
    assert _text(corpus / JS / "ArabicCIDTrueType.pdf").splitlines()[0] == "انواع الخطوط العربية"
    assert "Arabic:\nمرحبا بالعالم\n" in _text(corpus / "py-pdf__pypdf/resources/hello-world.pdf")


def test_no_line_starts_with_a_combining_mark(corpus: Path) -> None:
    # Thai vowel and tone marks drawn above their letters: PDFium read "ต\nั้\nงฉาก".
    text = _text(corpus / JS / "issue13211.pdf")
    assert "และตั้งฉากกับระนาบ" in text
    assert "สี่เหลี่ยมจัตุรัสรูปหนึ่ง" in text


def test_a_superscript_or_subscript_does_not_end_its_line(tmp_path: Path) -> None:
    # PDFium starts a new line wherever the baseline moves: it read "zum R2\n oder zu einem
    # Torus T2\n. Weiter" and "B\nr\n(x)". Lines of a paragraph still end where they end.
    line = (
        b"BT /F1 12 Tf 72 700 Td (nicht zum R) Tj /F1 8 Tf 5 Ts (2) Tj /F1 12 Tf 0 Ts"
        b" ( oder zu einem Torus T) Tj /F1 8 Tf 5 Ts (2) Tj /F1 12 Tf 0 Ts (. Weiter) Tj ET"
    )
    notes = (
        b"BT /F1 12 Tf 72 686 Td (Shen) Tj /F1 7 Tf 4 Ts (1) Tj /F1 12 Tf 0 Ts (, Zhang) Tj"
        b" /F1 7 Tf 4 Ts (2) Tj /F1 12 Tf 0 Ts ( and the ball B) Tj /F1 8 Tf -3 Ts (r) Tj"
        b" /F1 12 Tf 0 Ts ((x) of radius r) Tj ET"
    )
    # Set solid (12 points apart): the next line still starts a line of its own.
    solid = b"BT /F1 12 Tf 72 674 Td (set solid, the next line) Tj 0 -12 Td (x) Tj ET"
    axis = b" ".join(
        b"BT /F1 10 Tf 1 0 0 1 %d 600 Tm (0) Tj ET BT /F1 10 Tf 1 0 0 1 %d 600 Tm (.%d) Tj ET"
        % (100 + 40 * i, 106 + 40 * i, i)
        for i in range(1, 4)
    )
    path = write_pdf(tmp_path / "scripts.pdf", [line + b" " + notes + b" " + solid + b" " + axis])
    assert _text(path).splitlines() == [
        "nicht zum R2 oder zu einem Torus T2. Weiter",
        "Shen1, Zhang2 and the ball Br(x) of radius r",
        "set solid, the next line",
        "x",
        "0.1 0.2 0.3",
    ]


def test_marks_drawn_apart_are_put_back_on_their_letters(tmp_path: Path) -> None:
    # Thai tone marks drawn after the line, each over its letter: PDFium read "xyz abc ้ ํ".
    marks = b" ".join(
        b"BT /F1 12 Tf 1 0 0 1 %.1f 704 Tm /Span <</ActualText <FEFF%04X>>> BDC (') Tj EMC ET"
        % (x, mark)
        for x, mark in ((95.5, 0x0E49), (109.0, 0x0E4D))
    )
    path = write_pdf(tmp_path / "marks.pdf", [b"BT /F1 12 Tf 72 700 Td (xyz abc) Tj ET " + marks])
    assert _text(path).strip() == "xyz a\u0e49bc\u0e4d"


def test_accents_set_over_a_letter_compose_with_it(tmp_path: Path) -> None:
    # TeX's accents: an acute glyph (WinAnsi 0xB4) moved back over the "a" of "Laszlo"; a
    # diaeresis set, then a dotless i moved back under it; a ring (U+02DA) left at the line's
    # end over the "a" of "Hagen". An acute with a place of its own (an apostrophe typed so)
    # stays as it is.
    dotless = b"/Span <</ActualText <FEFF0131>>> BDC (i) Tj EMC"
    ring = b"/Span <</ActualText <FEFF02DA>>> BDC (\\260) Tj EMC"
    page = (
        b"BT /F1 12 Tf 72 700 Td (Laszlo) Tj ET BT /F1 12 Tf 1 0 0 1 80 702 Tm (\\264) Tj ET"
        b" BT /F1 12 Tf 72 680 Td (na) Tj [(\\250) 273] TJ " + dotless + b" (ve) Tj ET"
        b" BT /F1 12 Tf 72 660 Td (Hagen and Norway\\264s) Tj ET"
        b" BT /F1 12 Tf 1 0 0 1 80 663 Tm " + ring + b" ET"
    )
    text = _text(write_pdf(tmp_path / "accents.pdf", [page]))
    assert text.splitlines() == ["L\u00e1szlo", "na\u00efve", "H\u00e5gen and Norway\u00b4s"]


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_lines_come_in_reading_order_on_turned_pages_and_in_turned_text(
    tmp_path: Path, rotate: int
) -> None:
    # PDFium orders lines as the page is shown (/Rotate applied), and well only for text
    # that stands upright so: it read the last line first of text upright on a page shown
    # turned, and of text written downwards (a table set on its side) on a page not turned.
    lines = (b"first", b"second", b"third")
    flat = b"BT /F1 12 Tf 72 700 Td (first line) Tj 0 -14 Td (second line) Tj"
    flat += b" 0 -14 Td (third line) Tj ET"
    up = b" ".join(
        b"BT /F1 12 Tf 0 1 -1 0 %d 100 Tm (%s line) Tj ET" % (100 + 14 * i, word)
        for i, word in enumerate(lines)
    )
    down = b" ".join(
        b"BT /F1 12 Tf 0 -1 1 0 %d 700 Tm (%s line) Tj ET" % (128 - 14 * i, word)
        for i, word in enumerate(lines)
    )
    upside_down = b" ".join(
        b"BT /F1 12 Tf -1 0 0 -1 500 %d Tm (%s line) Tj ET" % (100 + 14 * i, word)
        for i, word in enumerate(lines)
    )
    path = write_pdf(tmp_path / "turned.pdf", [flat, up, down, upside_down], rotate=rotate)
    pages = _text(path).split("\n\n")
    assert pages == ["first line\nsecond line\nthird line"] * 4


def test_a_page_turned_by_its_rotate_entry_reads_in_order(corpus: Path) -> None:
    text = _text(corpus / "Unstructured-IO__unstructured/example-docs/rotated-page-90.pdf")
    lines = ["Hello World Test Text", "Second line of text here", "Rotated page fixture"]
    assert [line.strip() for line in text.splitlines() if line.strip()] == lines


def _ligature_font_pdf(path: Path, differences: bytes, widths: bytes, unicode_map: bytes) -> Path:
    """One line "e!cient re"ected" in a font whose ToUnicode maps codes 33 and 34 (its
    /Differences names) to U+0000, as some producers write TeX's ligatures."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        b"1 begincodespacerange <00> <FF> endcodespacerange " + unicode_map + b" endcmap "
        b"CMapName currentdict /CMap defineresource pop end end"
    )
    content = b'BT /F1 12 Tf 72 700 Td (e!cient re"ected) Tj ET'
    return write_objects(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            stream(content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Helvetica /FirstChar 32 "
            b"/LastChar 122 /Widths [" + widths + b"] /Encoding << /Type /Encoding "
            b"/BaseEncoding /WinAnsiEncoding /Differences [" + differences + b"] >> "
            b"/ToUnicode 6 0 R >>",
            stream(cmap),
        ],
    )


def test_glyphs_a_font_maps_to_nothing_are_read_by_their_names(tmp_path: Path) -> None:
    # A ToUnicode map giving U+0000 for the ligatures its /Differences name: PDFium read
    # "ecient re ected" (copy-protected.pdf: "diculties").
    widths = b" ".join([b"500"] * 91)
    one = _ligature_font_pdf(
        tmp_path / "one.pdf", b"33 /ffi", widths, b"1 beginbfchar <21> <0000> endbfchar"
    )
    assert _text(one).strip() == 'efficient re"ected'
    # Two such codes in one font: told apart by their widths (ffi 833, fl 556).
    two_widths = b"500 833 556 " + b" ".join([b"500"] * 88)
    two = _ligature_font_pdf(
        tmp_path / "two.pdf", b"33 /ffi /fl", two_widths,
        b"2 beginbfrange <21> <21> <0000> <22> <22> <0000> endbfrange",
    )  # fmt: skip
    assert _text(two).strip() == "efficient reflected"


def test_ligatures_of_the_corpus(corpus: Path) -> None:
    text = _text(corpus / UNS / "copy-protected.pdf")
    assert "several practical difficulties" in text and "tools for efficient document" in text


def test_no_space_before_a_stop_or_after_an_apostrophe_in_an_ocr_layer(corpus: Path) -> None:
    # An OCR text layer set at one pitch: a stop's or a bracket's ink is narrower than its
    # cell, so PDFium saw a gap and read "Co . Pte Ltd .", "(Group )", "People' s".
    text = _text(corpus / "py-pdf__pypdf/resources/indirect-rotation.pdf")
    for phrase in ("APL Co. Pte Ltd.", "Shipping (Group) Company", "The People's Republic"):
        assert phrase in text
    assert "Lines, Ltd" in text and "Fir. 11-12" in text
