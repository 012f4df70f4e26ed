"""A running docmill for a benchmark: broker and worker pool (and the watcher, on request) as
separate processes on a fresh home folder, stopped on the way out."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docmill.client import Client  # noqa: E402

QUIET = "[checks]\ninterval = 0\n"  # periodic checks are jobs too: keep them out of the figures
CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass
class System:
    home: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # Folders its pools' path jobs may read, besides the home's own (the inbox by default).
    roots: tuple[Path, ...] = (CORPUS,)

    def start(self, module: str, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=ROOT, stderr=subprocess.DEVNULL
        )
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
        pool = self.start("workers", *where, "--concurrency", str(workers), "--log-level", "ERROR")
        with Client(home=str(self.home), timeout=30) as client:
            while len(client.status()["workers"]) < workers:
                time.sleep(0.05)
        return pool

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
