"""Every file of the shared corpus through a running system: outcome per kind, slowest files.

    python bench/corpus.py [--corpus ../shared/corpus] [--workers 2]

Starts a broker and a pool on a fresh home, submits process_document for every file listed in
MANIFEST.tsv, waits for all of them, and prints per kind (from the manifest): ok, no_text and
each error type; then the slowest files; then checks that the broker still answers, the pool
still has its workers, and no job process was left behind.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import psutil
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from docmill.client import Client  # noqa: E402
from docmill.supervise import wait_gone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    with (corpus / "MANIFEST.tsv").open() as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    kinds = {str(corpus / r["relative_path"]): r["kind"] for r in rows}
    with running(args.workers) as system, Client(home=str(system.home), timeout=60) as client:
        start = time.perf_counter()
        paths = list(kinds)
        jobs = client.submit_many("process_document", [{"path": p} for p in paths])
        infos = client.wait(jobs, timeout=3600)
        wall = time.perf_counter() - start
        status = client.status()
        pool = system.procs[1]
        children = psutil.Process(pool.pid).children(recursive=True)
    leftovers = wait_gone(children, timeout=10)
    table: dict[str, Counter[str]] = defaultdict(Counter)
    timed = []
    for path, info in zip(paths, infos, strict=True):
        if info["status"] == "succeeded":
            outcome = info["result"]["status"]
        else:
            outcome = (info.get("error") or {}).get("type", info["status"])
        table[kinds[path]][outcome] += 1
        if info.get("started") and info.get("finished"):
            timed.append((info["finished"] - info["started"], Path(path).name, outcome))
    outcomes = sorted({o for c in table.values() for o in c}, key=lambda o: (o != "ok", o))
    print(f"{len(paths)} files, {args.workers} workers, {wall:.1f} s wall")
    print(
        tabulate(
            [[kind, sum(c.values()), *(c.get(o, "") for o in outcomes)]
             for kind, c in sorted(table.items(), key=lambda kv: -sum(kv[1].values()))],
            headers=["kind", "files", *outcomes],
        )
    )  # fmt: skip
    print()
    print(tabulate(sorted(timed, reverse=True)[:8], headers=["seconds", "slowest file", "outcome"]))
    terminal = sum(1 for i in infos if i["status"] in ("succeeded", "failed", "dead"))
    print()
    print(f"terminal: {terminal}/{len(paths)}; jobs by state: {status['counts']}")
    print(
        f"workers at the end: {len(status['workers'])}; processes left after stop: {len(leftovers)}"
    )


if __name__ == "__main__":
    main()
