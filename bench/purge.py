"""Purging a long queue: `docmill purge --queue Q --yes` against --jobs waiting jobs.

    python bench/purge.py [--jobs 100000]

Starts a broker (no workers, so every job waits), submits --jobs jobs to one queue and as many
to another, then purges the first queue as the command does (docmill/cli_jobs.py: list its
waiting jobs a page at a time, then `docmill.purge` 500 ids at a time). Meanwhile another thread
asks the broker for `mmi.service` every 10 ms: the slowest answer is how long the broker's loop
was busy at once. Prints the time to list and to purge, the purge calls' times, the answers'
for 5 s before (idle), while listing and while purging, and the queues' lengths after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from docmill.cli_jobs import PURGE_PAGE, found  # noqa: E402
from docmill.client import Client  # noqa: E402


def ping(home: str, stop: threading.Event, answers: list[tuple[float, float]]) -> None:
    """Ask until `stop`; each answer as (when asked, seconds it took)."""
    with Client(home=home, timeout=60) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.served("documents")
            answers.append((start, time.perf_counter() - start))
            stop.wait(0.01)


def spread(answers: list[tuple[float, float]], begin: float, end: float) -> str:
    took = [seconds * 1000 for asked, seconds in answers if begin <= asked < end]
    return (
        f"{len(took)} answers, median {statistics.median(took):.1f} ms, slowest {max(took):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()
    with running(pool=False) as system, Client(home=str(system.home), timeout=60) as client:
        start = time.perf_counter()
        for queue in ("documents", "other"):
            client.submit_many("noop", ({"n": n} for n in range(args.jobs)), queue=queue)
        print(f"submitted 2 x {args.jobs} jobs in {time.perf_counter() - start:.1f} s")

        stop, answers = threading.Event(), []  # type: ignore[var-annotated]
        pinger = threading.Thread(target=ping, args=(str(system.home), stop, answers))
        pinger.start()
        idle = time.perf_counter()
        time.sleep(5)  # the answers with nothing else to do, to compare with
        start = time.perf_counter()
        query = argparse.Namespace(
            state="queued", queue="documents", task=None, since=None, path=None
        )
        ids = [job["id"] for job in found(client, query, None)]
        listed = time.perf_counter() - start
        calls, purging = [], time.perf_counter()
        for begin in range(0, len(ids), PURGE_PAGE):
            call = time.perf_counter()
            client.purge_waiting("documents", ids[begin : begin + PURGE_PAGE])
            calls.append(time.perf_counter() - call)
        purged = time.perf_counter() - start - listed
        stop.set()
        pinger.join()
        queues = client.status()["queues"]
        print(f"listed {len(ids)} waiting jobs in {listed:.1f} s, purged them in {purged:.1f} s")
        print(
            f"purge calls of {PURGE_PAGE}: median {statistics.median(calls) * 1000:.1f} ms, "
            f"slowest {max(calls) * 1000:.1f} ms"
        )
        print(f"mmi.service idle, 5 s: {spread(answers, idle, start)}")
        print(f"mmi.service while listing: {spread(answers, start, purging)}")
        print(f"mmi.service while purging: {spread(answers, purging, time.perf_counter())}")
        print(f"queued after: documents {queues['documents']['queued']}, "
              f"other {queues['other']['queued']}")  # fmt: skip


if __name__ == "__main__":
    main()
