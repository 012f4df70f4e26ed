"""Logs: every process writes a file of its own and rotates it by size while it runs, in text
or JSON lines, and `docmill logs` reads them without knowing the folder's layout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from tests.conftest import ROOT, Proc, docmill, wait_for

pytestmark = pytest.mark.timeout(90)

_WRITE = """
import logging, sys
from docmill.logs import LogSettings, LogTarget, setup_logging
setup_logging(target=LogTarget("INFO", sys.argv[1], LogSettings(max_bytes=2048, backups=2,
              format=sys.argv[2])))
for n in range(200):
    logging.getLogger("test").info("line %03d of a long run", n)
"""


@pytest.mark.parametrize("form", ["text", "json"])
def test_a_log_rotates_by_size_while_the_process_runs(tmp_path: Path, form: str) -> None:
    log = tmp_path / "logs" / "busy.log"
    subprocess.run([sys.executable, "-c", _WRITE, str(log), form], cwd=ROOT, check=True)
    files = sorted(p.name for p in log.parent.iterdir())
    assert files == ["busy.log", "busy.log.1", "busy.log.2"]  # two backups kept, no more
    assert all((log.parent / f).stat().st_size <= 2048 for f in files)
    last = log.read_text().splitlines()[-1]
    if form == "json":
        entry = json.loads(last)
        assert entry["message"] == "line 199 of a long run" and entry["level"] == "INFO"
        assert entry["logger"] == "test" and "ts" in entry and "pid" in entry
    else:
        assert last.endswith("test: line 199 of a long run")


def test_each_process_of_a_system_has_its_own_log_and_docmill_logs_merges_them(
    tmp_path: Path,
) -> None:
    home = Home(tmp_path / "h")
    home.root.mkdir()
    (home.root / "docmill.toml").write_text('[logs]\nformat = "json"\n')
    run = Proc(
        ["run_all.py", "--home", str(home.root), "--workers", "1", "--headless"],
        tmp_path / "run.log",
    )
    try:
        wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 1, 30, "the worker")
        names = {"run_all", "broker", "workers", "worker-0", "watcher"}
        wait_for(lambda: names <= {p.stem for p in home.logs.glob("*.log")}, 15, "every log")
        for name in names:
            for line in (home.logs / f"{name}.log").read_text().splitlines():
                json.loads(line)  # one JSON object per line, in every file
        shown = docmill(home, "logs", "--process", "worker", "--since", "10m")
        assert shown.returncode == 0, shown.stderr
        prefixes = {line.split(" | ")[0].strip() for line in shown.stdout.splitlines()}
        assert prefixes == {"workers", "worker-0"}, shown.stdout
        assert "ready for" in shown.stdout  # the worker's own line, from its own file
        later = docmill(home, "logs", "--since", "2099-01-01T00:00:00")
        assert later.returncode == 0 and later.stdout == ""
    finally:
        run.stop()


def test_docmill_logs_follows_a_file_across_its_rotation(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    live = home.logs / "broker.log"
    live.write_text("2026-12-01 10:00:00,000 INFO    [1] broker: first\n")
    follow = subprocess.Popen(
        [sys.executable, "-m", "docmill", "--home", str(home.root), "logs", "--follow"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert follow.stdout is not None
        assert (
            follow.stdout.readline()
            == "broker | 2026-12-01 10:00:00,000 INFO    [1] broker: first\n"
        )
        with live.open("a") as fh:
            fh.write("2026-12-01 10:00:01,000 INFO    [1] broker: second\n")
        assert follow.stdout.readline().endswith("broker: second\n")
        live.replace(home.logs / "broker.log.1")  # rotated: a new file begins, longer than
        live.write_text("2026-12-01 10:00:02,000 INFO    [1] broker: third and longer\n" * 3)
        assert follow.stdout.readline().endswith("broker: third and longer\n")
    finally:
        follow.terminate()
        follow.wait(10)
        if follow.stdout is not None:
            follow.stdout.close()
