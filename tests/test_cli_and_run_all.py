"""The `docmill` command and `run_all.py`, run as a person runs them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.supervise import wait_gone
from tests.conftest import QUIET, ROOT, Proc, StartPool, allow, docmill, json_lines, wait_for
from tests.documents.prose import OPENING

pytestmark = pytest.mark.timeout(90)


def test_cli_submit_wait_result_and_status(
    story: Path, home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    missing = tmp_path / "missing.pdf"
    done = docmill(home, "submit", "--wait", "--json", str(story), str(missing))
    assert done.returncode == 1, done.stderr  # one of the two failed
    by_path = {i["path"]: i for i in json_lines(done.stdout)}  # a line each, as they end
    infos = [by_path[str(story)], by_path[str(missing)]]
    assert [i["status"] for i in infos] == ["succeeded", "failed"]
    assert OPENING in infos[0]["result"]["text"]
    assert infos[1]["error"]["type"] == "not_found"

    result = docmill(home, "result", infos[0]["id"], "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "succeeded"
    table = docmill(home, "result", infos[1]["id"])
    assert table.returncode == 1 and "not_found" in table.stdout
    unknown = docmill(home, "result", "f" * 32)
    assert unknown.returncode == 2 and "unknown" in unknown.stdout
    waited = docmill(home, "result", "f" * 32, "--wait", "--timeout", "1")
    assert waited.returncode == 2 and "unknown" in waited.stdout

    status = json.loads(docmill(home, "status", "--json").stdout)
    assert status["counts"] == {"succeeded": 1, "failed": 1}
    assert len(status["workers"]) == 2
    assert {"id", "pid", "host", "queues", "state", "job"} <= set(status["workers"][0])
    plain = docmill(home, "status")
    assert plain.returncode == 0 and "documents" in plain.stdout and "idle" in plain.stdout


def test_cli_sends_the_content_of_files_the_workers_may_not_read(
    story: Path, home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    """The README's first example: a document from wherever it lies, not only the inbox."""
    (home.root / "docmill.toml").write_text(QUIET + allow(home.inbox))  # the default roots
    start_pool(1)
    elsewhere = tmp_path / "desk" / "war.txt"
    elsewhere.parent.mkdir()
    shutil.copy(story, elsewhere)
    inside = home.inbox / "war.txt"
    shutil.copy(story, inside)
    done = docmill(home, "submit", "--wait", "--json", str(elsewhere), str(inside))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {i["path"]: i for i in json_lines(done.stdout)}
    away, local = lines[str(elsewhere)], lines[str(inside)]
    assert away["result"]["text"] == local["result"]["text"]
    assert OPENING in away["result"]["text"]
    # A copy sent as bytes has no mtime of its own to report; the file read in place has.
    assert away["result"]["metadata"]["fs_mtime"] is None
    assert datetime.fromisoformat(local["result"]["metadata"]["fs_mtime"])
    assert "sent the content of 1 file(s), outside the folders workers read" in done.stderr
    forced = docmill(home, "submit", "--wait", "--json", "--inline", str(inside))
    [sent] = json_lines(forced.stdout)
    assert sent["result"]["metadata"]["fs_mtime"] is None
    assert "as asked" in forced.stderr
    # A batch names its files by path: the one outside the roots fails, and the command warns.
    batch = docmill(home, "submit", "--batch", "--wait", "--json", str(elsewhere), str(inside))
    assert "1 file(s) of the batch lie outside the folders workers read" in batch.stderr
    [whole] = json_lines(batch.stdout)
    assert whole["result"]["counts"] == {"succeeded": 1, "failed": 1}


