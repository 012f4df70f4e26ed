"""workers.extract on documents written by the test: errors and edge cases.

What it extracts from each kind is in test_extract.py; the writers of the documents in
tests/documents/, and the one corpus file still needed in tests/extract_corpus.py.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from docmill.protocol import ErrorType
from tests.documents import ole2, word
from tests.documents.pdf import encrypt, paginate, write_pdf
from tests.documents.prose import UDHR_ES, english
from tests.extract_corpus import PDFJS, needs_corpus, run
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

TEXT = "This is a test document to use for unit tests.\nHamburgers are delicious.\n"


def text_file(path: Path) -> Path:
    path.write_text(TEXT)
    return path


def long_pdf(path: Path) -> Path:
    """A PDF of several pages of compressed text, with the picture of a scan on its last."""
    return write_pdf(path, [*paginate(english(2000)), None], info={"Title": "Long"})


def error_of(path: Path | str, **kwargs: Any) -> TaskError:
    """Return the TaskError extracting `path` raises."""
    with pytest.raises(TaskError) as info:
        extract(str(path), **kwargs)
    return info.value


# -- the kind, from the content ----------------------------------------------------------------


def test_binary_under_text_name_is_unsupported(tmp_path: Path) -> None:
    # The body of a PDF (compressed streams, an image, NUL bytes) but not its header.
    junk = long_pdf(tmp_path / "long.pdf").read_bytes()[1024:]
    assert b"\x00" in junk and b"%PDF-" not in junk
    target = tmp_path / "notes.txt"
    target.write_bytes(junk)
    assert error_of(target).type is ErrorType.UNSUPPORTED


def test_text_under_unknown_extension_is_unsupported(tmp_path: Path) -> None:
    target = tmp_path / "notes.xyz"
    target.write_text(TEXT)
    assert error_of(target).type is ErrorType.UNSUPPORTED


def test_docx_is_detected_by_content_not_name(tmp_path: Path) -> None:
    path = word.write_docx(tmp_path / "eng_spa_mult.doc", [UDHR_ES])  # really OOXML
    result = run(path)
    assert result["kind"] == "docx"
    assert UDHR_ES in result["text"]


@pytest.mark.parametrize(
    ("name", "streams"),
    [
        ("report.doc", ole2.STREAMS["doc"]),
        ("unknown.doc", ["Contents"]),  # a compound file of no format docmill knows
        ("slides.ppt", ole2.STREAMS["ppt"]),
    ],
)
def test_legacy_office_files_are_unsupported(tmp_path: Path, name: str, streams: list[str]) -> None:
    path = ole2.write_ole2(tmp_path / name, streams)
    error = error_of(path)
    assert error.type is ErrorType.UNSUPPORTED
    assert path.suffix in error.message  # the format is named


# -- encrypted and malformed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "owner"), [("RC4-128", "owner"), ("AES-128", "user"), ("AES-256", "owner")]
)
def test_pdf_needing_a_password_is_encrypted(tmp_path: Path, algorithm: str, owner: str) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", ["the secret"])
    locked = encrypt(plain, tmp_path / "locked.pdf", user="user", owner=owner, algorithm=algorithm)
    assert error_of(locked).type is ErrorType.ENCRYPTED


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_pdf_is_malformed(tmp_path: Path, fraction: float) -> None:
    data = long_pdf(tmp_path / "long.pdf").read_bytes()
    target = tmp_path / "cut.pdf"
    target.write_bytes(data[: int(len(data) * fraction)])
    from pypdf.errors import STREAM_TRUNCATED_PREMATURELY

    error = error_of(target)
    assert error.type is ErrorType.MALFORMED
    assert STREAM_TRUNCATED_PREMATURELY in error.message  # pypdf's own words are kept


def test_empty_pdf_is_malformed(tmp_path: Path) -> None:
    target = tmp_path / "download.pdf"
    target.write_bytes(b"")
    assert error_of(target).type is ErrorType.MALFORMED


def test_a_pdf_pypdf_cannot_open_is_read_by_pdfium(tmp_path: Path) -> None:
    # No cross-reference table and no startxref, only the trailer, as pdf.js's issue19800.pdf:
    # pypdf gives up, PDFium repairs it.
    data = write_pdf(tmp_path / "whole.pdf", ["Hello world"]).read_bytes()
    table, trailer, pointer = data.rindex(b"xref"), data.rindex(b"trailer"), data.rindex(b"startx")
    target = tmp_path / "noxref.pdf"
    target.write_bytes(data[:table] + data[trailer:pointer] + b"%%EOF\n")
    result = run(target)
    assert result["status"] == "ok" and result["text"].startswith("Hello world")
    assert result["warnings"] == [
        "read with PDFium: pypdf could not open the file "
        "(unreadable PDF: PdfReadError: startxref not found)"
    ]


@needs_corpus
def test_pdf_page_failures_become_warnings() -> None:
    # A fuzzed file: with pypdf most pages raise (some with non-pypdf exception types), two do
    # not. (PDFium reads every page of it.)
    result = run(PDFJS / "poppler-90-0-fuzzed.pdf", pdf_backend="pypdf")
    assert [page["number"] for page in result["pages"]] == list(range(1, 17))
    failures = [w for w in result["warnings"] if w.startswith("page ")]
    assert 0 < len(failures) < 16  # every page failing would be MALFORMED
    assert failures[0].startswith("page 1: text extraction failed")
    assert any("ValueError" in warning for warning in failures)
    # What pypdf logs while reading reaches the job, each message once, with its count.
    said = [w for w in result["warnings"] if w.startswith("pypdf: ")]
    assert "pypdf: Ignoring missing Ascii85 end marker. (x3)" in said
    assert len(said) == len(set(said))


def test_truncated_docx_is_malformed(tmp_path: Path) -> None:
    data = word.write_report_docx(tmp_path / "whole.docx").read_bytes()
    target = tmp_path / "cut.docx"
    target.write_bytes(data[: len(data) // 2])
    assert error_of(target).type is ErrorType.MALFORMED


# -- the file itself ---------------------------------------------------------------------------


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    error = error_of(tmp_path / "nowhere.pdf")
    assert error.type is ErrorType.NOT_FOUND
    assert "nowhere.pdf" in error.message


def test_directory_is_unsupported(tmp_path: Path) -> None:
    assert error_of(tmp_path).type is ErrorType.UNSUPPORTED


def test_file_over_max_bytes_is_too_large(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "memo.pdf", ["A memo of a few bytes"])
    error = error_of(path, max_bytes=path.stat().st_size - 1)
    assert error.type is ErrorType.TOO_LARGE
    assert run(path, max_bytes=path.stat().st_size)["status"] == "ok"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_permission(tmp_path: Path) -> None:
    target = text_file(tmp_path / "secret.txt")
    target.chmod(0)
    assert error_of(target).type is ErrorType.PERMISSION


def test_permission_error_on_open_is_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = text_file(tmp_path / "notes.txt")
    assert TEXT in extract(str(path))["text"]

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    # Shadow the builtin for workers.formats.base only: what a file without read access gives.
    monkeypatch.setattr("workers.formats.base.open", denied, raising=False)
    assert error_of(path).type is ErrorType.PERMISSION


# -- locked: open in another program -----------------------------------------------------------


@pytest.mark.parametrize("lock", [".~lock.{name}#", "~${name}", "~${tail}"])
def test_a_document_open_in_an_office_suite_is_locked(tmp_path: Path, lock: str) -> None:
    target = word.write_docx(tmp_path / "quarterly-report.docx", ["Figures for the quarter"])
    assert "Figures for the quarter" in extract(str(target))["text"]
    (tmp_path / lock.format(name=target.name, tail=target.name[2:])).write_bytes(b"owner")
    with pytest.raises(TaskError) as failed:
        extract(str(target))
    assert failed.value.type is ErrorType.LOCKED
    assert "open in another program" in failed.value.message


def test_a_file_that_grows_while_read_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.formats import text

    target = tmp_path / "growing.txt"
    target.write_text("the first half of a log\n")
    real = text.extract

    def writer_meanwhile(path: str, *args: Any, **kwargs: Any) -> Any:
        found = real(path, *args, **kwargs)
        with open(path, "a") as fh:  # the program writing it goes on
            fh.write("the second half\n")
        return found

    monkeypatch.setattr(text, "extract", writer_meanwhile)
    with pytest.raises(TaskError) as failed:
        extract(str(target))
    assert failed.value.type is ErrorType.LOCKED
    assert "still being written" in failed.value.message
    monkeypatch.setattr(text, "extract", real)
    assert "second half" in extract(str(target))["text"], "once it has settled, it is read"
