"""Chunking (property tests), the document record and its outbox files, extract_metadata."""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import job_context
from workers import tasks
from workers.chunking import chunk
from workers.document import process_document

pytestmark = pytest.mark.timeout(30)

UNS = "Unstructured-IO__unstructured/example-docs"
LARGEST_PDF = f"{UNS}/pdf/pdf2image-memory-error-test-400p.pdf"

# Pieces, not characters: words long and short, sentence ends, line and paragraph breaks.
_TEXT = st.lists(
    st.sampled_from(["a", "bc", " ", "de.", "!", "? ", "\n", "\n\n", "\t", "word ", "Ω", "x" * 30]),
    max_size=600,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=_TEXT, size=st.integers(5, 400), overlap=st.integers(0, 200))
def test_chunks_are_consistent_bounded_and_cover_the_text(
    text: str, size: int, overlap: int
) -> None:
    chunks = chunk(text, size, overlap)
    for number, item in enumerate(chunks):
        assert item["index"] == number
        assert text[item["start_char"] : item["end_char"]] == item["text"]
        assert item["text"] == item["text"].strip() and item["text"]
        if len(item["text"]) > size:  # only a single unbreakable word may exceed the size
            assert not re.search(r"\s", item["text"])
        assert "page_start" not in item and "page_end" not in item  # absent: no pages
    for previous, item in itertools.pairwise(chunks):
        assert previous["start_char"] < item["start_char"]
        assert previous["end_char"] < item["end_char"]
    covered = [False] * len(text)
    for item in chunks:
        covered[item["start_char"] : item["end_char"]] = [True] * len(item["text"])
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_chunks_overlap_and_prefer_paragraphs(corpus: Path) -> None:
    text = (corpus / UNS / "book-war-and-peace-1p.txt").read_text(encoding="utf-8")
    chunks = chunk(text, 1000, 200)
    assert len(chunks) >= 3
    for previous, item in itertools.pairwise(chunks):
        shared = previous["end_char"] - item["start_char"]
        assert 0 < shared <= 200
        assert item["text"].startswith(text[item["start_char"] : previous["end_char"]])
    # A chunk ends at a paragraph break when one lies in the second half of its window.
    first = chunks[0]
    assert text[first["end_char"] : first["end_char"] + 2] == "\n\n"


def test_chunk_pages_come_from_page_spans(corpus: Path) -> None:
    from workers.extract import extract

    result = extract(str(corpus / "py-pdf__sample-files/004-pdflatex-4-pages/pdflatex-4-pages.pdf"))
    chunks = chunk(result["text"], 300, 50, result["pages"])
    assert chunks[0]["page_start"] == 1 and chunks[-1]["page_end"] == 4
    pages = {p["number"]: p["text"] for p in result["pages"]}
    for item in chunks:
        assert item["page_start"] <= item["page_end"]
        assert item["text"].split()[0] in pages[item["page_start"]]


def test_process_document_writes_record_and_chunks_once(corpus: Path, tmp_path: Path) -> None:
    source = corpus / UNS / "fake-power-point-table.pptx"
    reply = process_document(str(source), chunk_size=200, chunk_overlap=40, outbox=str(tmp_path))
    import hashlib

    assert reply["doc_id"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (reply["kind"], reply["status"]) == ("pptx", "ok")
    assert "Red\tGreen\tBlue" in reply["text"] and "chunks" not in reply
    record = json.loads(Path(reply["json_path"]).read_text(encoding="utf-8"))
    assert record["source"] == str(source) and record["mime"].endswith("presentation")
    assert set(record["timings"]) == {"extract_s", "chunk_s", "total_s"}
    assert record["metadata"]["page_count"] == len(record["pages"])
    assert record["metadata"]["fs_mtime"].endswith("+00:00")
    lines = Path(reply["chunks_path"]).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["page_content"] for row in rows] == [c["text"] for c in record["chunks"]]
    first = rows[0]["metadata"]
    assert rows[0]["id"] == f"{reply['doc_id']}:0"
    keys = ("source", "doc_id", "page_start", "chunk_index", "language")
    assert {key: first[key] for key in keys} == {
        "source": str(source), "doc_id": reply["doc_id"], "page_start": 1, "chunk_index": 0,
        "language": record["metadata"]["language"],
    }  # fmt: skip
    # A redelivery finds both files and leaves them as they are.
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = process_document(str(source), chunk_size=200, chunk_overlap=40, outbox=str(tmp_path))
    assert again["json_path"] == reply["json_path"]
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_process_document_writes_to_the_outbox_of_its_context(corpus: Path, tmp_path: Path) -> None:
    path = str(corpus / UNS / "fake-text.txt")
    reply = tasks.BUILTIN["process_document"](job_context(corpus, outbox=tmp_path), path=path)
    assert Path(reply["json_path"]).parent == tmp_path
    assert tasks.process_document(job_context(corpus), path=path)["json_path"] is None
    assert process_document(path)["json_path"] is None  # the library writes where it is told


def test_extract_metadata_reads_no_page_content(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PageObject

    def forbidden(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("extract_metadata must not extract page text")

    monkeypatch.setattr(PageObject, "extract_text", forbidden)
    began = time.perf_counter()
    context = job_context(corpus)
    result = tasks.BUILTIN["extract_metadata"](context, str(corpus / LARGEST_PDF))
    elapsed = time.perf_counter() - began
    assert result["kind"] == "pdf" and result["metadata"]["page_count"] == 400
    assert result["size"] == (corpus / LARGEST_PDF).stat().st_size
    # Full extraction of this file takes ~8.6 s here (ratio ~29x); bound only the cheap side.
    assert elapsed < 3.0


def test_extract_metadata_of_office_properties(corpus: Path) -> None:
    path = corpus / "python-openxml__python-docx/features/steps/test_files/doc-coreprops.docx"
    meta = tasks.extract_metadata(job_context(corpus), str(path))["metadata"]
    assert (meta["title"], meta["author"], meta["subject"]) == ("Title", "Steve Canny", "Subject")
    assert meta["created"] == "2014-12-13T22:02:00+00:00"
    assert meta["producer"] == "Microsoft Macintosh Word"
