"""The suite itself: without the third-party corpus, a run says how many tests it skipped."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import CORPUS, NO_CORPUS, ROOT

pytestmark = pytest.mark.timeout(60)


def test_a_run_counts_the_tests_skipped_for_the_corpus() -> None:
    needs = "tests/test_formats.py::test_pdf_matches_pypdf_expected_text"
    writes = "tests/test_formats.py::test_xlsx_sheets_in_workbook_order"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", needs, writes],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    if CORPUS.is_dir():
        assert "2 passed" in run.stdout and NO_CORPUS not in run.stdout
    else:
        assert "1 passed, 1 skipped" in run.stdout
        assert f"1 test(s) skipped: {NO_CORPUS} ({CORPUS})" in run.stdout.splitlines()
