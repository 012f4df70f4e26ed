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
from tests.documents import ooxml, word
from tests.documents.ooxml import Slide
from tests.documents.pdf import paginate, write_pdf
from tests.documents.prose import OPENING, english
from workers import tasks
from workers.chunking import chunk
from workers.document import process_document

pytestmark = pytest.mark.timeout(30)

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


def test_chunks_overlap_and_prefer_paragraphs() -> None:
    text = english(540)  # paragraphs of three to five sentences
    chunks = chunk(text, 1000, 200)
    assert len(chunks) >= 3
    for previous, item in itertools.pairwise(chunks):
        shared = previous["end_char"] - item["start_char"]
        assert 0 < shared <= 200
        assert item["text"].startswith(text[item["start_char"] : previous["end_char"]])
    # A chunk ends at a paragraph break when one lies in the second half of its window.
    first = chunks[0]
    assert text[first["end_char"] : first["end_char"] + 2] == "\n\n"


def test_chunk_pages_come_from_page_spans(tmp_path: Path) -> None:
    from workers.extract import extract

    texts = [paginate(english(60, seed))[0] for seed in range(4)]
    result = extract(str(write_pdf(tmp_path / "four.pdf", texts)))
    assert [page["text"].split() for page in result["pages"]] == [t.split() for t in texts]
    chunks = chunk(result["text"], 300, 50, result["pages"])
    assert chunks[0]["page_start"] == 1 and chunks[-1]["page_end"] == 4
    pages = {p["number"]: p["text"] for p in result["pages"]}
    for item in chunks:
        assert item["page_start"] <= item["page_end"]
        assert item["text"].split()[0] in pages[item["page_start"]]


def test_process_document_writes_record_and_chunks_once(tmp_path: Path) -> None:
    slides = [
        Slide(
            ["Colours of the harbour", english(40, seed=5)],
            table=[["Column 1", "Column 2"], ["Red\tGreen\tBlue"]],
        ),
        Slide([english(80)]),
    ]
    source = ooxml.write_pptx(tmp_path / "deck.pptx", slides)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    reply = process_document(str(source), chunk_size=200, chunk_overlap=40, outbox=str(outbox))
    import hashlib

    assert reply["doc_id"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (reply["kind"], reply["status"]) == ("pptx", "ok")
    assert "Red\tGreen\tBlue" in reply["text"] and "chunks" not in reply
    assert OPENING in reply["text"]
    record = json.loads(Path(reply["json_path"]).read_text(encoding="utf-8"))
    assert record["source"] == str(source) and record["mime"].endswith("presentation")
    assert set(record["timings"]) == {"extract_s", "chunk_s", "total_s"}
    assert record["metadata"]["page_count"] == len(record["pages"])
    assert record["metadata"]["fs_mtime"].endswith("+00:00")
    lines = Path(reply["chunks_path"]).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["page_content"] for row in rows] == [c["text"] for c in record["chunks"]]
    assert rows[0]["page_content"].startswith("Colours of the harbour") and len(rows) > 2
    first = rows[0]["metadata"]
    assert rows[0]["id"] == f"{reply['doc_id']}:0"
    keys = ("source", "doc_id", "page_start", "chunk_index", "language")
    assert {key: first[key] for key in keys} == {
        "source": str(source), "doc_id": reply["doc_id"], "page_start": 1, "chunk_index": 0,
        "language": record["metadata"]["language"],
    }  # fmt: skip
    # A redelivery finds both files and leaves them as they are.
    before = {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()}
    again = process_document(str(source), chunk_size=200, chunk_overlap=40, outbox=str(outbox))
    assert again["json_path"] == reply["json_path"]
    assert {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()} == before


def test_process_document_writes_to_the_outbox_of_its_context(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("Hamburgers are delicious.\n")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    path = str(source)
    reply = tasks.BUILTIN["process_document"](job_context(tmp_path, outbox=outbox), path=path)
    assert Path(reply["json_path"]).parent == outbox
    assert reply["text"] == "Hamburgers are delicious.\n"
    assert tasks.process_document(job_context(tmp_path), path=path)["json_path"] is None
    assert process_document(path)["json_path"] is None  # the library writes where it is told


def test_extract_metadata_reads_no_page_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PageObject

    pages = [english(300, seed) for seed in range(400)]
    path = write_pdf(tmp_path / "long.pdf", pages, info={"Title": "Four hundred pages"})

    def forbidden(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("extract_metadata must not extract page text")

    monkeypatch.setattr(PageObject, "extract_text", forbidden)
    began = time.perf_counter()
    context = job_context(tmp_path)
    result = tasks.BUILTIN["extract_metadata"](context, str(path))
    elapsed = time.perf_counter() - began
    assert result["kind"] == "pdf" and result["metadata"]["page_count"] == 400
    assert result["metadata"]["title"] == "Four hundred pages"
    assert result["size"] == path.stat().st_size
    # Reading the page tree and the info dictionary takes milliseconds; bound only that side.
    assert elapsed < 3.0


def test_extract_metadata_of_office_properties(tmp_path: Path) -> None:
    path = word.write_report_docx(tmp_path / "report.docx")
    meta = tasks.extract_metadata(job_context(tmp_path), str(path))["metadata"]
    assert (meta["title"], meta["author"], meta["subject"]) == (
        word.TITLE,
        word.AUTHOR,
        word.SUBJECT,
    )
    assert meta["created"] == "2014-12-13T22:02:00+00:00"
    assert meta["producer"] == word.PRODUCER