def test_cli_says_when_no_broker_answers(tmp_path: Path) -> None:
    home = Home(tmp_path / "nobody").ensure()
    proc = subprocess.run(
        [sys.executable, "-m", "docmill.cli", "--home", str(home.root), "status"],
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
            "docmill.cli",
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


def test_run_all_start_submit_sigterm_leaves_nothing_behind(story: Path, tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    home.root.mkdir()
    (home.root / "docmill.toml").write_text(allow(story.parent))  # run_all adds the inbox
    run = Proc(["run_all.py", "--home", str(home.root), "--workers", "2"], tmp_path / "run.log")
    try:
        wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
        for folder in ("inbox", "outbox", "state", "run", "logs"):
            assert (home.root / folder).is_dir()
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 2, 30, "two workers")
            # Scanned pages are read out of the box: run_all's pool serves the `ocr` queue too.
            assert all("ocr" in worker["queues"] for worker in client.status()["workers"])
            job = client.submit("process_document", path=str(story))
            assert OPENING in job.result(timeout=30)["text"]
            # A file dropped in the inbox is found by the watcher and processed.
            (home.inbox / "dropped.txt").write_text("Dropped in the inbox, read by docmill.")

            def counters() -> dict[str, int]:
                watchers = client.status()["watchers"]
                return next(iter(watchers.values()))["counters"] if watchers else {}

            watched = wait_for(lambda: counters().get("done") == 1 and counters(), 30, "the file")
            assert watched["errors"] == 0
            assert "submitted 1" in docmill(home, "status").stdout  # the watcher's counters
        family = run.tree()
        assert len(family) >= 7  # run_all, broker, pool, 2 workers, their job processes, watcher
        run.popen.send_signal(signal.SIGTERM)
        assert run.popen.wait(30) == 0
        alive = wait_gone(family, timeout=10)
        assert not alive, f"left behind: {[p.pid for p in alive]}"
        assert (home.logs / "broker.log").read_text()
        assert "stopped after" in (home.logs / "worker-0.log").read_text()
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


def test_cli_batch_dead_letters_and_retries(
    story: Path, home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    txt = str(story)
    batch = docmill(home, "submit", "--batch", "--wait", "--json", txt, str(tmp_path / "no.txt"))
    assert batch.returncode == 1  # one of the files failed
    [info] = json_lines(batch.stdout)
    summary = info["result"]
    assert summary["counts"] == {"succeeded": 1, "failed": 1}

    with Client(home=str(home.root), timeout=10) as client:
        poison = client.enqueue("crash", {}, max_attempts=1)
        wait_for(lambda: poison.status() == "dead", 30, "the poison job to die")
        retrying = client.enqueue(
            "backtrack", {"n": 60}, timeout=0.5, max_attempts=5, backoff=3600, backoff_max=3600
        )
        wait_for(lambda: retrying.status() == "retry_scheduled", 30, "a scheduled retry")
    dead = docmill(home, "dead", "--json")
    assert [d["id"] for d in json.loads(dead.stdout)] == [poison.id]
    assert "worker_died" in docmill(home, "dead").stdout
    status = docmill(home, "status")
    assert retrying.id in status.stdout and "next run" in status.stdout
    shown = docmill(home, "result", retrying.id)
    assert "attempts: 1 of 5" in shown.stdout and "next run:" in shown.stdout
    assert "last error: timeout" in shown.stdout
    assert docmill(home, "retry", poison.id).returncode == 0
    with Client(home=str(home.root), timeout=10) as client:
        wait_for(
            lambda: (
                client.job(poison.id).info()["attempts"] == 1
                and client.job(poison.id).status() == "dead"
            ),
            30,
            "the retried job to die again",
        )
    purge = docmill(home, "purge", "--dead", "--json")
    assert json.loads(purge.stdout) == {"deleted": 1}
    assert docmill(home, "result", poison.id).returncode == 2  # unknown now


def test_cleanup_outputs_runs_as_a_job(
    home: Home, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (home.root / "docmill.toml").write_text(
        "[maintenance]\noutput_retention = 3600\ncleanup_outputs_interval = 0.5\n"
        "first_run_after = 0.5\ncleanup_jobs_interval = 0\n"
    )
    old, new = home.outbox / "old.json", home.outbox / "new.json"
    index = home.outbox / ".docmill-simhash.sqlite"  # docmill's own state: kept
    for path in (old, new, index):
        path.write_text("{}")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    os.utime(index, (1_000_000_000, 1_000_000_000))
    request.getfixturevalue("start_pool")(1)
    wait_for(lambda: not old.exists(), 30, "cleanup_outputs to remove the old output")
    assert new.exists() and index.exists()
    with Client(home=str(home.root), timeout=10) as client:
        assert client.status()["counts"].get("succeeded", 0) >= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_all_binds_where_told(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    bind, events = (f"tcp://127.0.0.1:{_free_port()}" for _ in range(2))
    args = ["run_all.py", "--home", str(home.root), "--workers", "1", "--headless"]
    run = Proc([*args, "--bind", bind, "--events", events], tmp_path / "run.log")
    try:
        wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
        assert home.read_endpoints()["broker"] == bind
        assert home.read_endpoints()["events"] == events
        with Client(endpoint=bind, timeout=10) as client:  # no home: the endpoint alone
            wait_for(lambda: len(client.status()["workers"]) == 1, 30, "the worker")
            assert client.submit("echo", over="tcp").result(timeout=30) == {"over": "tcp"}
    finally:
        run.stop()
