"""workers.extract on documents of each kind, written by the test: what it extracts.

Errors and edge cases (encrypted, malformed, missing, locked, ...) are in test_extract_errors.py;
the writers of the documents in tests/documents/.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from docmill.protocol import pack, unpack
from tests.documents import word
from tests.documents.pdf import DRAWING, encrypt, write_pdf
from tests.documents.prose import GERMAN
from tests.extract_corpus import REPO, run

pytestmark = pytest.mark.timeout(30)

TEXT_LINE = "This is a test document to use for unit tests."
TEXT = f"{TEXT_LINE}\n\nHamburgers are delicious.\nI love fuzzy blankets.\n"
MEMO = "There were 20,000 bottles of water, 10,000 blankets and 3,000 tents."
MEMO_INFO = {
    "Title": "Relief supplies",
    "Author": "Harbour Office",
    "Producer": "docmill test writer 1.0",
    "CreationDate": "D:20230516172840Z",
}


def write_memo(path: Path) -> Path:
    """A one-page PDF of MEMO with MEMO_INFO."""
    return write_pdf(path, [f"To: all volunteers\n{MEMO}"], info=MEMO_INFO)


# -- plain text --------------------------------------------------------------------------------


def test_utf8_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = run(path)
    assert result["kind"] == "txt"
    assert result["status"] == "ok"
    assert result["pages"] == []
    assert result["warnings"] == []
    assert result["text"] == TEXT
    meta = result["metadata"]
    assert meta["file_size"] == path.stat().st_size == len(TEXT)
    assert meta["char_count"] == len(result["text"])
    assert meta["word_count"] == len(result["text"].split())
    assert meta["page_count"] is None and meta["title"] is None
    mtime = datetime.fromisoformat(meta["fs_mtime"])
    assert mtime.utcoffset() == timedelta(0)
    assert abs(mtime.timestamp() - path.stat().st_mtime) < 1e-3


@pytest.mark.parametrize(
    "codec",
    [
        "utf-16",  # UTF-16 LE with BOM
        "utf-16-le",  # UTF-16 LE without a BOM
        "utf-16-be",  # UTF-16 BE without a BOM
        "utf-32",  # UTF-32 LE, whose BOM starts like UTF-16 LE's
    ],
)
def test_utf16_and_utf32_text(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"{codec}.txt"
    path.write_bytes(TEXT.encode(codec))
    result = run(path)
    assert result["kind"] == "txt"
    assert TEXT_LINE in result["text"]
    assert "I love fuzzy blankets" in result["text"]
    assert "\x00" not in result["text"] and "\ufeff" not in result["text"]


def test_cp1252_text(tmp_path: Path) -> None:
    target = tmp_path / "cp1252.txt"
    # Long enough for the guess of its encoding to be sure of it.
    text = f"Der Preis betrug 15,50 €.\nDie schöne Frau kaufte Äpfel.\n{GERMAN}\n"
    target.write_bytes(text.encode("cp1252"))
    result = run(target)
    assert "Der Preis betrug 15,50 €." in result["text"]  # 0x80 is € only in cp1252
    assert "Die schöne Frau" in result["text"]
    assert result["warnings"] == []


@pytest.mark.parametrize("content", ["", " \n\t  \n\n   "], ids=["empty", "whitespace"])
def test_empty_text_is_no_text(tmp_path: Path, content: str) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(content)
    result = run(path)
    assert (result["kind"], result["status"]) == ("txt", "no_text")


# -- PDF ---------------------------------------------------------------------------------------


def test_pdf_text_and_metadata(tmp_path: Path) -> None:
    result = run(write_memo(tmp_path / "memo.pdf"))
    assert result["kind"] == "pdf"
    assert result["status"] == "ok"
    assert MEMO in result["text"]
    assert [page["number"] for page in result["pages"]] == [1]
    meta = result["metadata"]
    assert meta["title"] == "Relief supplies"
    assert meta["author"] == "Harbour Office"
    assert meta["producer"] == "docmill test writer 1.0"
    assert meta["created"] == "2023-05-16T17:28:40+00:00"
    assert meta["page_count"] == 1


def test_pdf_pages_are_numbered_in_order(tmp_path: Path) -> None:
    texts = [
        "Hello, here is some text without a meaning.",
        "information. Really? The second page.",
        "The third page.",
        "And the fourth, the last.",
    ]
    path = write_pdf(tmp_path / "four.pdf", texts, info={"Producer": "pdfTeX-1.40.23"})
    result = run(path)
    pages = result["pages"]
    assert [page["number"] for page in pages] == [1, 2, 3, 4]
    assert [page["text"] for page in pages] == texts
    assert result["metadata"]["page_count"] == 4
    assert result["metadata"]["producer"] == "pdfTeX-1.40.23"
    assert all(page["text"] in result["text"] for page in pages)


def test_pdf_with_empty_pages_keeps_them(tmp_path: Path) -> None:
    pages = ["Layout parser", "", "", "References"]
    note = "This page is intentionally left blank"
    result = run(write_pdf(tmp_path / "gaps.pdf", pages, notes={2: note}))
    assert [bool(page["text"].strip()) for page in result["pages"]] == [True, False, True, True]
    # Page 3 has no text of its own, only a note on it, which is marked as such.
    assert result["pages"][2]["text"] == f"[annotation: {note}]"
    assert result["status"] == "ok"


@pytest.mark.parametrize("page", [None, DRAWING], ids=["scanned", "drawing"])
def test_pdf_without_text_layer_is_no_text(tmp_path: Path, page: bytes | None) -> None:
    result = run(write_pdf(tmp_path / "scan.pdf", [page]))
    assert (result["kind"], result["status"]) == ("pdf", "no_text")
    assert result["metadata"]["page_count"] == 1
    assert len(result["pages"]) == 1


@pytest.mark.parametrize(
    ("algorithm", "user", "owner"),
    [
        ("RC4-40", "", "owner"),  # revision 2
        ("AES-128", "", "owner"),  # revision 4
        ("AES-256", "", "owner"),  # revision 6
        # An empty owner password opens these as owner, though the user password is required.
        ("AES-256-R5", "user", ""),
        ("AES-256", "user", ""),
    ],
)
def test_encrypted_pdf_with_empty_user_password_opens(
    tmp_path: Path, algorithm: str, user: str, owner: str
) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", ["pdf encryption test"])
    locked = encrypt(plain, tmp_path / "locked.pdf", user=user, owner=owner, algorithm=algorithm)
    assert b"/Encrypt" in locked.read_bytes()
    result = run(locked)
    assert "pdf encryption test" in result["text"]
    assert result["text"] == run(plain)["text"]


# -- DOCX --------------------------------------------------------------------------------------


def test_docx_tables_are_extracted_in_document_order(tmp_path: Path) -> None:
    import docx

    path = word.write_report_docx(tmp_path / "report.docx")
    result = run(path)
    assert result["kind"] == "docx"
    assert result["pages"] == []
    text = result["text"]
    assert "Header Col 1\tHeader Col 2" in text
    assert "Lorem ipsum\tA link example" in text
    assert word.NESTED_ROW in text  # a row with a nested table
    assert text.index(word.HEADING) < text.index("Header Col 1")
    assert text.index("Header Col 1") < text.index(word.NESTED_ROW) < text.index(word.AFTER)
    # python-docx's paragraph list alone would have lost every table cell.
    paragraphs = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "Header Col 1" not in paragraphs


def test_docx_headers_and_footers(tmp_path: Path) -> None:
    text = run(word.write_report_docx(tmp_path / "report.docx"))["text"]
    for phrase in (word.HEADER, word.FIRST_HEADER, word.EVEN_HEADER, word.FOOTER):
        assert text.count(phrase) == 1, phrase
    assert text.index(word.HEADER) < text.index(word.HEADING) < text.index(word.FOOTER)
    # Text left in a vertically merged continuation cell is hidden by Word.
    assert "Merged cell" in text and word.HIDDEN not in text


@pytest.mark.parametrize("variant", ["first page", "odd and even", "header and footer"])
def test_docx_header_variants(tmp_path: Path, variant: str) -> None:
    """Each header a section may have is read once: its own text, not its neighbour's."""
    import docx

    document = docx.Document()
    section = document.sections[0]
    if variant == "first page":
        section.different_first_page_header_footer = True
        phrases = {section.header: "Default (odd, primary) Header"}
        phrases[section.first_page_header] = "First Page Header"
    elif variant == "odd and even":
        document.settings.odd_and_even_pages_header_footer = True
        phrases = {
            section.header: "Odd page header.",
            section.even_page_header: "Even page header.",
        }
    else:
        phrases = {section.header: "Header for section-1", section.footer: "Footer for section 1"}
    for part, phrase in phrases.items():
        part.paragraphs[0].text = phrase
    document.add_paragraph("The body of the document.")
    document.save(str(tmp_path / "headers.docx"))
    text = run(tmp_path / "headers.docx")["text"]
    for phrase in phrases.values():
        assert text.count(phrase) == 1, phrase
    assert "The body of the document." in text


