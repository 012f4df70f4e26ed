"""The content expectations of bench/expectations.py, for the kinds that meet all of them.

The fidelity benchmark scores every kind; this test guards the kinds whose files already meet
every expectation, so that a change that loses their text fails here and not only in a
benchmark someone must remember to run. Add a kind to GUARDED once all its files pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.expectations import EXPECTATIONS
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(120)

# The plain text, markup, data and e-book kinds. PDF, Office, mail and HTML still have files
# with known gaps (footnotes, charts, alt text, legacy formats, boilerplate of web pages).
GUARDED = {
    ".txt", ".md", ".rst", ".org", ".csv", ".tsv", ".json", ".ndjson", ".xml", ".rtf", ".epub",
}  # fmt: skip


def _fold(text: str) -> str:
    return " ".join(text.split())


def test_guarded_kinds_meet_every_expectation(corpus: Path) -> None:
    chosen = [entry for entry in EXPECTATIONS if Path(entry[0]).suffix.lower() in GUARDED]
    assert {Path(name).suffix.lower() for name, _, _ in chosen} == GUARDED
    failures: list[str] = []
    for name, must, must_not in chosen:
        try:
            text = _fold(extract(str(corpus / name))["text"])
        except TaskError as exc:  # one unreadable file should not hide the others' failures
            failures.append(f"{name}: {exc.type.value}: {exc.message}")
            continue
        failures += [f"{name}: missing {p!r}" for p in must if _fold(p) not in text]
        failures += [f"{name}: present {p!r}" for p in must_not if _fold(p) in text]
    assert not failures, "\n".join(failures)
