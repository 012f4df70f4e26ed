"""What durability costs: no-op jobs through the whole system with synchronous=FULL and NORMAL.

    python bench/durability.py [--jobs 10000] [--round-trips 2000] [--workers 2]

For each setting: start a broker and a pool in a fresh home, submit the jobs with submit_many,
gather them, and report jobs/s, the number of group commits and the time spent in them; then
time single jobs one after another with Client.run (one request each, so each pays a commit of
its own). Both settings run in the same invocation, so the ratio is meaningful on a shared,
noisy machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import QUIET, running  # noqa: E402
from docmill.client import Client  # noqa: E402


def run(synchronous: str, jobs: int, round_trips: int, workers: int) -> dict[str, float]:
    settings = f'{QUIET}[broker]\nsynchronous = "{synchronous}"\n'
    with running(workers, settings) as system, Client(home=str(system.home), timeout=60) as client:
        before = client.status()["store"]
        start = time.perf_counter()
        handles = client.submit_many("noop", [{} for _ in range(jobs)])
        submitted = time.perf_counter() - start
        client.gather(handles, timeout=600)
        elapsed = time.perf_counter() - start
        store = client.status()["store"]
        times = []
        for _ in range(round_trips):
            start = time.perf_counter()
            client.run("noop", timeout=30)
            times.append(time.perf_counter() - start)
    q = statistics.quantiles(times, n=100)
    commits = store["commits"] - before["commits"]
    seconds = store["commit_seconds"] - before["commit_seconds"]
    return {
        "jobs_per_s": jobs / elapsed,
        "submit_per_s": jobs / submitted,
        "commits": commits,
        "commit_ms_mean": 1000 * seconds / max(1, commits),
        "p50_ms": 1000 * q[49],
        "p95_ms": 1000 * q[94],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--round-trips", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = {
        level: run(level, args.jobs, args.round_trips, args.workers) for level in ("NORMAL", "FULL")
    }
    print(
        f"{args.jobs} noop jobs, {args.workers} workers, submit_many + gather; "
        f"then {args.round_trips} Client.run round trips (ms)"
    )
    print(
        f"{'synchronous':<12}{'jobs/s':>10}{'submit/s':>12}{'commits':>10}{'ms/commit':>11}"
        f"{'p50':>8}{'p95':>8}"
    )
    for level, r in results.items():
        print(
            f"{level:<12}{r['jobs_per_s']:>10.0f}{r['submit_per_s']:>12.0f}"
            f"{r['commits']:>10.0f}{r['commit_ms_mean']:>11.2f}{r['p50_ms']:>8.3f}{r['p95_ms']:>8.3f}"
        )
    ratio = results["FULL"]["jobs_per_s"] / results["NORMAL"]["jobs_per_s"]
    print(f"FULL / NORMAL throughput: {ratio:.2f}")


if __name__ == "__main__":
    main()
