"""PDF text backends: pypdf against PDFium (pypdfium2) on every PDF of the corpus, in one run.

    python bench/pdf_backends.py [--corpus ../shared/corpus] [--timeout 120]

Per file, one child process reads the file with both backends in turn: pypdf as
process_document does (workers.formats.pdf `_open` + `_read` over all pages) and PDFium through
workers.formats.pdfium `read_pages` over the page count pypdf found, which includes PDFium's
own open, as the wired backend will run after pypdf's open. Each timing is
time.perf_counter() around the extraction only, in the child, after imports and with the file
already in the page cache. A file that crashes or hangs its child (--timeout) costs that file
only: the child is replaced. Files where either backend raised TaskError (or crashed, hung or
raised another exception) are listed by error type and left out of the speed figures.

Agreement is difflib's SequenceMatcher ratio (autojunk off) on whitespace-split, NFKC-normalised
tokens (so that a "fi" ligature equals "fi"), computed page against page and pooled over the
file: 2 x matched tokens / (tokens of both). Pages are aligned by number, which keeps it fast on
600-page files and measures reading order within a page.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import os
import shlex
import statistics
import sys
import time
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.isolated import Isolated  # noqa: E402

BACKENDS = ("pypdf", "pdfium")
SUBSTANTIAL = 50  # tokens: in shorter texts, one token that differs costs over 0.02


def extract_both(path: str) -> dict[str, Any]:
    """Both backends' page texts of `path`, or their TaskError, and the seconds each took."""
    from workers.errors import TaskError
    from workers.formats import pdf, pdfium
    from workers.formats.base import describe

    Path(path).read_bytes()  # into the page cache, so that neither backend pays for the disk
    out: dict[str, Any] = {}
    count: int | None = None
    start = time.perf_counter()
    try:
        source = pdf._open(path, [])
        count = source.page_count
        opened = time.perf_counter()
        pages, failed = pdf._read(source.reader, 1, count, [], source.errors)
        seconds = time.perf_counter() - start
        out["pypdf"] = {"pages": pages, "failed": failed, "s": seconds, "open_s": opened - start}
    except TaskError as exc:
        out["pypdf"] = {"error": (str(exc.type), exc.message)}
    except Exception as exc:  # what process_document would fail as task_error: report it
        out["pypdf"] = {"error": ("exception", describe(exc))}
    try:
        if count is None:  # pypdf could not open it: PDFium's own count, untimed
            count = pdfium.page_count(path)
        start = time.perf_counter()
        pages, failed = pdfium.read_pages(path, 1, count, [])
        out["pdfium"] = {"pages": pages, "failed": failed, "s": time.perf_counter() - start}
    except TaskError as exc:
        out["pdfium"] = {"error": (str(exc.type), exc.message)}
    except Exception as exc:
        out["pdfium"] = {"error": ("exception", describe(exc))}
    return out


def tokens(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).split()


