"""Files through the watcher while random docmill processes are killed with kill -9.

    python bench/chaos.py [--files 1500] [--feed-seconds 600] [--kill-every 15 25] [--seed 1]

run_all.py runs on a fresh home; files are dropped in its inbox over `--feed-seconds`, while every
`--kill-every` seconds one process is killed outright, the kinds taken in turn from a shuffled
cycle: run_all itself (started again at once, as a service manager would), the broker, the
pool, a worker, a job process, the watcher. Then it waits for every file's result, stops
run_all and checks: every file has exactly one job and one complete output, no job is left
unfinished, no process of the home is left, and at no moment did two brokers serve the home.
tests/test_chaos.py runs a short version of the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker.store import SqliteStore  # noqa: E402
from docmill.client import Client  # noqa: E402
from docmill.protocol import JobStatus  # noqa: E402
from docmill.supervise import wait_gone  # noqa: E402

KINDS = ("run_all", "broker", "pool", "worker", "job", "watcher")
SETTINGS = "[checks]\ninterval = 0\n[maintenance]\ncleanup_jobs_interval = 0\n"


@dataclass
class Report:
    files: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    missed_kills: int = 0  # the victim kind had no process at that moment
    most_brokers: int = 0  # brokers of this home seen alive at one time
    missing: list[str] = field(default_factory=list)  # files without a complete output
    jobs_per_file: Counter[int] = field(default_factory=Counter)  # job count -> files
    states: Counter[str] = field(default_factory=Counter)
    most_attempts: int = 0
    left_behind: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def problems(self) -> list[str]:
        found = []
        if self.missing:
            found.append(f"{len(self.missing)} file(s) without a result: {self.missing[:5]}")
        if set(self.jobs_per_file) != {1}:
            found.append(f"files by number of jobs: {dict(self.jobs_per_file)}")
        unfinished = {s: n for s, n in self.states.items() if not JobStatus(s).terminal}
        if unfinished:
            found.append(f"jobs stuck unfinished: {unfinished}")
        if self.most_brokers > 1:
            found.append(f"{self.most_brokers} brokers served the home at once")
        if self.left_behind:
            found.append(f"processes left behind: {self.left_behind}")
        return found


class Chaos:
    def __init__(self, home: Path, workers: int, seed: int) -> None:
        self.home = home
        self.workers = workers
        self.rng = random.Random(seed)
        self.report = Report()
        self.run_all: subprocess.Popen[bytes] | None = None
        self._starts = 0
        self._cycle: list[str] = []

    # -- the system ------------------------------------------------------------------------

    def start_run_all(self) -> None:
        self._starts += 1
        log = (self.home.parent / f"run_all.{self._starts}.log").open("ab")
        workers = ["--workers", str(self.workers)]
        self.run_all = subprocess.Popen(
            [sys.executable, "run_all.py", "--home", str(self.home), "--headless", *workers],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sample()
            try:
                with Client(home=str(self.home), timeout=1.0) as client:
                    if len(client.status()["workers"]) >= self.workers:
                        return
            except (TimeoutError, OSError):
                pass
            time.sleep(0.1)  # sync-ok: polling with a deadline
        raise RuntimeError("docmill did not come up")

    def processes(self) -> list[psutil.Process]:
        """Every live process of this home: the run_all tree, and anything naming the home."""
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            with_home = str(self.home) in " ".join(proc.info["cmdline"] or [])
            if with_home and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
                found += proc.children(recursive=True)
        return list({p.pid: p for p in found}.values())

    def victims(self, kind: str) -> list[psutil.Process]:
        def named(module: str) -> list[psutil.Process]:
            return [p for p in self.processes() if _runs(p, module)]

        if kind == "run_all":
            return [self.run_all] if self.run_all and self.run_all.poll() is None else []  # type: ignore[list-item]
        if kind in ("broker", "watcher"):
            return named(kind)
        pools = named("workers")
        if kind == "pool":
            return pools
        workers = [w for pool in pools for w in _children(pool)]
        if kind == "worker":
            return workers
        return [j for w in workers for j in _children(w)]  # job processes

    def kill_one(self) -> None:
        if not self._cycle:
            self._cycle = list(KINDS)
            self.rng.shuffle(self._cycle)
        kind = self._cycle.pop()
        victims = self.victims(kind)
        if not victims:
            self.report.missed_kills += 1
            return
        victim = self.rng.choice(victims)
        try:
            os.kill(victim.pid, signal.SIGKILL)
        except ProcessLookupError:
            self.report.missed_kills += 1
            return
        self.report.kills[kind] += 1
        if kind == "run_all":
            assert self.run_all is not None
            self.run_all.wait(10)
            self.start_run_all()  # what a service manager does

    def sample(self) -> None:
        brokers = [p for p in self.processes() if _runs(p, "broker")]
        self.report.most_brokers = max(self.report.most_brokers, len(brokers))

    # -- one run ---------------------------------------------------------------------------

    def run(self, files: int, feed_seconds: float, kill_every: tuple[float, float]) -> Report:
        began = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "docmill.toml").write_text(SETTINGS)
        inbox = self.home / "inbox"
        inbox.mkdir(exist_ok=True)
        self.start_run_all()
        self.wait_serving()
        expected: dict[str, str] = {}  # doc_id -> file name
        next_kill = time.monotonic() + self.rng.uniform(*kill_every)
        for i in range(files):
            due = began + feed_seconds * i / files
            while time.monotonic() < due:
                self.sample()
                if time.monotonic() >= next_kill:
                    self.kill_one()
                    next_kill = time.monotonic() + self.rng.uniform(*kill_every)
                time.sleep(min(0.1, max(0.0, due - time.monotonic())))  # sync-ok: pacing
            name = f"doc-{i:05d}.txt"
            text = f"Document {i} of the chaos run.\n\n" + f"Paragraph {i} says {i * 7919}.\n" * 20
            (inbox / f".{name}.part").write_text(text)
            os.replace(inbox / f".{name}.part", inbox / name)
            expected[hashlib.sha256(text.encode()).hexdigest()] = name
        self.report.files = files
        self.wait_serving()
        self.wait_outputs(expected, timeout=max(120.0, files * 0.5))
        self.stop()
        self.check(expected)
        self.report.seconds = time.monotonic() - began
        return self.report

    def wait_outputs(self, expected: dict[str, str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sample()
            if all(_complete(self.home / "outbox" / f"{d}.json") for d in expected):
                return
            time.sleep(0.2)  # sync-ok: polling with a deadline

    def stop(self) -> None:
        everyone = self.processes()
        if self.run_all is not None and self.run_all.poll() is None:
            self.run_all.send_signal(signal.SIGTERM)
            self.run_all.wait(60)
        alive = wait_gone(everyone, timeout=30)
        self.report.left_behind = [f"{p.pid} {' '.join(p.cmdline())}" for p in alive]
        for proc in alive:
            proc.kill()

    def check(self, expected: dict[str, str]) -> None:
        outbox = self.home / "outbox"
        self.report.missing = [
            n for d, n in expected.items() if not _complete(outbox / f"{d}.json")
        ]
        store = SqliteStore(self.home / "state" / "jobs.db")
        try:
            jobs = [job for status in JobStatus for job in store.by_status(status, 10**7)]
        finally:
            store.close()
        documents = [j for j in jobs if j.task == "process_document"]
        self.report.states = Counter(j.status.value for j in jobs)
        self.report.most_attempts = max((j.attempts for j in documents), default=0)
        per_file = Counter(Path(str(j.args.get("path"))).name for j in documents)
        self.report.jobs_per_file = Counter(per_file.get(n, 0) for n in expected.values())


def _runs(proc: psutil.Process, module: str) -> bool:
    try:
        cmdline = proc.cmdline()
    except psutil.Error:
        return False
    return "-m" in cmdline and module in cmdline


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children()
    except psutil.Error:
        return []


def _complete(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_text()), dict)
    except (OSError, ValueError):
        return False


def chaos(
    files: int, feed_seconds: float, kill_every: tuple[float, float], seed: int, workers: int = 2
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="docmill-chaos-") as tmp:
        report = Chaos(Path(tmp) / "h", workers, seed).run(files, feed_seconds, kill_every)
    return {**report.__dict__, "problems": report.problems()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1500)
    parser.add_argument("--feed-seconds", type=float, default=600.0)
    parser.add_argument("--kill-every", type=float, nargs=2, default=(15.0, 25.0))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = chaos(args.files, args.feed_seconds, tuple(args.kill_every), args.seed, args.workers)
    print(json.dumps(result, indent=2, default=str))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
