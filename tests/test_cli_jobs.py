"""`docmill jobs` lists by filter; `cancel` and `retry` act on what a filter finds, saying how
many, and ask first unless --yes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from tests.conftest import Proc, StartPool, docmill, wait_for

pytestmark = pytest.mark.timeout(90)


def test_list_cancel_and_retry_by_filter(
    home: Home, broker: Proc, client: Client, start_pool: StartPool
) -> None:
    assert docmill(home, "pause", "documents").returncode == 0
    waiting = [client.submit("echo", n=n, path=f"/data/report-{n}.pdf") for n in range(5)]
    other = client.submit("square", n=9, queue="analysis")
    start_pool(1)
    assert other.result(timeout=30) == 81

    listed = docmill(home, "jobs", "--queue", "documents", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {j["id"] for j in json.loads(listed.stdout)} == {j.id for j in waiting}
    by_path = json.loads(docmill(home, "jobs", "--path", "REPORT-3", "--json").stdout)
    assert [j["id"] for j in by_path] == [waiting[3].id]
    assert "square" in docmill(home, "jobs", "--state", "succeeded").stdout

    asked = docmill(home, "cancel", "--queue", "documents")  # no terminal to ask on
    assert asked.returncode == 2 and "5 job(s) found to cancel; add --yes" in asked.stderr
    assert all(job.status() == "queued" for job in waiting)
    done = docmill(home, "cancel", "--queue", "documents", "--state", "queued", "--yes")
    assert done.returncode == 0 and "5 job(s) cancelled" in done.stdout, done.stderr
    wait_for(lambda: all(job.status() == "cancelled" for job in waiting), 10, "the cancels")

    assert docmill(home, "resume", "documents").returncode == 0
    again = docmill(home, "retry", "--state", "cancelled", "--path", "report", "--yes")
    assert again.returncode == 0 and "5 job(s) put back in line" in again.stdout, again.stderr
    # Put back in line by another client: this client's handles stay cancelled; ask afresh.
    ended = lambda: all(client.job(j.id).status() == "succeeded" for j in waiting)  # noqa: E731
    wait_for(ended, 30, "the retried jobs")
    assert sorted(client.job(j.id).info()["result"]["n"] for j in waiting) == [0, 1, 2, 3, 4]
    assert docmill(home, "cancel").returncode == 2  # no id and no filter: refused


def test_purge_a_queue_deletes_its_waiting_jobs_and_leaves_running_ones(
    home: Home, broker: Proc, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    gate = tmp_path / "running.txt"
    running = client.submit("gated", path=str(gate))
    retrying = client.enqueue(
        "backtrack", {"n": 60}, timeout=0.5, max_attempts=5, backoff=3600, backoff_max=3600
    )
    wait_for(lambda: running.status() == "running", 30, "the gated job to start")
    wait_for(lambda: retrying.status() == "retry_scheduled", 30, "a scheduled retry")
    assert docmill(home, "pause", "documents").returncode == 0
    waiting = [client.submit("echo", n=n) for n in range(5)]
    delayed = client.enqueue("echo", {"n": 9}, countdown=3600)
    batch = client.process_batch([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], "echo")
    elsewhere = client.submit("echo", queue="nowhere")  # no worker serves it: it waits

    asked = docmill(home, "purge", "--queue", "documents")  # no terminal to ask on
    assert asked.returncode == 2, asked.stderr
    assert "9 waiting job(s) of queue documents found to purge; add --yes" in asked.stderr
    assert all(job.status() == "queued" for job in waiting)
    done = docmill(home, "purge", "--queue", "documents", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"queue": "documents", "deleted": 7, "cancelled": 2}

    gone = [*waiting, delayed, retrying]
    assert {client.job(j.id).status() for j in gone} == {"unknown"}
    assert docmill(home, "result", waiting[0].id).returncode == 2
    parts = client.job(batch.id).info()
    assert parts["status"] == "succeeded"  # its parts were cancelled: the batch says so
    assert parts["result"]["counts"] == {"cancelled": 2}
    assert running.status() == "running" and elsewhere.status() == "queued"
    assert client.status()["queues"]["documents"]["queued"] == 0

    Path(f"{gate}.go").touch()
    assert running.result(timeout=30) == str(gate)
    assert docmill(home, "resume", "documents").returncode == 0
    assert client.submit("echo", n=10).result(timeout=30)["n"] == 10  # the line goes on
    again = docmill(home, "purge", "--queue", "documents")
    assert again.returncode == 0 and "no job waiting in queue documents" in again.stderr
