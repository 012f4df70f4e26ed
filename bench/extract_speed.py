"""Extraction speed: documents/s and pages/s over the corpus, a pool of N workers against the
same process_document work (no outbox) run serially in one process, and the parallel
efficiency between them.

    python bench/extract_speed.py [--workers 2] [--kinds pdf,docx,...]

efficiency = serial time / (N x pool wall time); 1.0 means N workers are N times as fast.
Both runs use the same files, in the same invocation. The pool is given the largest files
first, so that one long document does not start last and leave a worker idle at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from broker.client import Client  # noqa: E402
from workers.document import process_document  # noqa: E402
from workers.errors import TaskError  # noqa: E402


def serial(paths: list[str]) -> tuple[float, int]:
    pages = 0
    start = time.perf_counter()
    for path in paths:
        with contextlib.suppress(TaskError):
            pages += process_document(path)["metadata"].get("page_count") or 1
    return time.perf_counter() - start, pages


def pooled(paths: list[str], workers: int) -> float:
    with running(pool=False) as system, Client(home=str(system.home), timeout=60) as client:
        # --connect without --home: no outbox, so the pool does what the serial run does.
        system.start_pool(workers, "--connect", client.endpoint)
        # Warm each worker's job process (imports) so both runs start equal.
        client.gather(client.submit_many("noop", [{}] * workers), timeout=60)
        start = time.perf_counter()
        jobs = client.submit_many("process_document", [{"path": p} for p in paths])
        client.wait(jobs, timeout=3600)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated file names to leave out")
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
    serial_s, pages = serial(paths)
    pool_s = pooled(paths, args.workers)
    n = len(paths)
    print(f"{n} documents, {pages} pages; serial in one process vs a pool of {args.workers}")
    print(f"serial: {serial_s:7.1f} s  {n / serial_s:7.1f} docs/s  {pages / serial_s:7.1f} pages/s")
    print(f"pool:   {pool_s:7.1f} s  {n / pool_s:7.1f} docs/s  {pages / pool_s:7.1f} pages/s")
    print(f"parallel efficiency = {serial_s:.1f} / ({args.workers} x {pool_s:.1f}) = "
          f"{serial_s / (args.workers * pool_s):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
