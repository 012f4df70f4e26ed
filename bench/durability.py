"""What durability costs: no-op jobs through the whole system with synchronous=FULL and NORMAL.

    python bench/durability.py [--jobs 10000] [--workers 2]

For each setting: start a broker and a pool in a fresh home, submit the jobs with submit_many,
gather them, and report jobs/s, the number of group commits and the time spent in them. Both
settings run in the same invocation, so the ratio is meaningful on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker.client import Client  # noqa: E402


def run(synchronous: str, jobs: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="docmill-bench-") as tmp:
        home = Path(tmp) / "h"
        home.mkdir()
        (home / "docmill.toml").write_text(f'[broker]\nsynchronous = "{synchronous}"\n')
        broker = subprocess.Popen([sys.executable, "-m", "broker", "--home", str(home)], cwd=ROOT)
        pool = subprocess.Popen(
            [sys.executable, "-m", "workers", "--home", str(home), "--concurrency", str(workers),
             "--log-level", "WARNING"],
            cwd=ROOT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not (home / "run" / "endpoints.json").exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the broker did not start")
                time.sleep(0.05)
            with Client(home=str(home), timeout=60) as client:
                while len(client.status()["workers"]) < workers:
                    time.sleep(0.05)
                before = client.status()["store"]
                start = time.perf_counter()
                handles = client.submit_many("noop", [{} for _ in range(jobs)])
                submitted = time.perf_counter() - start
                client.gather(handles, timeout=600)
                elapsed = time.perf_counter() - start
                store = client.status()["store"]
            return {
                "jobs_per_s": jobs / elapsed,
                "submit_per_s": jobs / submitted,
                "commits": store["commits"] - before["commits"],
                "commit_ms_mean": 1000
                * (store["commit_seconds"] - before["commit_seconds"])
                / max(1, store["commits"] - before["commits"]),
            }
        finally:
            for proc in (pool, broker):
                proc.terminate()
                proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = {level: run(level, args.jobs, args.workers) for level in ("NORMAL", "FULL")}
    print(f"{args.jobs} noop jobs, {args.workers} workers, submit_many + gather")
    print(f"{'synchronous':<12}{'jobs/s':>10}{'submit/s':>12}{'commits':>10}{'ms/commit':>11}")
    for level, r in results.items():
        print(
            f"{level:<12}{r['jobs_per_s']:>10.0f}{r['submit_per_s']:>12.0f}"
            f"{r['commits']:>10.0f}{r['commit_ms_mean']:>11.2f}"
        )
    ratio = results["FULL"]["jobs_per_s"] / results["NORMAL"]["jobs_per_s"]
    print(f"FULL / NORMAL throughput: {ratio:.2f}")


if __name__ == "__main__":
    main()
