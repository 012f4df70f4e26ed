"""The `docmill` command and `run_all.py`, run as a person runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from broker.client import Client
from broker.home import Home
from tests.conftest import ROOT, Proc, StartPool, wait_for

pytestmark = pytest.mark.timeout(90)

TXT = "Unstructured-IO__unstructured/example-docs/book-war-and-peace-1p.txt"


def docmill(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "broker.cli", "--home", str(home.root), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_submit_wait_result_and_status(
    corpus: Path, home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    missing = tmp_path / "missing.pdf"
    done = docmill(home, "submit", "--wait", "--json", str(corpus / TXT), str(missing))
    assert done.returncode == 1, done.stderr  # one of the two failed
    infos = json.loads(done.stdout)
    assert [i["status"] for i in infos] == ["succeeded", "failed"]
    assert "Genoa and Lucca" in infos[0]["result"]["text"]
    assert infos[1]["error"]["type"] == "not_found"

    result = docmill(home, "result", infos[0]["id"], "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "succeeded"
    table = docmill(home, "result", infos[1]["id"])
    assert table.returncode == 1 and "not_found" in table.stdout
    unknown = docmill(home, "result", "f" * 32)
    assert unknown.returncode == 2 and "unknown" in unknown.stdout

    status = json.loads(docmill(home, "status", "--json").stdout)
    assert status["counts"] == {"succeeded": 1, "failed": 1}
    assert len(status["workers"]) == 2
    assert {"id", "pid", "host", "queues", "state", "job"} <= set(status["workers"][0])
    plain = docmill(home, "status")
    assert plain.returncode == 0 and "documents" in plain.stdout and "idle" in plain.stdout


def test_cli_says_when_no_broker_answers(tmp_path: Path) -> None:
    home = Home(tmp_path / "nobody").ensure()
    proc = subprocess.run(
        [sys.executable, "-m", "broker.cli", "--home", str(home.root), "status"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "no broker is running" in proc.stderr
    # Given an endpoint where nothing listens, the CLI gives up after its time limit.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "broker.cli",
            "--endpoint",
            "tcp://127.0.0.1:9",
            "--timeout",
            "1",
            "status",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "no answer from the broker" in proc.stderr


def test_run_all_start_submit_sigterm_leaves_nothing_behind(corpus: Path, tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    run = Proc(["run_all.py", "--home", str(home.root), "--workers", "2"], tmp_path / "run.log")
    try:
        wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
        for folder in ("inbox", "outbox", "state", "run", "logs"):
            assert (home.root / folder).is_dir()
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 2, 30, "two workers")
            job = client.submit("process_document", path=str(corpus / TXT))
            assert "Genoa" in job.result(timeout=30)["text"]
        family = run.tree()
        assert len(family) >= 6  # run_all, broker, pool, 2 workers, their job processes
        run.popen.send_signal(signal.SIGTERM)
        assert run.popen.wait(30) == 0
        _, alive = psutil.wait_procs(family, timeout=10)
        assert not alive, f"left behind: {[p.pid for p in alive]}"
        assert (home.logs / "broker.log").read_text()
        assert "stopped" in (home.logs / "workers.log").read_text()
    finally:
        run.stop()


def test_run_all_restarts_a_child_that_dies(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    run = Proc(["run_all.py", "--home", str(home.root), "--workers", "1"], tmp_path / "run.log")
    try:
        wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
        first = home.read_endpoints()["pid"]
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: home.read_endpoints().get("pid") not in (None, first), 30, "a new broker")
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 1, 30, "the worker to reconnect")
            assert client.submit("echo", back=True).result(timeout=30) == {"back": True}
    finally:
        run.stop()
