"""Extraction fidelity in one run: PDF word recall against poppler, content expectations, and
the encoding and language test sets.

    python bench/fidelity.py [--corpus ../shared/corpus] [--timeout 60] [--worst 15]

- **PDF recall**: for every corpus PDF whose `pdftotext` text (poppler-utils, installed by
  `make setup` through .ci/system-packages) has at least 20 words, docmill's word recall
  against it: the share of poppler's words (lower-cased, NFKC, as a multiset) that docmill's
  text has too. Targets: mean >= 0.95, and >= 90% of the files at >= 0.9. pdftotext is
  itself wrong on some files (it splits words drawn letter by letter or with wide letter
  spacing into letters, gives mojibake for fonts it cannot map, puts Arabic in drawn order),
  so two more measures say how much of the shortfall is the reference's: the same recall
  with the spaces ignored (character pairs), and the recall against the better of two
  independent readers, pdftotext and pypdf (a file counts as read right when docmill's words
  are those of either).
- **Expectations**: bench/expectations/ lists, per corpus file, phrases that must appear in
  docmill's text and boilerplate that must not. Target: 100%.
- **Encodings and languages**: the cases of tests/encoding_cases.py and tests/language_cases.py,
  when present.

docmill's text is `workers.extract.extract` (what process_document stores), one file at a
time in a child process that a crash or hang costs one file (bench/isolated.py).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import re
import shutil
import statistics
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.isolated import Isolated  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
MIN_WORDS = 20
# A CJK character is a word of its own: neither tool puts spaces between them consistently.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def docmill_text(path: str) -> dict[str, Any]:
    """What process_document would store as the text of `path` (in the child process)."""
    from workers.errors import TaskError
    from workers.extract import extract

    try:
        result = extract(path)
    except TaskError as exc:
        return {"error": (exc.type.value, exc.message)}
    return {"text": result["text"], "status": result["status"]}


def pypdf_text(path: str) -> dict[str, Any]:
    """pypdf's text of `path` (in the child process): the second reference."""
    import logging

    from pypdf import PdfReader

    logging.disable(logging.CRITICAL)  # pypdf's notes on damaged files, by the thousand
    try:
        reader = PdfReader(path)
        return {"text": "\n".join(page.extract_text() or "" for page in reader.pages)}
    except Exception as exc:  # a reference that cannot read a file gives nothing
        return {"error": (type(exc).__name__, str(exc))}


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def bigrams(text: str) -> Counter[str]:
    """Character pairs of the text without its white space: a measure that does not care where
    either tool put the spaces (pdftotext splits words drawn letter by letter: "Lo ad re")."""
    flat = "".join(unicodedata.normalize("NFKC", text).lower().split())
    return Counter(flat[i : i + 2] for i in range(len(flat) - 1))


def recall(ours: Counter[str], reference: Counter[str]) -> float:
    return sum((ours & reference).values()) / max(1, reference.total())


def poppler(path: Path, timeout: float) -> str | None:
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None


def manifest(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def pdf_recall(
    corpus: Path, runner: Isolated, second: Isolated, timeout: float, worst: int
) -> dict[str, Any]:
    rows: list[tuple[str, float, float, float, int]] = []
    skipped = 0
    for entry in manifest(corpus):
        if entry["kind"] != "pdf":
            continue
        path = corpus / entry["relative_path"]
        theirs = poppler(path, timeout) or ""
        reference = words(theirs)
        if reference.total() < MIN_WORDS:
            skipped += 1
            continue
        text = runner.run(str(path), timeout).get("text", "")
        ours = words(text)
        score = recall(ours, reference)
        flat = recall(bigrams(text), bigrams(theirs))
        other = words(second.run(str(path), timeout).get("text", ""))
        either = max(score, recall(ours, other) if other.total() >= MIN_WORDS else 0.0)
        rows.append((entry["relative_path"], score, flat, either, reference.total()))
    scores, flats, eithers = ([row[i] for row in rows] for i in (1, 2, 3))
    result = {
        "files": len(rows),
        "skipped (< 20 words from pdftotext)": skipped,
        "mean word recall (target >= 0.95)": _mean(scores),
        "files at >= 0.9 (target >= 0.9)": _share(scores),
        "mean space-insensitive recall": _mean(flats),
        "files at >= 0.9, space-insensitive": _share(flats),
        "mean recall, better of pdftotext and pypdf": _mean(eithers),
        "files at >= 0.9, better of the two": _share(eithers),
    }
    print(tabulate(result.items(), headers=["PDF recall against pdftotext", ""]))
    print()
    lowest = sorted(rows, key=lambda row: row[1])[:worst]
    headers = ["lowest word recall", "words", "space-insensitive", "either", "poppler words"]
    print(tabulate(lowest, headers=headers, floatfmt=".3f"))
    print()
    return result


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _share(values: list[float], at: float = 0.9) -> float:
    return round(sum(v >= at for v in values) / max(1, len(values)), 4)


def expectations(corpus: Path, runner: Isolated, timeout: float) -> dict[str, Any]:
    from bench.expectations import EXPECTATIONS

    failures: list[tuple[str, str]] = []
    for name, must, must_not in EXPECTATIONS:
        got = runner.run(str(corpus / name), timeout)
        text = " ".join(got.get("text", "").split())
        failures += [(name, f"missing: {p}") for p in must if " ".join(p.split()) not in text]
        failures += [(name, f"present: {p}") for p in must_not if " ".join(p.split()) in text]
    failed_files = {name for name, _ in failures}
    kinds = Counter(Path(name).suffix.lower() for name, _, _ in EXPECTATIONS)
    result = {
        "files": len(EXPECTATIONS),
        "kinds": dict(sorted(kinds.items())),
        "files meeting every expectation": len(EXPECTATIONS) - len(failed_files),
        "share": round(1 - len(failed_files) / max(1, len(EXPECTATIONS)), 4),
    }
    print(tabulate([(k, v) for k, v in result.items()], headers=["content expectations", ""]))
    if failures:
        print(tabulate(failures, headers=["file", "failed expectation"]))
    print()
    return result


def case_sets() -> dict[str, Any]:
    """The encoding and language sets of the tests, scored as the tests score them."""
    found: dict[str, Any] = {}
    for module, label in (
        ("tests.encoding_cases", "encodings"),
        ("tests.language_cases", "language"),
    ):
        try:
            cases = importlib.import_module(module)
        except ImportError:
            found[label] = "not present"
            continue
        found[label] = cases.score()
    print(tabulate(found.items(), headers=["test sets", "score"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--worst", type=int, default=15, help="lowest-recall files to list")
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        parser.error("pdftotext is missing: run `make setup` (poppler-utils)")
    runner = Isolated("bench.fidelity:docmill_text")
    second = Isolated("bench.fidelity:pypdf_text")
    try:
        pdf_recall(args.corpus, runner, second, args.timeout, args.worst)
        if importlib.util.find_spec("bench.expectations") is not None:
            expectations(args.corpus, runner, args.timeout)
    finally:
        runner.stop()
        second.stop()
    case_sets()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
