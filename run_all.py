"""Start docmill on the embedded default: python run_all.py [--home DIR] [--workers N] [--headless]
[--dashboard HOST:PORT | --no-dashboard]

Creates the home folder on first run, starts the broker, the worker pool and the watcher as
child processes (each logging to home/logs), shows the live monitor on a terminal, restarts a
child that dies, and on Ctrl-C or SIGTERM stops them in order within a bounded time: intake
first (the watcher), then the pool (workers finish the job in hand), then the broker.
A second Ctrl-C kills at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

from docmill.client import Client
from docmill.home import Home, resolve_home
from docmill.instance import AlreadyRunning, Instance
from docmill.logs import TEXT_FORMAT, LogTarget, setup_logging
from docmill.settings import Settings, SettingsError, add_bind_options, bind_options, load_settings
from docmill.stop import StopListener
from docmill.supervise import Child, Handle, ServiceHandle, kill_tree, stop_all, wait_gone
from docmill.waker import Waker
from docmill.watch_settings import WatcherSettings

log = logging.getLogger("run_all")

PRINTED_ROTATE_BYTES = 10 * 1024 * 1024
PRINTED_KEEP = 3
BROKER_START_TIMEOUT = 15.0
DASHBOARD = "127.0.0.1:8765"  # where the web dashboard listens unless told otherwise
DASHBOARD_START_TIMEOUT = 10.0  # seconds to wait for its address before announcing without it
STOP_TIMEOUT = 10.0  # seconds any child gets after it is asked to stop, before it is killed


def rotate(path: Path) -> None:
    """A child's printed output (NAME.out), rotated when the child starts: it is small."""
    if not path.exists() or path.stat().st_size < PRINTED_ROTATE_BYTES:
        return
    for n in range(PRINTED_KEEP - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{n + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


def watched_roots(watcher: WatcherSettings) -> list[str]:
    """`--allowed-root` for each folder the watcher watches: the pool must read what it submits
    (besides the roots in docmill.toml, which the pool reads itself)."""
    return [arg for folder in watcher.folders for arg in ("--allowed-root", str(folder.path))]


def pool_command(settings: Settings, workers: int | None) -> list[str]:
    """`python -m workers` on the home: [workers] of its docmill.toml sets the pool, but for
    `workers` (run_all's --workers), and the pool may read what the watcher submits."""
    concurrency = ["--concurrency", str(workers)] if workers is not None else []
    return [
        *("-m", "workers", "--home", str(settings.home.root)),
        *concurrency,
        *watched_roots(settings.watcher),
    ]


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        workers: int | None = None,
        broker_args: list[str] | None = None,
        dashboard: str | None = DASHBOARD,
    ) -> None:
        """`workers`, when given, replaces docmill.toml's [workers] concurrency."""
        self.home = home = settings.home
        # The pool's grace, read from the same file as the pool does: how long it may take.
        self.pool_grace = settings.workers.grace
        root = str(home.root)
        self.broker = self._child("broker", ["-m", "broker", "--home", root, *(broker_args or [])])
        self.pool = self._child("workers", pool_command(settings, workers))
        self.watcher = self._child("watcher", ["-m", "watcher", "--home", root])
        self.dashboard = (
            self._child("dashboard", ["-m", "dashboard", "--home", root, "--bind", dashboard])
            if dashboard
            else None
        )
        self.children = (self.broker, self.pool, self.watcher, *filter(None, [self.dashboard]))
        self.stopping = 0  # stop requests received
        self._waker = Waker()
        self.view: subprocess.Popen[bytes] | None = None  # the monitor on this terminal
        self.control = StopListener(home)

    def _child(self, name: str, args: list[str]) -> Child:
        log_file = self.home.logs / f"{name}.log"
        printed = self.home.logs / f"{name}.out"  # what it prints outside logging: a crash's
        args = [*args, "--log-file", str(log_file)]  # traceback, a C library's notes

        def spawn() -> Handle:
            rotate(printed)
            handle = ServiceHandle(args, printed)
            log.info("started %s (pid %d), log in %s", name, handle.pid, log_file)
            return handle

        return Child(name, spawn)

    def _signal(self, signum: int, _frame: object) -> None:
        if signum != getattr(signal, "SIGCHLD", None):
            self.stopping += 1
            if self.stopping > 1:
                log.warning("second stop signal: killing everything now")
                for child in self.children:
                    if child.handle is not None and child.handle.pid is not None:
                        kill_tree(child.handle.pid)
        self._waker.wake()

    def run(self, show_view: bool = False) -> int:
        """Start everything, keep it running until asked to stop, then stop it in order."""
        for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGCHLD", None)):
            if sig is not None:
                signal.signal(sig, self._signal)
        try:
            self._stop_leftovers()
            self.broker.start(time.monotonic())
            if not self._broker_answers():
                log.error("the broker did not start; see %s", self.home.logs / "broker.log")
                return 1
            self.pool.start(time.monotonic())
            self.watcher.start(time.monotonic())
            if self.dashboard is not None:
                self.dashboard.start(time.monotonic())
            self.control.listen()
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
                # SIGCHLD and stop signals write to the wake socket; `docmill stop` comes as a
                # `system.stop` event on the broker's status stream.
                if self.control.wait(self._waker.reader, timeout):
                    log.info("asked to stop by `docmill stop`")
                    break
                self._waker.clear()
            return 0
        finally:
            self.control.close()
            self.shutdown()

    def _stop_leftovers(self) -> None:
        """Processes of an earlier run_all that died: with their lifeline cut they are already
        stopping in order; wait for that, bounded, then kill what is left. A process that does
        not run under a lifeline is somebody's own, and is refused in main() instead."""
        for role in ("watcher", "pool", "broker"):
            instance = Instance(self.home, role)
            process = instance.holder_process()
            if process is None:
                continue
            log.warning(
                "the %s of an earlier run (pid %d) is still stopping; waiting up to %gs",
                role,
                process.pid,
                self.pool_grace + STOP_TIMEOUT,
            )
            alive = wait_gone([process], timeout=self.pool_grace + STOP_TIMEOUT)
            if alive:
                log.warning("killing the leftover %s (pid %d)", role, process.pid)
                kill_tree(process.pid)

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
        """Reap and restart children; returns seconds until the next restart that is due."""
        now = time.monotonic()
        next_due = 5.0  # the longest sleep; covers platforms without SIGCHLD
        for child in self.children:
            pid = child.handle.pid if child.handle is not None else None
            if (reason := child.reap(now)) is not None:
                wait = child.restart_at - now
                log.warning(
                    "%s (pid %s) %s; restarting it%s",
                    child.name,
                    pid,
                    reason,
                    f" in {wait:.1f}s" if wait > 0 else "",
                )
            if child.due(now):
                child.start(now)
                if child is self.broker:
                    self.control.listen()  # its events endpoint may have changed (TCP port *)
            elif child.handle is None:
                next_due = min(next_due, child.restart_at - now)
        return next_due

    def _announce(self) -> None:
        print(
            f"docmill is running in {self.home.root}\n"
            f"  drop files in   {self.home.inbox}\n"
            f"  results in      {self.home.outbox}\n"
            f"  logs in         {self.home.logs}\n"
            f"  broker          {self.home.broker_endpoint()}\n"
            + (f"  dashboard       {self._dashboard_url()}\n" if self.dashboard else "")
            + f"Submit with: docmill --home {self.home.root} submit PATH --wait. Ctrl-C stops.",
            flush=True,
        )

    def _dashboard_url(self) -> str:
        """The address the dashboard took (home/run/dashboard.json), once it has written it."""
        address = self.home.run / "dashboard.json"
        deadline = time.monotonic() + DASHBOARD_START_TIMEOUT
        while self.dashboard is not None and self.dashboard.alive() and not self.stopping:
            with contextlib.suppress(OSError, ValueError):
                found = json.loads(address.read_text())
                if self.dashboard.handle and found.get("pid") == self.dashboard.handle.pid:
                    return str(found["url"])
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)  # the dashboard is starting; nothing to wait on yet
        return f"not answering yet (see {self.home.logs / 'dashboard.log'})"

    def shutdown(self) -> None:
        if self.view is not None and self.view.poll() is None:
            self.view.terminate()
            self.view.wait(5)
        log.info(
            "stopping: intake (the watcher), then workers (they finish their jobs), then the broker"
        )
        for child, grace in (
            *([(self.dashboard, STOP_TIMEOUT)] if self.dashboard else []),
            (self.watcher, STOP_TIMEOUT),
            (self.pool, self.pool_grace + STOP_TIMEOUT),
            (self.broker, STOP_TIMEOUT),
        ):
            if child.handle is not None:
                stop_all([child.handle], grace)
                log.info("%s stopped", child.name)
        self._waker.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_all.py", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    parser.add_argument(
        "--workers", type=int, help="worker processes (default: [workers] concurrency, 2)"
    )
    parser.add_argument("--headless", action="store_true", help="never show the monitor view")
    parser.add_argument(
        "--dashboard",
        default=DASHBOARD,
        metavar="HOST:PORT",
        help=f"where the web dashboard listens (default {DASHBOARD}; port 0: any free one)",
    )
    parser.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    add_bind_options(parser)
    args = parser.parse_args(argv)
    broker_args = bind_options(args)
    home = Home(resolve_home(args.home)).ensure()
    try:
        settings = load_settings(home)  # every child reads the same file: fail here, once
    except SettingsError as exc:
        parser.error(str(exc))
    show_view = not args.headless and sys.stdin.isatty() and sys.stdout.isatty()
    setup_logging(target=LogTarget("INFO", str(home.logs / "run_all.log"), settings.logs))
    if not show_view:  # the view owns the terminal: log to the file alone
        echo = logging.StreamHandler(sys.stderr)
        echo.setFormatter(logging.Formatter(TEXT_FORMAT))
        logging.getLogger().addHandler(echo)
    try:
        # One system per home, for run_all's whole life.
        instance = Instance(home, "run_all").acquire()
        refuse_unsupervised(home)
    except AlreadyRunning as exc:
        print(f"run_all.py: {exc}", file=sys.stderr)
        return 2
    try:
        workers = max(1, args.workers) if args.workers is not None else None
        dashboard = None if args.no_dashboard else args.dashboard
        return Supervisor(settings, workers, broker_args, dashboard).run(show_view)
    finally:
        instance.release()


def refuse_unsupervised(home: Home) -> None:
    """A broker, pool or watcher started by hand on this home is somebody's own: refuse to
    start beside it (leftovers of a dead run_all are stopped by the Supervisor instead)."""
    for role in ("broker", "pool", "watcher"):
        instance = Instance(home, role)
        holder = instance.held_elsewhere()
        if holder is not None and not holder.get("supervised"):
            raise AlreadyRunning(home, role, holder)


if __name__ == "__main__":
    raise SystemExit(main())
