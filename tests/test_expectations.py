"""The content expectations of bench/expectations/: every file meets all of them.

The fidelity benchmark scores them too; this test guards them, so that a change that loses a
file's text (or lets its boilerplate back in) fails here and not only in a benchmark someone
must remember to run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.expectations import EXPECTATIONS
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(120)


def _fold(text: str) -> str:
    return " ".join(text.split())


def test_every_file_meets_every_expectation(corpus: Path) -> None:
    failures: list[str] = []
    for name, must, must_not in EXPECTATIONS:
        try:
            text = _fold(extract(str(corpus / name))["text"])
        except TaskError as exc:  # one unreadable file should not hide the others' failures
            failures.append(f"{name}: {exc.type.value}: {exc.message}")
            continue
        failures += [f"{name}: missing {p!r}" for p in must if _fold(p) not in text]
        failures += [f"{name}: present {p!r}" for p in must_not if _fold(p) in text]
    assert not failures, "\n".join(failures)
