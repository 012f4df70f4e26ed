"""Listing jobs from a large store: `docmill jobs` pages against a million finished jobs.

    python bench/listing.py [--jobs 1000000] [--keep DIR] [--repeat 20]

Fills a store with --jobs finished jobs through the store's API (bench/history.py's `fill`),
starts a broker on it and times, as the `docmill` command and the dashboard ask them, each kind
of page of `docmill.jobs` (docs/PROTOCOL.md §6.5b): the newest 50, 50 of one state, 50 of one
queue and task, a file-name text that is rare (found only in a window of the newest rows), and
ten pages walked by their cursors. Each is the median of --repeat calls, in ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.history import fill  # noqa: E402
from bench.system import System  # noqa: E402
from docmill.client import Client  # noqa: E402


def timed(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="fill once into DIR and reuse it next time")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docmill-listing-") as tmp:
        home = args.keep or Path(tmp) / "h"
        db = home / "state" / "jobs.db"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            print(f"filled {args.jobs} jobs in {fill(db, args.jobs):.1f} s")
        (home / "docmill.toml").write_text("[checks]\ninterval = 0\n")
        system = System(home)
        try:
            system.start_broker()
            with Client(home=str(home), timeout=60) as client:
                pages = {
                    "newest 50": lambda: client.jobs(limit=50),
                    "50 succeeded": lambda: client.jobs("succeeded", limit=50),
                    "50 of a queue and task": lambda: client.jobs(
                        queue="documents", task="process_document", limit=50
                    ),
                    "file-name text": lambda: client.jobs(text="report-999999", limit=50),
                }
                for name, call in pages.items():
                    print(f"{name:<24} {timed(call, args.repeat):8.2f} ms")

                def ten_pages() -> None:
                    cursor = None
                    for _ in range(10):
                        _, cursor = client.jobs(limit=50, cursor=cursor)

                walked = timed(ten_pages, max(1, args.repeat // 5))
                print(f"{'ten pages by cursor':<24} {walked:8.2f} ms")
        finally:
            system.stop()


if __name__ == "__main__":
    main()
