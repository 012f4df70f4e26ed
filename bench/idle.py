"""What an idle docmill costs: CPU over a quiet minute and memory before any document.

    python bench/idle.py [--seconds 60] [--workers 2]

Starts the broker and a pool (its worker and job processes included) on a fresh home, with the
default settings (periodic state every 2 s, checks every 30 s), waits for start-up to settle,
then measures the CPU time all of them use over --seconds, and their total RSS.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402


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
    # The default settings: periodic state every 2 s and checks every 30 s are part of idling.
    with running(args.workers, settings="") as system:
        time.sleep(5)  # start-up work settles
        procs = _family([p.pid for p in system.procs])
        rss = sum(p.memory_info().rss for p in procs)
        before = sum(sum(p.cpu_times()[:2]) for p in procs)
        time.sleep(args.seconds)  # the measurement: nothing happens
        used = sum(sum(p.cpu_times()[:2]) for p in procs) - before
    print(f"{len(procs)} processes (broker, pool, {args.workers} workers, their job processes,")
    print(f"the pool's resource tracker), idle for {args.seconds:g} s:")
    print(f"CPU: {used:.3f} s = {100 * used / args.seconds:.2f}% of one core")
    print(f"RSS: {rss / 2**20:.0f} MiB in all before any document")


if __name__ == "__main__":
    main()
