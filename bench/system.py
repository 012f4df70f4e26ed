"""A running docmill for a benchmark: broker and worker pool (and the watcher, on request) as
separate processes on a fresh home folder, stopped on the way out."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docmill.client import Client  # noqa: E402

QUIET = "[checks]\ninterval = 0\n"  # periodic checks are jobs too: keep them out of the figures
CORPUS = ROOT.parent / "shared" / "corpus"

# Headless Chromium on a machine whose network reaches nothing: without the background
# networking flags it keeps trying Google's hosts (the dashboard's tests and benchmark).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)

P = TypeVar("P")


class Stream:
    """Records the broker's status stream (`when`, topic, body) in a thread, from the moment
    it is made: the benchmarks count events in it, the tests look for them."""

    def __init__(self, endpoint: str) -> None:
        self.timed: list[tuple[float, str, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(endpoint,), daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self, endpoint: str) -> None:
        sock = zmq.Context.instance().socket(zmq.SUB)
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect(endpoint)
        self._ready.set()
        while not self._stop.is_set():
            if sock.poll(100):
                topic, body = sock.recv_multipart()
                self.timed.append((time.perf_counter(), topic.decode(), msgpack.unpackb(body)))
        sock.close(0)

    @property
    def items(self) -> list[tuple[str, dict[str, Any]]]:
        return [(topic, body) for _, topic, body in self.timed]

    def count(self, topic: str, since: float) -> int:
        return sum(1 for when, name, _ in self.timed if name == topic and when >= since)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def wait_workers(home: Path, count: int, timeout: float = 30.0) -> None:
    """Until the broker of `home` lists `count` workers or more; TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    with Client(home=str(home), timeout=timeout) as client:
        while len(client.status()["workers"]) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} workers did not join the broker in {timeout:g} s")
            time.sleep(0.02)  # sync-ok: polling interval of a deadline-bounded wait


def run_pool(
    spawn: Callable[[list[str]], P], home: Path, workers: int, *args: str, timeout: float = 30.0
) -> P:
    """A pool of `workers` workers: `spawn` starts `python -m workers` with the arguments it is
    given (those after the interpreter; `args` say where it joins, `--home` or `--connect`, and
    its options) and returns its handle, which is returned once `home`'s broker lists them all.
    How the benchmarks and the tests' start_pool start pools."""
    pool = spawn(["-m", "workers", "--concurrency", str(workers), *args])
    wait_workers(home, workers, timeout)
    return pool


@dataclass
class System:
    home: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # Folders its pools' path jobs may read, besides the home's own (the inbox by default).
    roots: tuple[Path, ...] = (CORPUS,)

    def start(self, module: str, *args: str) -> subprocess.Popen[bytes]:
        return self.spawn(["-m", module, *args])

    def spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        """`python ARGS`, stopped with the system."""
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def start_broker(self) -> subprocess.Popen[bytes]:
        endpoints = self.home / "run" / "endpoints.json"
        endpoints.unlink(missing_ok=True)
        broker = self.start("broker", "--home", str(self.home), "--log-level", "WARNING")
        deadline = time.monotonic() + 30
        while not endpoints.exists():
            if time.monotonic() > deadline or broker.poll() is not None:
                raise RuntimeError("the broker did not start")
            time.sleep(0.01)
        return broker

    def start_pool(self, workers: int, *args: str) -> subprocess.Popen[bytes]:
        """A pool on this home (or as `args` say), once all its workers have registered."""
        where = list(args) if "--connect" in args else ["--home", str(self.home), *args]
        where += [arg for root in self.roots for arg in ("--allowed-root", str(root))]
        return run_pool(self.spawn, self.home, workers, *where, "--log-level", "ERROR")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(60)


@contextmanager
def running(workers: int = 2, settings: str = QUIET, pool: bool = True) -> Iterator[System]:
    with tempfile.TemporaryDirectory(prefix="docmill-bench-") as tmp:
        home = Path(tmp) / "h"
        (home / "run").mkdir(parents=True)
        (home / "docmill.toml").write_text(settings)
        system = System(home)
        try:
            system.start_broker()
            if pool:
                system.start_pool(workers)
            yield system
        finally:
            system.stop()
