"""What an idle docmill costs: CPU over a quiet minute and memory before any document.

    python bench/idle.py [--seconds 60] [--workers 2]

Starts the broker and a pool (its worker and job processes included) on a fresh home, with the
default settings (periodic state every 2 s, checks every 30 s), waits for start-up to settle,
then measures the CPU time all of them use over --seconds, and their total RSS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker.client import Client  # noqa: E402


def _family(pids: list[int]) -> list[psutil.Process]:
    procs = []
    for pid in pids:
        root = psutil.Process(pid)
        procs += [root, *root.children(recursive=True)]
    return procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dm-") as tmp:
        home = Path(tmp) / "h"
        home.mkdir()
        quiet = subprocess.DEVNULL
        broker = subprocess.Popen(
            [sys.executable, "-m", "broker", "--home", str(home)], cwd=ROOT, stderr=quiet
        )
        while not (home / "run" / "endpoints.json").exists():
            time.sleep(0.05)
        pool = subprocess.Popen(
            [sys.executable, "-m", "workers", "--home", str(home), "--concurrency",
             str(args.workers)],
            cwd=ROOT, stderr=quiet,
        )  # fmt: skip
        try:
            with Client(home=str(home), timeout=30) as client:
                while len(client.status()["workers"]) < args.workers:
                    time.sleep(0.1)
            time.sleep(5)  # start-up work settles
            procs = _family([broker.pid, pool.pid])
            rss = sum(p.memory_info().rss for p in procs)
            before = sum(sum(p.cpu_times()[:2]) for p in procs)
            time.sleep(args.seconds)  # the measurement: nothing happens
            used = sum(sum(p.cpu_times()[:2]) for p in procs) - before
        finally:
            pool.terminate()
            pool.wait(30)
            broker.terminate()
            broker.wait(30)
    print(f"{len(procs)} processes (broker, pool, {args.workers} workers, their job processes,")
    print(f"the pool's resource tracker), idle for {args.seconds:g} s:")
    print(f"CPU: {used:.3f} s = {100 * used / args.seconds:.2f}% of one core")
    print(f"RSS: {rss / 2**20:.0f} MiB in all before any document")


if __name__ == "__main__":
    main()