def test_docx_text_boxes_once_each(tmp_path: Path) -> None:
    # The shape is stored twice (DrawingML and a VML fallback); its text must appear once.
    text = run(word.write_report_docx(tmp_path / "report.docx"))["text"]
    assert text.count(word.TEXT_BOX) == 1
    assert text.index(word.ANCHOR) < text.index(word.TEXT_BOX) < text.index(word.AFTER)


def test_docx_core_properties(tmp_path: Path) -> None:
    result = run(word.write_report_docx(tmp_path / "report.docx"))
    meta = result["metadata"]
    assert (meta["title"], meta["author"], meta["subject"]) == (
        word.TITLE,
        word.AUTHOR,
        word.SUBJECT,
    )
    assert meta["created"] == "2014-12-13T22:02:00+00:00"
    assert meta["modified"] == "2014-12-13T22:06:00+00:00"
    assert meta["producer"] == word.PRODUCER
    assert meta["page_count"] is None


def test_docx_without_text_is_no_text(tmp_path: Path) -> None:
    result = run(word.write_docx(tmp_path / "blank.docx", []))
    assert (result["kind"], result["status"]) == ("docx", "no_text")


def test_docx_without_core_properties_reports_none(tmp_path: Path) -> None:
    # python-docx would invent title "Word Document" and a creation time of now.
    path = word.write_report_docx(tmp_path / "bare.docx", properties=False)
    meta = run(path)["metadata"]
    assert (meta["title"], meta["author"], meta["created"], meta["modified"]) == (None,) * 4
    assert meta["producer"] == word.PRODUCER  # the other properties part is still read


# -- the result as data ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pdf", "docx", "utf-16 text"])
def test_result_survives_msgpack(tmp_path: Path, kind: str) -> None:
    if kind == "pdf":
        path = write_memo(tmp_path / "memo.pdf")
    elif kind == "docx":
        path = word.write_report_docx(tmp_path / "report.docx")
    else:
        path = tmp_path / "utf16.txt"
        path.write_bytes(TEXT.encode("utf-16"))
    result = run(path)
    assert set(result) == {
        "kind", "mime", "text", "pages", "metadata", "warnings", "status", "structure",
    }  # fmt: skip
    assert result["status"] == "ok"
    assert unpack(pack(result)) == result


def test_import_does_not_load_parsers() -> None:
    code = (
        "import sys, workers.extract; print(sorted({'pypdf', 'docx', 'lxml'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
