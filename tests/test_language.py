"""The language of a document and of its chunks, identified from the text: 40 languages of
paragraph length (tests/language_cases.py), each written to a file and read the whole way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import language_cases
from tests.language_cases import CASES
from workers.analysis import analyze_document
from workers.document import process_document
from workers.extract import extract

pytestmark = pytest.mark.timeout(120)


def test_accuracy_on_forty_languages(tmp_path: Path) -> None:
    codes = {case.code for case in CASES}
    assert len(codes) >= 20 and {"ru", "zh", "ja", "ar", "el", "sv", "ro", "ca", "pl"} <= codes
    wrong = []
    for case in CASES:
        path = tmp_path / f"{case.code}.txt"
        path.write_text(case.text, encoding="utf-8")
        metadata = extract(str(path))["metadata"]
        if metadata["language"] != case.code:
            wrong.append((case.code, metadata["language"], metadata["language_confidence"]))
        else:
            assert 0.5 < metadata["language_confidence"] <= 1.0
    accuracy = 1 - len(wrong) / len(CASES)
    assert accuracy >= 0.95, wrong


@pytest.mark.parametrize("code", ["sv", "ro", "ca", "pl", "ru", "zh"])
def test_analysis_names_the_languages_the_stop_words_missed(tmp_path: Path, code: str) -> None:
    (case,) = [case for case in CASES if case.code == code]
    path = tmp_path / "text.txt"
    path.write_text(case.text, encoding="utf-8")
    result = analyze_document(str(path))
    assert result["language"]["code"] == code
    assert result["language"]["confidence"] > 0.9


def test_too_little_text_is_undetermined_and_a_declared_language_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text("OK 42", encoding="utf-8")
    metadata = extract(str(path))["metadata"]
    assert (metadata["language"], metadata["language_confidence"]) == (None, 0.0)


def test_chunks_in_another_language_carry_their_own(tmp_path: Path) -> None:
    by_code = {case.code: case.text for case in CASES}
    # An English report with a Russian and a Greek section: each paragraph is about one chunk.
    text = "\n\n".join(
        [by_code["en"], by_code["en"].replace("library", "museum"), by_code["ru"], by_code["el"]]
    )
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    outbox = tmp_path / "outbox"
    reply = process_document(str(path), chunk_size=400, chunk_overlap=0, outbox=str(outbox))
    assert reply["metadata"]["language"] == "en"
    lines = Path(reply["chunks_path"]).read_text(encoding="utf-8").splitlines()
    chunks = [json.loads(line) for line in lines]
    languages = [item["metadata"]["language"] for item in chunks]
    assert languages == ["en", "en", "ru", "el"], languages


def test_the_score_the_fidelity_benchmark_reports() -> None:
    right, total = language_cases.score().split()[0].split("/")
    assert int(total) == len(CASES) and int(right) >= 0.95 * len(CASES)


@pytest.mark.timeout(30)
def test_a_long_text_in_one_paragraph_is_sampled_not_walked() -> None:
    """32 MiB with no blank line (a log, a dump, Chinese without spaces) is judged on a sample:
    cutting it piece by piece copied the rest of the text at each cut, minutes for 64 MiB."""
    from workers.language import MAX_WINDOWS, WINDOW_CHARS, _windows, identify

    by_code = {case.code: case.text for case in CASES}
    for code in ("de", "zh"):
        paragraph = by_code[code].replace("\n", " ")
        text = " ".join([paragraph] * (32 * 2**20 // len(paragraph.encode())))
        windows = _windows(text)
        assert len(windows) == MAX_WINDOWS
        assert all(0 < len(w) <= 2 * WINDOW_CHARS for w in windows)
        assert identify(text)[0] == code
