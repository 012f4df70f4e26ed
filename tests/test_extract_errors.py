"""workers.extract on real third-party documents: errors and edge cases.

What it extracts from each kind is in test_extract.py; the corpus paths and `run` in
tests/extract_corpus.py.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from docmill.protocol import ErrorType
from tests.extract_corpus import PDFJS, PYPDF, SAMPLES, UNS, needs_corpus, run
from workers.errors import TaskError
from workers.extract import extract

pytestmark = [needs_corpus, pytest.mark.timeout(30)]


def error_of(path: Path | str, **kwargs: Any) -> TaskError:
    """Return the TaskError extracting `path` raises."""
    with pytest.raises(TaskError) as info:
        extract(str(path), **kwargs)
    return info.value


# -- the kind, from the content ----------------------------------------------------------------


def test_binary_under_text_name_is_unsupported(tmp_path: Path) -> None:
    # The body of a real PDF (compressed streams, NUL bytes) but not its header.
    junk = (UNS / "pdf" / "fake-memo.pdf").read_bytes()[2048:6144]
    assert b"\x00" in junk
    target = tmp_path / "notes.txt"
    target.write_bytes(junk)
    assert error_of(target).type is ErrorType.UNSUPPORTED


def test_text_under_unknown_extension_is_unsupported(tmp_path: Path) -> None:
    target = tmp_path / "notes.xyz"
    target.write_bytes((UNS / "fake-text.txt").read_bytes())
    assert error_of(target).type is ErrorType.UNSUPPORTED


def test_docx_is_detected_by_content_not_name() -> None:
    result = run(UNS / "language-docs" / "eng_spa_mult.doc")  # really OOXML
    assert result["kind"] == "docx"
    assert "Todos los seres humanos nacen libres e iguales" in result["text"]


@pytest.mark.parametrize(
    "path",
    [
        UNS / "fake.doc",
        UNS / "simple.doc",
        UNS / "fake-power-point.ppt",
    ],
    ids=lambda p: p.name,
)
def test_legacy_office_files_are_unsupported(path: Path) -> None:
    error = error_of(path)
    assert error.type is ErrorType.UNSUPPORTED
    assert path.suffix in error.message  # the format is named


# -- encrypted and malformed -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        PYPDF / "encryption" / "r4-user-password.pdf",
        PYPDF / "encryption" / "r6-both-passwords.pdf",
        SAMPLES / "005-libreoffice-writer-password" / "libreoffice-writer-password.pdf",
    ],
    ids=lambda p: p.name,
)
def test_pdf_needing_a_password_is_encrypted(path: Path) -> None:
    assert error_of(path).type is ErrorType.ENCRYPTED


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_pdf_is_malformed(tmp_path: Path, fraction: float) -> None:
    data = (UNS / "pdf" / "fake-memo.pdf").read_bytes()
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


def test_a_pdf_pypdf_cannot_open_is_read_by_pdfium() -> None:
    result = run(PDFJS / "issue19800.pdf")  # no startxref: pypdf gives up, PDFium repairs it
    assert result["status"] == "ok" and result["text"].startswith("Hello world")
    assert result["warnings"] == [
        "read with PDFium: pypdf could not open the file "
        "(unreadable PDF: PdfReadError: startxref not found)"
    ]


def test_pdf_page_failures_become_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fuzzed file: with pypdf most pages raise (some with non-pypdf exception types), two do
    # not. (PDFium reads every page of it.)
    monkeypatch.setenv("DOCMILL_PDF_BACKEND", "pypdf")
    result = run(PDFJS / "poppler-90-0-fuzzed.pdf")
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
    data = (UNS / "docx-tables.docx").read_bytes()
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


def test_file_over_max_bytes_is_too_large() -> None:
    path = UNS / "pdf" / "fake-memo.pdf"
    error = error_of(path, max_bytes=path.stat().st_size - 1)
    assert error.type is ErrorType.TOO_LARGE
    assert run(path, max_bytes=path.stat().st_size)["status"] == "ok"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_permission(tmp_path: Path) -> None:
    target = tmp_path / "secret.txt"
    target.write_bytes((UNS / "fake-text.txt").read_bytes())
    target.chmod(0)
    assert error_of(target).type is ErrorType.PERMISSION


def test_permission_error_on_open_is_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    # Shadow the builtin for workers.formats.base only: what a file without read access gives.
    monkeypatch.setattr("workers.formats.base.open", denied, raising=False)
    assert error_of(UNS / "fake-text.txt").type is ErrorType.PERMISSION


# -- locked: open in another program -----------------------------------------------------------


@pytest.mark.parametrize("lock", [".~lock.{name}#", "~${name}", "~${tail}"])
def test_a_document_open_in_an_office_suite_is_locked(tmp_path: Path, lock: str) -> None:
    source = UNS / "fake.docx"
    target = tmp_path / "quarterly-report.docx"
    target.write_bytes(source.read_bytes())
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
