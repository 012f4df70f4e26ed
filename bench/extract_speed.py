"""Extraction speed: documents/s and pages/s over the corpus, a pool of N workers against the
same process_document work (no outbox) run serially in one process, and the parallel
efficiency between them.

    python bench/extract_speed.py [--workers 2] [--kinds pdf,docx,...]

efficiency = serial time / (N x pool wall time); 1.0 means N workers are N times as fast.
Both runs use the same files, in the same invocation. The pool is given the largest files
first, so that one long document does not start last and leave a worker idle at the end, and
it reads PDFs of more than --split-pages pages in page ranges on both workers (the serial run
reads them whole): without that, the longest PDF alone outlasts half the serial time.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from docmill.client import Client  # noqa: E402
from workers.document import process_document  # noqa: E402
from workers.errors import TaskError  # noqa: E402


def serial(paths: list[str]) -> tuple[float, float, int]:
    """Wall time, CPU time and pages of reading every file in this one process."""
    pages = 0
    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with contextlib.suppress(TaskError):  # one process reads a long PDF whole
            pages += process_document(path, split_pages=0)["metadata"].get("page_count") or 1
    return time.perf_counter() - start, time.process_time() - cpu, pages


def cpu_of_tree(pid: int) -> float:
    """CPU seconds of a process and its descendants, those already reaped included."""
    total = 0.0
    root = psutil.Process(pid)
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def pooled(paths: list[str], workers: int, split_pages: int, corpus: Path) -> tuple[float, float]:
    """Wall time of the pool over every file, and the CPU time its processes spent on them."""
    with running(pool=False) as system, Client(home=str(system.home), timeout=60) as client:
        # --connect without --home: no outbox, so the pool does what the serial run does.
        # With no home, a pool may read no path unless told which folders it may read.
        pool = system.start_pool(
            workers,
            *("--connect", client.endpoint, "--split-pages", str(split_pages)),
            *("--allowed-root", str(corpus)),
        )
        # Warm each worker's job process (imports) so both runs start equal.
        client.gather(client.submit_many("noop", [{}] * workers), timeout=60)
        start, cpu = time.perf_counter(), cpu_of_tree(pool.pid)
        jobs = client.submit_many("process_document", [{"path": p} for p in paths])
        client.wait(jobs, timeout=3600)
        return time.perf_counter() - start, cpu_of_tree(pool.pid) - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated file names to leave out")
    parser.add_argument(
        "--split-pages", type=int, default=100, help="the pool's page range size for long PDFs"
    )
    args = parser.parse_args()
    corpus = Path(args.corpus)
    with (corpus / "MANIFEST.tsv").open() as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    wanted = {k for k in args.kinds.split(",") if k}
    skip = {name for name in args.skip.split(",") if name}
    rows = [r for r in rows if not wanted or r["kind"] in wanted]
    rows = [r for r in rows if Path(r["relative_path"]).name not in skip]
    rows.sort(key=lambda r: -int(r["bytes"]))
    paths = [str(corpus / r["relative_path"]) for r in rows]
    serial_s, serial_cpu, pages = serial(paths)
    pool_s, pool_cpu = pooled(paths, args.workers, args.split_pages, corpus)
    n = len(paths)
    print(
        f"{n} documents, {pages} pages; serial in one process vs a pool of {args.workers} "
        f"(PDFs over {args.split_pages} pages read in ranges)"
    )
    print(f"serial: {serial_s:7.1f} s  {n / serial_s:7.1f} docs/s  {pages / serial_s:7.1f} pages/s")
    print(f"pool:   {pool_s:7.1f} s  {n / pool_s:7.1f} docs/s  {pages / pool_s:7.1f} pages/s")
    print(f"parallel efficiency = {serial_s:.1f} / ({args.workers} x {pool_s:.1f}) = "
          f"{serial_s / (args.workers * pool_s):.2f}")  # fmt: skip
    # The two factors of that: how much more CPU the pool spent on the same work (process
    # hops, PDFs opened once per part), and how much of the pool's time its workers were busy.
    print(f"CPU: serial {serial_cpu:.1f} s, pool {pool_cpu:.1f} s (work ratio "
          f"{serial_cpu / pool_cpu:.2f}); pool busy {pool_cpu / (args.workers * pool_s):.0%} "
          f"of {args.workers} x its wall time")  # fmt: skip


if __name__ == "__main__":
    main()
