"""Where the time of one `Client.run` goes, hop by hop, through a running system.

    python bench/hops.py [--runs 1000] [--synchronous FULL NORMAL]

Every process of the system (broker, pool, workers, job processes) starts with a
`sitecustomize` that wraps the functions at each hop of a job with a timestamp
(`time.monotonic_ns`, one clock for all processes on Linux) written to one file: the broker
reading the request, its writer thread starting and ending the write, the loop collecting it,
the worker taking the REQUEST and handing it to its job process, the task, the worker taking
the answer, the broker taking the REPLY; the client marks its send and its answer. Runs go one
after another, so each one's marks are those between its send and its answer. It prints the
median of each hop, and their mean over the slowest 5% of runs; then the relay's round trip
(bench/relay.py) in the same run, for the floor. A mark costs a few microseconds.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRACE = "DOCMILL_HOPS_TRACE"
_fd: int | None = None


def mark(name: str) -> None:
    global _fd
    if _fd is None:
        _fd = os.open(os.environ[TRACE], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(_fd, b"%d %s\n" % (time.monotonic_ns(), name.encode()))


def _wrap(owner: Any, name: str, before: str | None = None, after: str | None = None) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def marked(*args: Any, **kwargs: Any) -> Any:
        if before:
            mark(before)
        result = original(*args, **kwargs)
        if after:
            mark(after)
        return result

    setattr(owner, name, marked)


def install() -> None:
    """Wrap the functions at each hop (run by the sitecustomize of every process)."""
    from broker import broker, client_side, store, worker_side
    from broker.flow import JobFlow
    from workers import agent, executor

    _wrap(client_side, "_call", before="request read")
    _wrap(store.SqliteStore, "write", before="write begins", after="write ends")
    _wrap(JobFlow, "_start", before="dispatching")
    _wrap(worker_side, "_reply", before="REPLY read")
    _wrap(agent.Agent, "_start", before="worker has REQUEST")
    _wrap(executor.Executor, "send", after="handed to job process")
    _wrap(executor, "run_task", before="task begins", after="task ends")
    _wrap(agent.Agent, "_from_executor", before="worker has answer")
    collect = broker.Broker._collect

    def collected(self: broker.Broker) -> None:
        ended = self._write is not None and self._write[2].done()
        collect(self)
        if ended:
            mark("loop has write")

    broker.Broker._collect = collected  # type: ignore[method-assign]


HOPS = [
    ("client -> broker reads the request", "send", "request read"),
    ("request -> writer thread begins", "request read", "write begins"),
    ("the write (rows, commit)", "write begins", "write ends"),
    ("write ended -> loop has it", "write ends", "loop has write"),
    ("loop has it -> dispatching", "loop has write", "dispatching"),
    ("dispatching -> worker has the REQUEST", "dispatching", "worker has REQUEST"),
    ("worker -> job process has it", "worker has REQUEST", "task begins"),
    ("task", "task begins", "task ends"),
    ("job process -> worker has the answer", "task ends", "worker has answer"),
    ("worker -> broker reads the REPLY", "worker has answer", "REPLY read"),
    ("REPLY read -> client has the answer", "REPLY read", "answer"),
]


def trips(path: Path) -> list[dict[str, int]]:
    """Each run's first mark of each name, from the client's send to its answer."""
    events = sorted(
        (int(stamp), name)
        for stamp, _, name in (line.partition(" ") for line in path.read_text().splitlines())
    )
    found: list[dict[str, int]] = []
    for stamp, name in events:
        if name == "send":
            found.append({})
        if found:
            found[-1].setdefault(name, stamp)
    return [trip for trip in found if all(start in trip and end in trip for _, start, end in HOPS)]


def measure(synchronous: str, runs: int, folder: Path) -> list[dict[str, int]]:
    global _fd
    from bench.system import QUIET, running
    from docmill.client import Client

    if _fd is not None:  # this process's marks go to this run's file
        os.close(_fd)
        _fd = None
    trace = folder / f"{synchronous}.trace"
    site = folder / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text("import bench.hops\n\nbench.hops.install()\n")
    os.environ[TRACE] = str(trace)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    settings = f'{QUIET}[broker]\nsynchronous = "{synchronous}"\n'
    try:
        with running(2, settings) as system, Client(home=str(system.home), timeout=60) as client:
            for _ in range(200):  # warm up
                client.run("noop")
            trace.write_bytes(b"")
            for _ in range(runs):
                mark("send")
                client.run("noop")
                mark("answer")
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    return trips(trace)


def report(synchronous: str, found: list[dict[str, int]]) -> None:
    totals = sorted((trip["answer"] - trip["send"], i) for i, trip in enumerate(found))
    n = len(totals)
    slow = [found[i] for _, i in totals[int(n * 0.95) :]]
    p50, p99 = totals[n // 2][0] / 1000, totals[int(n * 0.99)][0] / 1000
    print(f"synchronous = {synchronous}: {n} runs, round trip p50 {p50:.0f} us, p99 {p99:.0f} us")
    print(f"  {'hop':42}{'median us':>10}{'slowest 5%':>12}")
    for label, start, end in HOPS:
        median = statistics.median(trip[end] - trip[start] for trip in found) / 1000
        tail = statistics.mean(trip[end] - trip[start] for trip in slow) / 1000
        print(f"  {label:42}{median:>10.0f}{tail:>12.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--synchronous", nargs="+", default=["FULL", "NORMAL"])
    args = parser.parse_args()
    from bench.relay import Relay

    with tempfile.TemporaryDirectory(prefix="dm-hops-") as tmp:
        for level in args.synchronous:
            report(level, measure(level, args.runs, Path(tmp)))
        relay = Relay(2, endpoint=f"ipc://{tmp}/relay.sock")
        try:
            times = sorted(relay.round_trips(args.runs))
        finally:
            relay.stop()
    print(f"relay (bench/relay.py): round trip p50 {times[len(times) // 2] * 1e6:.0f} us")


if __name__ == "__main__":
    main()
