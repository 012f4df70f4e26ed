"""No-op jobs through the whole system against a bare pyzmq relay, in one run.

    python bench/noop.py [--jobs 20000] [--sequential 2000] [--workers 2]

docmill: client -> broker (durable store on, synchronous=FULL) -> N workers -> result, the jobs
submitted with submit_many and collected with gather; then round trips of single jobs, one
after another (submit, then result). The relay (bench/relay.py): the same shapes with nothing
but ZeroMQ. CPU time per job counts every process of each system, this client included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.relay import Relay  # noqa: E402
from bench.system import running  # noqa: E402
from broker.client import Client  # noqa: E402


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100)
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}


def bench_docmill(jobs: int, sequential: int, workers: int) -> dict[str, float]:
    with running(workers) as system, Client(home=str(system.home), timeout=120) as client:
        pids = [*(p.pid for p in system.procs), os.getpid()]
        cpu0, t0 = _cpu(pids), time.perf_counter()
        client.gather(client.submit_many("noop", [{} for _ in range(jobs)]), timeout=600)
        elapsed = time.perf_counter() - t0
        cpu = _cpu(pids) - cpu0
        times = []
        for _ in range(sequential):
            start = time.perf_counter()
            client.submit("noop").result(timeout=30)
            times.append(time.perf_counter() - start)
    rates = {"jobs_per_s": jobs / elapsed, "cpu_ms_per_job": 1000 * cpu / jobs}
    return rates | _percentiles(times)


def bench_relay(jobs: int, sequential: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="dm-") as tmp:
        relay = Relay(workers, endpoint=f"ipc://{tmp}/relay.sock")
        try:
            pids = [*relay.pids, os.getpid()]
            cpu0 = _cpu(pids)
            rate = relay.throughput(jobs)
            cpu = _cpu(pids) - cpu0
            times = relay.round_trips(sequential)
        finally:
            relay.stop()
    return {"jobs_per_s": rate, "cpu_ms_per_job": 1000 * cpu / jobs} | _percentiles(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--sequential", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    relay = bench_relay(args.jobs, args.sequential, args.workers)
    docmill = bench_docmill(args.jobs, args.sequential, args.workers)
    print(f"{args.jobs} noop jobs pipelined, {args.sequential} one by one, {args.workers} workers")
    keys = ["jobs_per_s", "p50", "p95", "p99", "cpu_ms_per_job"]
    print(f"{'':10}" + "".join(f"{k:>16}" for k in keys))
    for name, r in (("relay", relay), ("docmill", docmill)):
        print(f"{name:10}" + "".join(f"{r[k]:>16.3f}" for k in keys))
    ratios = {k: docmill[k] / relay[k] for k in keys}
    print(f"{'ratio':10}" + "".join(f"{ratios[k]:>16.2f}" for k in keys))
    print("(p50/p95/p99: round-trip ms; docmill's is a submit and a result call, two round trips)")


if __name__ == "__main__":
    main()
