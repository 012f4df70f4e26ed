"""What a Windows user runs, run here with the POSIX-only modules unimportable from docmill's
code (tests/no_posix/sitecustomize.py): every module imports, the everyday commands and a
worker pool work, and the live view reads keys the way it does on a Windows console.

This simulates Windows on Linux; docs/WINDOWS.md says what is and is not covered by it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.lifeline import STOP
from monitor import live
from monitor.feed import Feed
from tests.conftest import ROOT, Proc, wait_for

pytestmark = pytest.mark.timeout(60)

NO_POSIX = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "no_posix")}
PACKAGES = ("docmill", "broker", "workers", "watcher", "monitor")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=NO_POSIX, capture_output=True, text=True, timeout=30
    )


def test_the_simulation_refuses_what_windows_lacks() -> None:
    done = _run("-c", "import termios")
    assert done.returncode == 1 and "No module named 'termios' (as on Windows)" in done.stderr


def test_every_module_imports_without_posix_only_modules() -> None:
    script = f"""
import importlib, pkgutil
failed = []
for package in {PACKAGES!r}:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed.append(f"{{info.name}}: {{exc!r}}")
import run_all
print("\\n".join(failed) or "all imported")
"""
    done = _run("-c", script)
    assert done.stdout.strip() == "all imported", done.stdout + done.stderr


def test_commands_and_a_pool_without_posix_only_modules(
    home: Home, broker: Proc, tmp_path: Path
) -> None:
    docmill = ["-m", "docmill", "--home", str(home.root)]
    endpoint = home.broker_endpoint()
    log = (tmp_path / "pool.log").open("wb")
    # No home: a pool with a home would take a file lock, through the POSIX calls here.
    args = ["--connect", endpoint, "--concurrency", "1", "--tasks", "tests.tasks", "--lifeline"]
    pool = subprocess.Popen(
        [sys.executable, "-m", "workers", *args],
        cwd=ROOT,
        env=NO_POSIX,
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 1, 30, "the worker")
            assert client.submit("echo", back=True).result(timeout=30) == {"back": True}
        for command in (["status"], ["health"], ["monitor", "--once"]):
            done = _run(*docmill, *command)
            assert done.returncode in (0, 1), done.stderr
            assert "Traceback" not in done.stderr, done.stderr
        assert "(as on Windows)" not in (tmp_path / "pool.log").read_text()
        # Stopped by a message on its lifeline, as run_all stops it: no signal.
        assert pool.stdin is not None
        pool.stdin.write(STOP)
        pool.stdin.close()
        assert pool.wait(30) == 0
    finally:
        if pool.poll() is None:
            pool.kill()
            pool.wait(10)
        log.close()


class _Console:
    """What msvcrt gives the view: keys typed on a Windows console, then nothing."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def kbhit(self) -> bool:
        return bool(self.keys)

    def getwch(self) -> str:
        return self.keys.pop(0)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 0


def test_the_live_view_reads_a_windows_console(
    home: Home, broker: Proc, monkeypatch: pytest.MonkeyPatch
) -> None:
    # p pauses, the down arrow (msvcrt: "\xe0" then "P") moves, q quits.
    console = _Console(["p", "\xe0", "P", "q"])
    monkeypatch.setitem(sys.modules, "msvcrt", console)
    monkeypatch.setattr("monitor.terminal._windows_console", _no_console_mode)
    out = io.StringIO()
    with Client(home=str(home.root), timeout=5) as client:
        feed = Feed(client, home.events_endpoint())
        try:
            live.run(feed, out, stdin=_Tty(), windows=True)  # returns once q is read
        finally:
            feed.close()
    assert console.keys == []
    assert "[PAUSED]" in out.getvalue()
    assert out.getvalue().endswith("\x1b[?25h\x1b[?1049l")  # the screen is given back


def _no_console_mode() -> Any:
    import contextlib

    return contextlib.nullcontext()
