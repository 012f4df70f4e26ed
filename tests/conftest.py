"""Fixtures that run the real thing: a broker and worker pools as separate processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from bench.system import Stream, run_pool
from docmill.client import Client
from docmill.home import Home
from docmill.running import RUNNING_ENV
from docmill.supervise import wait_gone
from tests.documents.prose import english
from workers.context import JobContext
from workers.extract import DEFAULT_MAX_BYTES

# The dashboard's process, the browser and the pages' helpers, for every test file.
pytest_plugins = ["tests.web"]

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
# Every skip for want of the third-party corpus says this, so the run can count them.
NO_CORPUS = "the third-party corpus is absent"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{NO_CORPUS} ({CORPUS})")


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)  # sync-ok: polling interval of a deadline-bounded wait


def run_module(module: str, home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m module --home HOME args...` to its end, as a person runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, "--home", str(home.root), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def docmill(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    """The `docmill` command on `home`."""
    return run_module("docmill.cli", home, *args)


def json_lines(text: str) -> list[Any]:
    """What `docmill submit --json` printed: one JSON document per line (JSON Lines)."""
    return [json.loads(line) for line in text.splitlines()]


def job_context(*roots: Path, outbox: Path | None = None, **changes: Any) -> JobContext:
    """The context a worker gives its tasks, for calling a task in the test's own process:
    path jobs may read under `roots` (none: no path at all), outputs go to `outbox`."""
    fields: dict[str, Any] = {
        "allowed_roots": roots,
        "outbox": outbox,
        "split_pages": 0,
        "pdf_backend": "pdfium",
        "max_bytes": DEFAULT_MAX_BYTES,
        "timeout": 600.0,
        "max_memory_mb": 2048,
    }
    return JobContext(**(fields | changes))


@pytest.fixture
def corpus() -> Path:
    """The third-party corpus, for the tests that need those very files (fidelity against
    other tools' expected text, files no writer here can make); the others make their own."""
    if not CORPUS.is_dir():
        pytest.skip(f"{NO_CORPUS} ({CORPUS})")
    return CORPUS


@pytest.fixture
def story(tmp_path: Path) -> Path:
    """A page of English prose in a text file: 540 words, beginning with prose.OPENING."""
    path = tmp_path / "story.txt"
    path.write_text(english(540), encoding="utf-8")
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Without the third-party corpus, one line: how many tests skipped for its absence."""
    if CORPUS.is_dir() or terminalreporter.config.option.collectonly:
        return
    skipped = terminalreporter.stats.get("skipped", [])
    absent = sum(1 for report in skipped if NO_CORPUS in str(report.longrepr))
    terminalreporter.write_line(f"{absent} test(s) skipped: {NO_CORPUS} ({CORPUS})")


class Proc:
    """A docmill process started for a test, in its own session so nothing it spawns escapes."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL for anything of ours still alive after `timeout`."""
        everyone = self.tree()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)
        alive = wait_gone(everyone, timeout=5)
        for proc in alive:
            proc.kill()
        if self.popen.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(5)
        self._out.close()
        return self.popen.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Events(Stream):
    """Collects the broker's status stream in a thread, from before the test acts."""

    def __init__(self, home: Home) -> None:
        super().__init__(home.events_endpoint())

    def topics(self, job: str | None = None) -> list[str]:
        return [t for t, b in self.items if job is None or b.get("job") == job]


@pytest.fixture
def events(broker: Proc, home: Home) -> Any:
    ev = Events(home)
    yield ev
    ev.close()


# Periodic checks and clean-ups are jobs too; tests that count jobs must not meet them by
# chance, so a test's home has them off unless the test writes its own settings.
QUIET = (
    "[checks]\ninterval = 0\n"
    "[maintenance]\ncleanup_jobs_interval = 0\ncleanup_outputs_interval = 0\n"
)


def allow(*roots: Path) -> str:
    """docmill.toml's [security] section letting path jobs read under `roots`."""
    return f"[security]\nallowed_roots = {json.dumps([str(root) for root in roots])}\n"


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "h").ensure()
    # Tests submit files they write under tmp_path (the inbox included), and corpus files.
    (home.root / "docmill.toml").write_text(QUIET + allow(CORPUS, tmp_path))
    return home


def start_broker(home: Home, log: Path) -> Proc:
    """A broker process on `home`, once it has published its endpoints."""
    home.endpoints_file.unlink(missing_ok=True)
    proc = Proc(["-m", "broker", "--home", str(home.root)], log)
    wait_for(lambda: home.read_endpoints() or proc.popen.poll() is not None, what="broker start")
    assert proc.popen.poll() is None, proc.output()
    return proc


@pytest.fixture
def broker(home: Home, tmp_path: Path) -> Iterator[Proc]:
    proc = start_broker(home, tmp_path / "broker.log")
    yield proc
    proc.stop()


@pytest.fixture
def client(broker: Proc, home: Home) -> Iterator[Client]:
    with Client(home=str(home.root), timeout=10) as c:
        yield c


StartPool = Callable[..., Proc]


@pytest.fixture
def start_pool(broker: Proc, home: Home, tmp_path: Path) -> Iterator[StartPool]:
    """start_pool(n, *extra_args) runs `python -m workers` and waits for its n workers."""
    pools: list[Proc] = []

    def spawn(args: list[str]) -> Proc:
        proc = Proc(args, tmp_path / f"pool{len(pools)}.log")
        pools.append(proc)  # stopped at the end even if its workers never join
        return proc

    def start(concurrency: int = 2, *extra: str) -> Proc:
        where = ("--home", str(home.root), "--tasks", "tests.tasks")
        return run_pool(spawn, home.root, concurrency, *where, *extra)

    yield start
    for proc in pools:
        proc.stop()


@pytest.fixture(autouse=True, scope="session")
def _own_running_records(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The brokers tests start record their homes in a folder of the session's, not in the
    user's record of running homes (docmill/running.py)."""
    os.environ[RUNNING_ENV] = str(tmp_path_factory.mktemp("running"))
