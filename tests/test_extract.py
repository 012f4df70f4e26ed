"""workers.extract on real third-party documents: what it extracts from each kind.

Errors and edge cases (encrypted, malformed, missing, locked, ...) are in test_extract_errors.py;
the corpus paths and `run` in tests/extract_corpus.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from docmill.protocol import pack, unpack
from tests.extract_corpus import DOCX_FILES, PYPDF, REPO, SAMPLES, UNS, needs_corpus, run

pytestmark = [needs_corpus, pytest.mark.timeout(30)]

FAKE_TEXT_LINE = "This is a test document to use for unit tests."


# -- plain text --------------------------------------------------------------------------------


def test_utf8_text_file() -> None:
    path = UNS / "fake-text.txt"
    result = run(path)
    assert result["kind"] == "txt"
    assert result["status"] == "ok"
    assert result["pages"] == []
    assert result["warnings"] == []
    assert FAKE_TEXT_LINE in result["text"]
    assert "Hamburgers are delicious" in result["text"]
    meta = result["metadata"]
    assert meta["file_size"] == path.stat().st_size == 169
    assert meta["char_count"] == len(result["text"])
    assert meta["word_count"] == len(result["text"].split())
    assert meta["page_count"] is None and meta["title"] is None
    mtime = datetime.fromisoformat(meta["fs_mtime"])
    assert mtime.utcoffset() == timedelta(0)
    assert abs(mtime.timestamp() - path.stat().st_mtime) < 1e-3


@pytest.mark.parametrize(
    "name",
    [
        "fake-text-utf-16.txt",  # UTF-16 LE with BOM
        "fake-text-utf-16-le.txt",  # UTF-16 LE without a BOM
        "fake-text-utf-16-be.txt",  # UTF-16 BE without a BOM
        "fake-text-utf-32.txt",  # UTF-32 LE, whose BOM starts like UTF-16 LE's
    ],
)
def test_utf16_and_utf32_text(name: str) -> None:
    result = run(UNS / name)
    assert result["kind"] == "txt"
    assert FAKE_TEXT_LINE in result["text"]
    assert "I love fuzzy blankets" in result["text"]
    assert "\x00" not in result["text"] and "\ufeff" not in result["text"]


def test_cp1252_text(tmp_path: Path) -> None:
    # The corpus's cp1252 sample is an .html file; the same bytes under a .txt name.
    target = tmp_path / "cp1252.txt"
    target.write_bytes((UNS / "fake-html-cp1252.html").read_bytes())
    result = run(target)
    assert "Der Preis betrug 15,50 €." in result["text"]  # 0x80 is € only in cp1252
    assert "Die schöne Frau" in result["text"]
    assert result["warnings"] == []


@pytest.mark.parametrize("name", ["empty.txt", "fake-text-all-whitespace.txt"])
def test_empty_text_is_no_text(name: str) -> None:
    result = run(UNS / name)
    assert (result["kind"], result["status"]) == ("txt", "no_text")


# -- PDF ---------------------------------------------------------------------------------------


def test_pdf_text_and_metadata() -> None:
    result = run(UNS / "pdf" / "fake-memo.pdf")
    assert result["kind"] == "pdf"
    assert result["status"] == "ok"
    assert "There were 20,000 bottles of water, 10,000 blankets" in result["text"]
    assert [page["number"] for page in result["pages"]] == [1]
    meta = result["metadata"]
    assert meta["title"] == "fake-memo"
    assert meta["producer"].startswith("macOS Version 12.5")
    assert meta["created"] == "2023-05-16T17:28:40+00:00"
    assert meta["page_count"] == 1


def test_pdf_pages_are_numbered_in_order() -> None:
    # files.json for this sample says pages=4, producer=pdfTeX-1.40.23.
    result = run(SAMPLES / "004-pdflatex-4-pages" / "pdflatex-4-pages.pdf")
    pages = result["pages"]
    assert [page["number"] for page in pages] == [1, 2, 3, 4]
    assert pages[0]["text"].startswith("Hello, here is some text without a meaning.")
    assert pages[1]["text"].startswith("information. Really?")
    assert result["metadata"]["page_count"] == 4
    assert result["metadata"]["producer"] == "pdfTeX-1.40.23"
    assert all(page["text"] in result["text"] for page in pages)


def test_pdf_with_empty_pages_keeps_them() -> None:
    result = run(UNS / "pdf" / "layout-parser-paper-with-empty-pages.pdf")
    assert [bool(page["text"].strip()) for page in result["pages"]] == [True, False, True, True]
    # Page 3 has no text of its own, only a note on it, which is marked as such.
    assert result["pages"][2]["text"] == "[annotation: This page is intentionally left blank]"
    assert result["status"] == "ok"


@pytest.mark.parametrize(
    "path",
    [
        UNS / "pdf" / "loremipsum-flat.pdf",
        SAMPLES / "007-imagemagick-images" / "imagemagick-CCITTFaxDecode.pdf",
    ],
    ids=lambda p: p.name,
)
def test_pdf_without_text_layer_is_no_text(path: Path) -> None:
    result = run(path)
    assert (result["kind"], result["status"]) == ("pdf", "no_text")
    assert result["metadata"]["page_count"] == 1
    assert len(result["pages"]) == 1


@pytest.mark.parametrize(
    "name",
    [
        "r2-empty-password.pdf",
        "r4-owner-password.pdf",
        "r6-empty-password.pdf",
        # qpdf left the owner password of these empty, so "" opens them as owner even though
        # the MANIFEST says their user password is required.
        "r5-user-password.pdf",
        "r6-user-password.pdf",
    ],
)
def test_encrypted_pdf_with_empty_user_password_opens(name: str) -> None:
    plain = run(PYPDF / "encryption" / "unencrypted.pdf")
    result = run(PYPDF / "encryption" / name)
    assert "pdf encryption test" in result["text"]
    assert result["text"] == plain["text"]


# -- DOCX --------------------------------------------------------------------------------------


def test_docx_tables_are_extracted_in_document_order() -> None:
    import docx

    path = UNS / "docx-tables.docx"
    result = run(path)
    assert result["kind"] == "docx"
    assert result["pages"] == []
    text = result["text"]
    assert "Header Col 1\tHeader Col 2" in text
    assert "Lorem ipsum\tA link example" in text
    assert "d\te\tf g&t\th\ti" in text  # a row with a nested table
    assert text.index("Simple uniform table") < text.index("Header Col 1")
    assert text.index("Header Col 1") < text.index("Nested Table")
    # python-docx's paragraph list alone would have lost every table cell.
    paragraphs = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "Header Col 1" not in paragraphs


def test_docx_headers_and_footers() -> None:
    text = run(UNS / "docx-hdrftr.docx")["text"]
    for phrase in ("First header para", "Table cell1\tTable cell2", "Main document", "para1"):
        assert phrase in text
    assert text.index("First header para") < text.index("Main document") < text.index("para1")
    # Text left in a vertically merged continuation cell is hidden by Word.
    assert "I should not be included" not in text


@pytest.mark.parametrize(
    ("name", "phrases"),
    [
        ("sct-first-page-hdrftr.docx", ["Default (odd, primary) Header", "First Page Header"]),
        ("doc-odd-even-hdrs.docx", ["Odd page header.", "Even page header."]),
        ("hdr-header-footer.docx", ["Header for section-1", "Footer for section 1"]),
    ],
)
def test_docx_header_variants(name: str, phrases: list[str]) -> None:
    text = run(DOCX_FILES / name)["text"]
    for phrase in phrases:
        assert text.count(phrase) == 1, phrase


def test_docx_text_boxes_once_each() -> None:
    # Each shape is stored twice (DrawingML and a VML fallback); its text must appear once.
    text = run(UNS / "docx-shapes.docx")["text"]
    for label in ("<inline-image>", "<inline-image1>", "<inline-image2>", "<floating-shape>"):
        assert text.count(label) == 1, label
    assert "Paragraph with floating shape attached." in text


def test_docx_core_properties() -> None:
    result = run(DOCX_FILES / "doc-coreprops.docx")
    meta = result["metadata"]
    assert (meta["title"], meta["author"], meta["subject"]) == ("Title", "Steve Canny", "Subject")
    assert meta["created"] == "2014-12-13T22:02:00+00:00"
    assert meta["modified"] == "2014-12-13T22:06:00+00:00"
    assert meta["producer"] == "Microsoft Macintosh Word"
    assert meta["page_count"] is None
    assert result["status"] == "no_text"  # the file has properties but an empty body


def test_docx_without_core_properties_reports_none() -> None:
    # python-docx would invent title "Word Document" and a creation time of now.
    meta = run(DOCX_FILES / "doc-no-coreprops.docx")["metadata"]
    assert (meta["title"], meta["author"], meta["created"], meta["modified"]) == (None,) * 4


# -- the result as data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [UNS / "pdf" / "fake-memo.pdf", UNS / "docx-hdrftr.docx", UNS / "fake-text-utf-16.txt"],
    ids=lambda p: p.name,
)
def test_result_survives_msgpack(path: Path) -> None:
    result = run(path)
    assert set(result) == {
        "kind", "mime", "text", "pages", "metadata", "warnings", "status", "structure",
    }  # fmt: skip
    assert unpack(pack(result)) == result


def test_import_does_not_load_parsers() -> None:
    code = (
        "import sys, workers.extract; print(sorted({'pypdf', 'docx', 'lxml'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
