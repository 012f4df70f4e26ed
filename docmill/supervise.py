"""Supervision, shared by run_all.py (broker, pool, watcher) and the worker pool (its workers).

A supervisor keeps a list of `Child` records and runs a reconcile loop (STYLE.md habit 8):
`reap` each dead child (it says why it died and schedules its restart, backing off
exponentially while it keeps dying at start), `start` those that are due, and on the way out
`stop_all`: ask every child to stop, give them one grace period together, then kill what is
left, descendants included. The process behind a child is a `Handle`, so a `multiprocessing`
worker and a `subprocess` service are supervised by the same code.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

import psutil

from docmill.lifeline import STOP

log = logging.getLogger(__name__)

QUICK_DEATH = 2.0  # seconds: a child dying sooner after its start is failing to start
MAX_BACKOFF = 30.0  # seconds between restarts of a child that keeps failing to start


def describe_exit(code: int | None) -> str:
    """A person's words for a process exit code (negative: killed by that signal)."""
    if code is None:
        return "is still running"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Handle(Protocol):
    """A running child process, as a supervisor sees it."""

    @property
    def pid(self) -> int | None: ...

    def exit_code(self) -> int | None:
        """None while it runs."""

    def ask_to_stop(self) -> None:
        """The polite request: finish what you hold, then leave."""

    def kill(self) -> None:
        """The last resort, for the child and every process it started."""

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for its end; True if it has ended."""

    def release(self) -> None:
        """Free what the handle holds (pipes, sentinels) once the process has ended."""


@dataclass
class Child:
    name: str
    spawn: Callable[[], Handle]
    handle: Handle | None = None
    started: float = 0.0
    failures: int = 0  # quick deaths in a row
    restart_at: float = 0.0  # when a dead child is due to start again
    restarts: int = 0

    def alive(self) -> bool:
        return self.handle is not None and self.handle.exit_code() is None

    def due(self, now: float) -> bool:
        return self.handle is None and now >= self.restart_at

    def start(self, now: float) -> Handle:
        if self.started:
            self.restarts += 1
        self.handle = self.spawn()
        self.started = now
        return self.handle

    def reap(self, now: float) -> str | None:
        """If the child has ended: let its process go, schedule its restart, say why it ended."""
        if self.handle is None or (code := self.handle.exit_code()) is None:
            return None
        self.handle.release()
        self.handle = None
        if now - self.started < QUICK_DEATH:
            self.failures += 1
            self.restart_at = now + min(MAX_BACKOFF, 0.5 * 2**self.failures)
        else:
            self.failures, self.restart_at = 0, now
        return describe_exit(code)


def stop_all(handles: Iterable[Handle], grace: float) -> list[Handle]:
    """Ask each to stop, give them `grace` seconds together, then kill the rest; returns those
    that had to be killed."""
    handles = [h for h in handles if h.exit_code() is None]
    for handle in handles:
        handle.ask_to_stop()
    deadline = time.monotonic() + grace
    for handle in handles:
        handle.wait(max(0.0, deadline - time.monotonic()))
    late = [h for h in handles if h.exit_code() is None]
    for handle in late:
        log.warning("pid %s did not stop within %gs: killing it", handle.pid, grace)
        handle.kill()
    for handle in late:
        handle.wait(5.0)
    return late


def ended(process: psutil.Process | int) -> bool:
    """True once the process (or pid) has exited. A zombie has exited too: it waits only for its
    parent, or, once orphaned, for init, which on some systems reaps every second or two."""
    try:
        if isinstance(process, int):
            process = psutil.Process(process)
        # is_running() also tells a process whose pid was given to another since.
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(processes: Iterable[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait up to `timeout` seconds for every process to exit; returns those still running.
    Unlike psutil.wait_procs, an exited process nobody has reaped yet counts as gone."""
    alive = list(processes)
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        alive = [p for p in alive if not ended(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.05)


def kill_tree(pid: int) -> None:
    """Kill a process and all its descendants (what psutil can see of them)."""
    try:
        root = psutil.Process(pid)
        family = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in family:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    wait_gone(family, timeout=5)


class ServiceHandle:
    """A docmill process started with `--lifeline`: asked to stop through its stdin, which also
    stops it if this supervisor dies (docmill/lifeline.py)."""

    def __init__(self, args: list[str], log_file: Path) -> None:
        with log_file.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, *args, "--lifeline"],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Ctrl-C on the terminal reaches the supervisor alone; it decides the order.
                start_new_session=sys.platform != "win32",
                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
            )

    @property
    def pid(self) -> int | None:
        return self.popen.pid

    def exit_code(self) -> int | None:
        return self.popen.poll()

    def ask_to_stop(self) -> None:
        stdin = self.popen.stdin
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(OSError):  # it is gone already
                stdin.write(STOP)
                stdin.close()

    def kill(self) -> None:
        kill_tree(self.popen.pid)

    def wait(self, timeout: float) -> bool:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)
        return self.popen.poll() is not None

    def release(self) -> None:
        if self.popen.stdin is not None:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()


class ProcessHandle:
    """A `multiprocessing` child (a pool's worker), with its end of a socket pair as its
    lifeline: `stop` written there asks it to finish its job and leave, and the end of the
    pair (this supervisor gone) does the same. A socket, unlike a signal, means that on every
    platform (on Windows, terminate() kills at once), and the child's poll can wait on it."""

    def __init__(self, process: BaseProcess, lifeline: socket.socket | None = None) -> None:
        self.process = process
        self.lifeline = lifeline

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def exit_code(self) -> int | None:
        return self.process.exitcode

    def ask_to_stop(self) -> None:
        if self.process.exitcode is not None:
            return
        if self.lifeline is None:
            self.process.terminate()
            return
        with contextlib.suppress(OSError):  # it is gone already: nothing to ask
            self.lifeline.sendall(STOP)

    def kill(self) -> None:
        if self.process.pid is not None:
            kill_tree(self.process.pid)

    def wait(self, timeout: float) -> bool:
        self.process.join(timeout)
        return self.process.exitcode is not None

    def release(self) -> None:
        self.process.join()
        self.process.close()
        if self.lifeline is not None:
            self.lifeline.close()
