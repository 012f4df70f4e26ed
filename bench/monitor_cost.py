"""What watching costs: the status stream plus an open monitor, idle and under load.

    python bench/monitor_cost.py [--idle 30] [--jobs 10000]

Idle: CPU time used by the broker and a live monitor (on a pseudo-terminal) over --idle
seconds, as a share of one core. Under load: jobs/s for --jobs noop jobs with the monitor open
and the periodic state on, against the same run with the state events off and no monitor.
Both variants run in the same invocation, so the ratio holds on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docmill.client import Client  # noqa: E402


def _start(home: Path, watched: bool) -> list[subprocess.Popen[bytes]]:
    interval = 2.0 if watched else 0
    (home / "docmill.toml").write_text(
        "[broker]\n[checks]\ninterval = 0\n[maintenance]\ncleanup_jobs_interval = 0\n"
        "cleanup_outputs_interval = 0\n"
    )
    env = {**os.environ}
    quiet = subprocess.DEVNULL
    broker = subprocess.Popen(
        [sys.executable, "-c", _BROKER, str(home), str(interval)], cwd=ROOT, stderr=quiet, env=env
    )
    deadline = time.monotonic() + 30
    while not (home / "run" / "endpoints.json").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the broker did not start")
        time.sleep(0.05)
    pool = subprocess.Popen(
        [sys.executable, "-m", "workers", "--home", str(home), "--concurrency", "2",
         "--log-level", "WARNING"],
        cwd=ROOT, stderr=quiet,
    )  # fmt: skip
    procs = [broker, pool]
    if watched:
        master, slave = pty.openpty()
        monitor = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--home", str(home)],
            cwd=ROOT, stdin=slave, stdout=slave, stderr=slave,
        )  # fmt: skip
        os.close(slave)
        procs.append(monitor)
        _drain_later.append(master)
    return procs


# A broker whose periodic state interval is set from the command line.
_BROKER = """
import sys
from broker.broker import Broker
from docmill.home import Home
from docmill.settings import load_broker_settings
home = Home(__import__("pathlib").Path(sys.argv[1])).ensure()
broker = Broker(load_broker_settings(home, state_interval=float(sys.argv[2])))
broker.install_signal_handlers()
broker.run()
"""
_drain_later: list[int] = []


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _drain() -> None:
    import select

    for fd in _drain_later:
        while select.select([fd], [], [], 0)[0]:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break


def run(watched: bool, idle: float, jobs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="docmill-bench-") as tmp:
        home = Path(tmp) / "h"
        home.mkdir()
        procs = _start(home, watched)
        try:
            with Client(home=str(home), timeout=60) as client:
                while len(client.status()["workers"]) < 2:
                    time.sleep(0.05)
                time.sleep(3)  # let start-up work settle before measuring idle
                watched_procs = [psutil.Process(procs[0].pid)]
                if watched:
                    watched_procs.append(psutil.Process(procs[2].pid))
                before = _cpu(watched_procs)
                end = time.monotonic() + idle
                while time.monotonic() < end:
                    _drain()
                    time.sleep(0.5)
                idle_cpu = (_cpu(watched_procs) - before) / idle
                start = time.perf_counter()
                handles = client.submit_many("noop", [{} for _ in range(jobs)])
                client.gather(handles, timeout=600)
                rate = jobs / (time.perf_counter() - start)
                _drain()
            return {"idle_core_share": idle_cpu, "jobs_per_s": rate}
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(30)
            while _drain_later:
                os.close(_drain_later.pop())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args()
    bare = run(False, args.idle, args.jobs)
    watched = run(True, args.idle, args.jobs)
    print(f"idle {args.idle:g}s, then {args.jobs} noop jobs through 2 workers")
    print(f"{'':28}{'idle CPU (broker+monitor)':>28}{'jobs/s':>10}")
    for name, r in (
        ("no monitor, no state events", bare),
        ("state events + live monitor", watched),
    ):
        print(f"{name:28}{100 * r['idle_core_share']:>27.2f}%{r['jobs_per_s']:>10.0f}")
    extra = 100 * (watched["idle_core_share"] - bare["idle_core_share"])
    cost = 100 * (1 - watched["jobs_per_s"] / bare["jobs_per_s"])
    print(
        f"idle cost of watching: {extra:.2f}% of one core; throughput cost under load: {cost:.1f}%"
    )


if __name__ == "__main__":
    main()
