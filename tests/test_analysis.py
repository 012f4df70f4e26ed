"""analyze_document on documents the tests write: language, counts, keywords, SimHash
near-duplicates."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from docmill.protocol import ErrorType
from tests.conftest import job_context
from tests.documents.pdf import paginate, write_pdf
from tests.documents.prose import FRENCH, GERMAN, english
from workers.analysis import analyze_document, hamming
from workers.errors import TaskError
from workers.tasks import BUILTIN

pytestmark = pytest.mark.timeout(30)


def test_registered_as_task() -> None:
    assert "analyze_document" in BUILTIN


def test_english_prose(story: Path) -> None:
    text = story.read_text()
    result = analyze_document(str(story))
    assert result["kind"] == "txt"
    assert result["language"]["code"] == "en"
    assert 0.5 < result["language"]["confidence"] <= 1.0
    split = len(text.split())
    assert 0.8 * split <= result["words"] <= 1.2 * split
    rough = text.count(".") + text.count("?") + text.count("!")
    assert 0 < result["sentences"] <= rough
    words = [k["word"] for k in result["keywords"]]
    assert len(words) == 10
    assert words[0] == "lighthouse"  # in a third of the sentences
    assert all(k["word"] in text.lower() and k["count"] >= 1 for k in result["keywords"])
    assert not {"the", "and", "was"} & set(words)
    assert len(result["simhash"]) == 16
    int(result["simhash"], 16)
    assert result["near_duplicates"] == []  # no index given: none kept


def test_french_pdf(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "olap.pdf", paginate(FRENCH), info={"Title": "OLAP"})
    result = analyze_document(str(path))
    assert result["kind"] == "pdf"
    assert result["language"]["code"] == "fr"
    assert any("requête" in k["word"] for k in result["keywords"])
    assert not {"les", "des", "pour"} & {k["word"] for k in result["keywords"]}


def test_german_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "de.txt"
    path.write_text(GERMAN, encoding="utf-8")
    result = analyze_document(str(path))
    assert result["language"]["code"] == "de"
    assert result["sentences"] == 3
    assert result["words"] == len(GERMAN.split())


def test_near_duplicate_flagged_unrelated_not(story: Path, tmp_path: Path) -> None:
    # SimHash needs a few hundred shingles per changed word to stay within 3 bits: on a page
    # of 540 words three changed words give a median distance of 5.
    original = tmp_path / "long.txt"
    original.write_text(english(6700, seed=1))
    words = original.read_text().split()
    for position, word in ((1000, "banana"), (2500, "orange"), (4000, "lemon")):
        words[position] = word
    edited = tmp_path / "edited.txt"
    edited.write_text(" ".join(words))
    index = str(tmp_path / "index.sqlite")

    first = analyze_document(str(original), index=index)
    assert first["near_duplicates"] == []
    second = analyze_document(str(edited), index=index)
    assert second["doc_id"] != first["doc_id"]
    (match,) = second["near_duplicates"]
    assert match["doc_id"] == first["doc_id"]
    assert match["path"] == os.path.abspath(original)
    assert match["distance"] == hamming(int(first["simhash"], 16), int(second["simhash"], 16))
    assert match["distance"] <= 3

    unrelated = analyze_document(str(story), index=index)
    assert unrelated["near_duplicates"] == []

    # the same document again is not its own duplicate, and replaces its entry
    again = analyze_document(str(original), index=index)
    assert [d["doc_id"] for d in again["near_duplicates"]] == [second["doc_id"]]
    with contextlib.closing(sqlite3.connect(index)) as conn:
        assert conn.execute("SELECT count(*) FROM fingerprints").fetchone() == (3,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_index_in_outbox_shared_across_calls(story: Path, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    context = job_context(tmp_path, outbox=outbox)
    copy = tmp_path / "copy.txt"
    copy.write_text(story.read_text() + "\nThe end.\n")
    first = BUILTIN["analyze_document"](context, str(story))
    second = BUILTIN["analyze_document"](context, str(copy), near=5)  # a few of 64 bits move
    assert (outbox / ".docmill-simhash.sqlite").is_file()
    assert [d["doc_id"] for d in second["near_duplicates"]] == [first["doc_id"]]


@pytest.mark.parametrize("content", ["", "   \n\t \n"])
def test_empty_text(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(content)
    index = tmp_path / "index.sqlite"
    result = analyze_document(str(path), index=str(index))
    assert result["language"] == {"code": "und", "confidence": 0.0}
    assert (result["words"], result["sentences"], result["keywords"]) == (0, 0, [])
    assert result["near_duplicates"] == []


def test_index_shared_by_processes(tmp_path: Path) -> None:
    """Several processes writing one index at once: every document lands, none fails busy."""
    paths = []
    for n in range(12):
        path = tmp_path / f"doc{n}.txt"
        path.write_text(f"Document number {n} says something of its own, unlike the rest. " * 20)
        paths.append(str(path))
    index = str(tmp_path / "index.sqlite")
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=spawn) as pool:
        results = list(pool.map(analyze_document, paths, [index] * len(paths)))
    assert len({r["doc_id"] for r in results}) == 12
    with contextlib.closing(sqlite3.connect(index)) as conn:
        assert conn.execute("SELECT count(*) FROM fingerprints").fetchone() == (12,)


@pytest.mark.parametrize("near", [-1, 65, "3", 2.5])
def test_bad_near_is_a_bad_request(story: Path, near: object) -> None:
    with pytest.raises(TaskError) as caught:
        analyze_document(str(story), near=near)  # type: ignore[arg-type]
    assert caught.value.type is ErrorType.BAD_REQUEST
