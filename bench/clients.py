"""Many clients on one broker: 32 processes submitting and waiting, each one job at a time.

    python bench/clients.py [--clients 32] [--seconds 20] [--workers 2]

Starts a broker and a pool (--workers), then --clients client processes, each running no-op
jobs with `Client.run` (one request, answered when the job has run) back to back for
--seconds. Reports the jobs done in all (jobs/s), the round trips' p50 and p99 over every
client, and the max/min ratio of the jobs each client got done (1.0: no client starved).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from docmill.client import Client  # noqa: E402


def one_client(home: str, start: float, seconds: float) -> None:
    """Run jobs one after another from `start` (time.time) for `seconds`; print the round
    trips as JSON."""
    times = []
    with Client(home=home, timeout=60) as client:
        client.status()  # connected before the start
        while time.time() < start:
            time.sleep(0.001)
        end = start + seconds
        while time.time() < end:
            t0 = time.perf_counter()
            client.run("noop", timeout=60)
            times.append(time.perf_counter() - t0)
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client", nargs=3, metavar=("HOME", "START", "SECONDS"))
    args = parser.parse_args()
    if args.client:
        one_client(args.client[0], float(args.client[1]), float(args.client[2]))
        return
    with running(args.workers) as system:
        start = time.time() + 3 + args.clients * 0.1  # every client started and connected
        command = [sys.executable, __file__, "--client", str(system.home), str(start)]
        procs = [
            subprocess.Popen([*command, str(args.seconds)], stdout=subprocess.PIPE)
            for _ in range(args.clients)
        ]
        per_client = [json.loads(proc.communicate(timeout=args.seconds + 120)[0]) for proc in procs]
    counts = [len(times) for times in per_client]
    every = [t for times in per_client for t in times]
    q = statistics.quantiles(every, n=100)
    print(
        f"{args.clients} clients, Client.run back to back for {args.seconds:g} s, "
        f"{args.workers} workers"
    )
    print(
        f"{sum(counts)} jobs = {sum(counts) / args.seconds:.0f} jobs/s; round trip p50 "
        f"{1000 * q[49]:.2f} ms, p99 {1000 * q[98]:.2f} ms; per client {min(counts)}..."
        f"{max(counts)} jobs, max/min {max(counts) / max(1, min(counts)):.2f}"
    )


if __name__ == "__main__":
    main()
