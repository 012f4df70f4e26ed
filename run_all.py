"""Start docmill on the embedded default: python run_all.py [--home DIR] [--workers N] [--headless]

Creates the home folder on first run, starts the broker, the worker pool and the watcher as
child processes (each logging to home/logs), shows the live monitor on a terminal, restarts a
child that dies, and on Ctrl-C or SIGTERM stops them in order within a bounded time: intake
first (the watcher), then the pool (workers finish the job in hand), then the broker.
A second Ctrl-C kills at once.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from docmill.client import Client
from docmill.home import Home, resolve_home
from docmill.logs import setup_logging
from docmill.settings import add_bind_options, bind_options
from docmill.waker import Waker
from watcher.settings import SettingsError, load_settings

log = logging.getLogger("run_all")

LOG_ROTATE_BYTES = 10 * 1024 * 1024
LOG_KEEP = 3
BROKER_START_TIMEOUT = 15.0
POOL_GRACE = 10.0  # seconds workers get to finish their jobs on shutdown
STOP_TIMEOUT = 10.0  # seconds any child gets after SIGTERM before SIGKILL


@dataclass
class Child:
    name: str
    args: list[str]
    log_file: Path
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started: float = 0.0
    restart_at: float = 0.0  # when a dead child is due to start again; 0 while it runs
    family: list[psutil.Process] = field(default_factory=list)

    def start(self) -> None:
        rotate(self.log_file)
        out = self.log_file.open("ab")
        # Own session: a terminal's Ctrl-C reaches only us, and we decide the order of stopping.
        self.popen = subprocess.Popen(
            [sys.executable, *self.args],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        self.started = time.monotonic()
        log.info("started %s (pid %d), log in %s", self.name, self.popen.pid, self.log_file)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float) -> None:
        """SIGTERM, wait, then SIGKILL whatever is left of this child and its descendants."""
        if self.popen is None:
            return
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.popen.pid)
            self.family = [root, *root.children(recursive=True)]
        if self.alive():
            self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %gs; killing it", self.name, timeout)
        _, alive = psutil.wait_procs(self.family, timeout=2)
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(alive, timeout=5)
        log.info("%s stopped", self.name)


def rotate(path: Path) -> None:
    if not path.exists() or path.stat().st_size < LOG_ROTATE_BYTES:
        return
    for n in range(LOG_KEEP - 1, 0, -1):
        older = path.with_suffix(f".log.{n}")
        if older.exists():
            older.replace(path.with_suffix(f".log.{n + 1}"))
    path.replace(path.with_suffix(".log.1"))


def watched_roots(home: Home) -> list[str]:
    """`--allowed-root` for each folder the watcher watches: the pool must read what it submits
    (besides the roots in docmill.toml, which the pool reads itself)."""
    try:
        folders = load_settings(home.root).folders
    except SettingsError as exc:
        log.error("cannot tell which folders the watcher watches: %s", exc)
        return []  # the watcher fails on the same settings, and says so in its log
    return [arg for folder in folders for arg in ("--allowed-root", str(folder.path))]


class Supervisor:
    def __init__(self, home: Home, workers: int, broker_args: list[str] | None = None) -> None:
        self.home = home
        root = str(home.root)
        self.broker = Child(
            "broker",
            ["-m", "broker", "--home", root, *(broker_args or [])],
            home.logs / "broker.log",
        )
        self.pool = Child(
            "workers",
            [
                "-m",
                "workers",
                "--home",
                root,
                "--concurrency",
                str(workers),
                "--grace",
                str(POOL_GRACE),
                *watched_roots(home),
            ],
            home.logs / "workers.log",
        )
        self.watcher = Child(
            "watcher", ["-m", "watcher", "--home", root], home.logs / "watcher.log"
        )
        self.stopping = 0  # signals received
        self._waker = Waker()
        self.view: subprocess.Popen[bytes] | None = None  # the monitor on this terminal

    def _signal(self, signum: int, _frame: object) -> None:
        if signum != getattr(signal, "SIGCHLD", None):
            self.stopping += 1
            if self.stopping > 1:
                log.warning("second stop signal: killing everything now")
                for child in (self.watcher, self.pool, self.broker):
                    if child.popen is not None:
                        with contextlib.suppress(OSError):
                            os.killpg(child.popen.pid, signal.SIGKILL)
        self._waker.wake()

    def run(self, show_view: bool = False) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGCHLD", None)):
            if sig is not None:
                signal.signal(sig, self._signal)
        try:
            self.broker.start()
            if not self._broker_answers():
                log.error("the broker did not start; see %s", self.broker.log_file)
                return 1
            self.pool.start()
            self.watcher.start()
            self._announce()
            if show_view:
                # Same session and terminal: the view reads the keys; quitting it stops docmill.
                monitor = [sys.executable, "-m", "monitor", "--home", str(self.home.root)]
                self.view = subprocess.Popen(monitor)
            while not self.stopping:
                if self.view is not None and self.view.poll() is not None:
                    log.info("the monitor view was closed: stopping")
                    break
                timeout = self._reconcile()
                # SIGCHLD and stop signals write to the wake socket.
                with contextlib.suppress(InterruptedError):
                    select.select([self._waker.reader], [], [], timeout)
                self._waker.clear()
            return 0
        finally:
            self.shutdown()

    def _broker_answers(self) -> bool:
        deadline = time.monotonic() + BROKER_START_TIMEOUT
        while time.monotonic() < deadline and self.broker.alive() and not self.stopping:
            if self.home.read_endpoints():
                try:
                    with Client(home=str(self.home.root), timeout=1.0) as client:
                        client.status()
                    return True
                except TimeoutError:
                    pass
            time.sleep(0.05)  # the broker is starting; nothing to wait on yet
        return False

    def _reconcile(self) -> float:
        """Restart children that died; returns seconds until the next restart that is due."""
        now = time.monotonic()
        next_due = 5.0  # the longest sleep; covers platforms without SIGCHLD
        for child in (self.broker, self.pool, self.watcher):
            if child.alive():
                continue
            if child.restart_at == 0.0:
                quick = now - child.started < 2.0  # dying at start: back off, do not spin
                child.restart_at = now + (1.0 if quick else 0.0)
                code = child.popen.returncode if child.popen else None
                log.warning("%s exited with code %s; restarting it", child.name, code)
            if now >= child.restart_at:
                child.restarts += 1
                child.restart_at = 0.0
                child.start()
            else:
                next_due = min(next_due, child.restart_at - now)
        return next_due

    def _announce(self) -> None:
        print(
            f"docmill is running in {self.home.root}\n"
            f"  drop files in   {self.home.inbox}\n"
            f"  results in      {self.home.outbox}\n"
            f"  logs in         {self.home.logs}\n"
            f"  broker          {self.home.broker_endpoint()}\n"
            f"Submit with: docmill --home {self.home.root} submit PATH --wait. Ctrl-C stops.",
            flush=True,
        )

    def shutdown(self) -> None:
        if self.view is not None and self.view.poll() is None:
            self.view.terminate()
            self.view.wait(5)
        log.info(
            "stopping: intake (the watcher), then workers (they finish their jobs), then the broker"
        )
        self.watcher.stop(STOP_TIMEOUT)
        self.pool.stop(POOL_GRACE + STOP_TIMEOUT)
        self.broker.stop(STOP_TIMEOUT)
        self._waker.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_all.py", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--headless", action="store_true", help="never show the monitor view")
    add_bind_options(parser)
    args = parser.parse_args(argv)
    broker_args = bind_options(args)
    home = Home(resolve_home(args.home)).ensure()
    show_view = not args.headless and sys.stdin.isatty() and sys.stdout.isatty()
    setup_logging()
    handler = logging.FileHandler(home.logs / "run_all.log")
    root = logging.getLogger()
    handler.setFormatter(root.handlers[0].formatter)
    if show_view:  # the view owns the terminal: log to the file alone
        root.handlers.clear()
    root.addHandler(handler)
    return Supervisor(home, max(1, args.workers), broker_args).run(show_view)


if __name__ == "__main__":
    raise SystemExit(main())