def agreement(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> tuple[float | None, int, int]:
    """Pooled page-by-page SequenceMatcher ratio (None when neither has text), and token counts."""
    matched = total_a = total_b = 0
    for page_a, page_b in zip(a, b, strict=True):
        ta, tb = tokens(page_a["text"]), tokens(page_b["text"])
        total_a, total_b = total_a + len(ta), total_b + len(tb)
        if ta and tb:
            blocks = difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_matching_blocks()
            matched += sum(block.size for block in blocks)
    if not total_a + total_b:
        return None, 0, 0
    return 2 * matched / (total_a + total_b), total_a, total_b


def versions() -> str:
    from importlib.metadata import version

    import pypdfium2

    return (
        f"pypdf {version('pypdf')}, pypdfium2 {version('pypdfium2')} "
        f"(PDFium {pypdfium2.PDFIUM_INFO}), Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )


Read = tuple[str, dict[str, dict[str, Any]]]  # a file both backends read: name, per backend
Failed = tuple[str, str, str, str]  # file, pypdf's outcome, PDFium's, a message


def collect(corpus: Path, names: list[str], timeout: float) -> tuple[list[Read], list[Failed]]:
    """Every file through both backends, split into those both read and those one could not."""
    runner = Isolated("bench.pdf_backends:extract_both")
    ok: list[Read] = []
    failed: list[Failed] = []
    try:
        for name in names:
            result = runner.run(str(corpus / name), timeout)
            if "error" in result:  # the child crashed or hung: both backends failed with it
                result = dict.fromkeys(BACKENDS, result)
            py, pm = result["pypdf"], result["pdfium"]
            if "error" in py or "error" in pm:
                kinds = [r["error"][0] if "error" in r else "ok" for r in (py, pm)]
                message = (pm if "error" in pm else py)["error"][1]
                failed.append((name, kinds[0], kinds[1], message[:70]))
            else:
                ok.append((name, result))
    finally:
        runner.stop()
    return ok, failed


def report_speed(ok: list[Read]) -> None:
    pages = sum(len(result["pypdf"]["pages"]) for _, result in ok)
    seconds = {b: sum(result[b]["s"] for _, result in ok) for b in BACKENDS}
    rows = [
        [b, len(ok), pages, sum(result[b]["failed"] for _, result in ok), seconds[b],
         pages / seconds[b]]
        for b in BACKENDS
    ]  # fmt: skip
    headers = ["backend", "files", "pages", "failed pages", "seconds", "pages/s"]
    print(tabulate(rows, headers, floatfmt=".2f"))
    open_s = sum(result["pypdf"]["open_s"] for _, result in ok)
    wired = open_s + seconds["pdfium"]
    print(f"\nPDFium reads {seconds['pypdf'] / seconds['pdfium']:.1f}x as many pages/s as pypdf. "
          f"Wired in, PDFium runs after pypdf's open ({open_s:.2f} s of pypdf's "
          f"{seconds['pypdf']:.2f} s):\n{open_s:.2f} + {seconds['pdfium']:.2f} = {wired:.2f} s, "
          f"{seconds['pypdf'] / wired:.1f}x as fast as pypdf alone")  # fmt: skip


def report_agreement(ok: list[Read]) -> None:
    scored: list[tuple[float, str, int, int, int]] = []  # agreement, file, pages, tokens x2
    for name, result in ok:
        pages = result["pypdf"]["pages"]
        score, na, nb = agreement(pages, result["pdfium"]["pages"])
        if score is not None:
            scored.append((score, name, len(pages), na, nb))
    empty = len(ok) - len(scored)
    print(f"\nText agreement (page-aligned SequenceMatcher ratio on NFKC tokens) of the "
          f"{len(ok)} files, {empty} of which have no text in either backend:")  # fmt: skip
    table = []
    for label, group in (
        ("files with text", scored),
        (f"of which >= {SUBSTANTIAL} tokens", [s for s in scored if max(s[3:]) >= SUBSTANTIAL]),
    ):
        ratios = [s[0] for s in group]
        weighted = sum(s[0] * s[2] for s in group) / sum(s[2] for s in group)
        below = sum(r < 0.9 for r in ratios), sum(r < 0.5 for r in ratios)
        table.append([label, len(group), statistics.median(ratios), weighted, *below])
    headers = ["", "files", "median", "mean by pages", "below 0.9", "below 0.5"]
    print(tabulate(table, headers, floatfmt=".3f"))
    print()
    lowest = sorted(scored, key=lambda s: (s[0], -max(s[3:])))[:10]  # ties: most text first
    headers = ["lowest agreement", "pages", "pypdf tokens", "pdfium tokens", "agreement"]
    print(tabulate([(n, p, a, b, s) for s, n, p, a, b in lowest], headers, floatfmt=".3f"))


def report_errors(failed: list[Failed]) -> None:
    print("\nTaskError by type (pypdf / pdfium):")
    counts = Counter((py, pm) for _, py, pm, _ in failed)
    print(tabulate([(f"{a} / {b}", n) for (a, b), n in counts.most_common()], ["types", "files"]))
    print()
    headers = ["file", "pypdf", "pdfium", "message (pdfium's, else pypdf's)"]
    failed = sorted(failed, key=lambda f: (f[1], f[2], f[0]))
    print(tabulate(failed, headers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--timeout", type=float, default=120, help="seconds per file")
    args = parser.parse_args()
    print(f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: {shlex.join(sys.orig_argv)}")
    print(versions())
    corpus = Path(args.corpus)
    with (corpus / "MANIFEST.tsv").open() as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["kind"] == "pdf"]
    ok, failed = collect(corpus, sorted(r["relative_path"] for r in rows), args.timeout)
    print(f"\n{len(rows)} PDFs in the manifest: both backends read {len(ok)}, "
          f"{len(failed)} raised TaskError (or crashed/hung) in at least one\n")  # fmt: skip
    report_speed(ok)
    report_agreement(ok)
    report_errors(failed)


if __name__ == "__main__":
    main()
