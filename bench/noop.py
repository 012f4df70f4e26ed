"""No-op jobs through the whole system against a bare pyzmq relay, in one run.

    python bench/noop.py [--jobs 20000] [--sequential 2000] [--workers 2]

docmill: client -> broker (durable store on, synchronous=FULL) -> N workers -> result, the jobs
submitted with submit_many and collected with gather; then round trips of single jobs, one
after another (submit, then result). The relay (bench/relay.py): the same shapes with nothing
but ZeroMQ. CPU time per job counts every process of each system, this client included.
"""

from __future__ import annotations

import argparse
import contextlib
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
from bench.system import System, running  # noqa: E402
from docmill.client import Client  # noqa: E402


def _cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and their descendants, each process counted once (this
    client's descendants are the system's processes too)."""
    seen: dict[int, psutil.Process] = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                seen.setdefault(p.pid, p)
    total = 0.0
    for p in seen.values():
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def _cpu_by_role(system: System) -> dict[str, float]:
    """CPU seconds so far of the broker, the pool supervisor, its worker agents and their job
    processes (the agents' children), and this client."""
    roles = dict.fromkeys(["client", "broker", "pool", "agents", "job processes"], 0.0)

    def add(role: str, proc: psutil.Process) -> None:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            roles[role] += t.user + t.system

    add("client", psutil.Process())
    add("broker", psutil.Process(system.procs[0].pid))
    pool = psutil.Process(system.procs[1].pid)
    add("pool", pool)
    for child in pool.children():
        grandchildren = child.children()
        add("agents" if grandchildren else "pool", child)
        for job_process in grandchildren:
            add("job processes", job_process)
    return roles


def _percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100)
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}


def bench_docmill(
    jobs: int, sequential: int, workers: int
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Throughput figures, and the round trips of Client.run (one request, like the relay's),
    and the CPU per job of each kind of process, in ms."""
    with running(workers) as system, Client(home=str(system.home), timeout=120) as client:
        pids = [*(p.pid for p in system.procs), os.getpid()]
        by_role0 = _cpu_by_role(system)
        cpu0, t0 = _cpu(pids), time.perf_counter()
        client.gather(client.submit_many("noop", [{} for _ in range(jobs)]), timeout=600)
        elapsed = time.perf_counter() - t0
        cpu = _cpu(pids) - cpu0
        by_role = {k: 1000 * (v - by_role0[k]) / jobs for k, v in _cpu_by_role(system).items()}
        times, runs = [], []
        for _ in range(sequential):
            start = time.perf_counter()
            client.submit("noop").result(timeout=30)
            times.append(time.perf_counter() - start)
        for _ in range(sequential):
            start = time.perf_counter()
            client.run("noop", timeout=30)
            runs.append(time.perf_counter() - start)
    rates = {"jobs_per_s": jobs / elapsed, "cpu_ms_per_job": 1000 * cpu / jobs}
    return rates | _percentiles(times), _percentiles(runs), by_role


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
    docmill, run, by_role = bench_docmill(args.jobs, args.sequential, args.workers)
    print(f"{args.jobs} noop jobs pipelined, {args.sequential} one by one, {args.workers} workers")
    keys = ["jobs_per_s", "p50", "p95", "p99", "cpu_ms_per_job"]
    print(f"{'':10}" + "".join(f"{k:>16}" for k in keys))
    for name, r in (("relay", relay), ("docmill", docmill)):
        print(f"{name:10}" + "".join(f"{r[k]:>16.3f}" for k in keys))
    ratios = {k: docmill[k] / relay[k] for k in keys}
    print(f"{'ratio':10}" + "".join(f"{ratios[k]:>16.2f}" for k in keys))
    print("(p50/p95/p99: round-trip ms; docmill's is a submit and a result call, two round trips)")
    print(
        "docmill, one request per job (Client.run): "
        + ", ".join(f"{k} {v:.3f}" for k, v in run.items())
        + f" ms; p50 ratio to the relay {run['p50'] / relay['p50']:.2f}"
    )
    print(
        "docmill CPU ms per job by process: "
        + ", ".join(f"{k} {v:.3f}" for k, v in by_role.items())
    )


if __name__ == "__main__":
    main()
