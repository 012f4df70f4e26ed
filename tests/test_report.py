"""The report asks the store for the jobs of its span and computes from those records alone."""

from __future__ import annotations

from pathlib import Path

from broker.jobs import Job
from broker.queries import created_since
from broker.report import report
from broker.store import SqliteStore
from docmill.protocol import JobStatus


def test_the_report_reads_the_store_while_the_broker_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "state" / "jobs.db"
    store = SqliteStore(path)  # the broker's writer, open the whole time
    now = 1_000_000.0
    jobs = [
        Job(id="old", task="echo", queue="documents", created=now - 7200),
        Job(
            id="fast", task="echo", queue="documents", args={"path": "/in/a.pdf"},
            status=JobStatus.SUCCEEDED, created=now - 60, started=now - 50, finished=now - 49,
        ),
        Job(
            id="slow", task="echo", queue="documents", args={"path": "/in/b.pdf"},
            status=JobStatus.SUCCEEDED, created=now - 60, started=now - 50, finished=now - 40,
        ),
        Job(
            id="bad", task="crash", queue="documents", status=JobStatus.DEAD, created=now - 30,
            error={"type": "worker_died", "message": "killed"}, finished=now - 20,
        ),
        Job(
            id="odd", task="crash", queue="documents", status=JobStatus.FAILED, created=now - 30,
            error={"type": 5}, args={"path": 7}, finished=now - 20,
        ),
        Job(id="waiting", task="echo", queue="documents", created=now - 10),
    ]  # fmt: skip
    for job in jobs:
        store.add(job)
    store.commit()

    rows = {row.id: row for row in created_since(path, now - 3600)}
    assert sorted(rows) == ["bad", "fast", "odd", "slow", "waiting"]
    assert rows["slow"].path == "/in/b.pdf" and rows["slow"].status == "succeeded"
    assert rows["bad"].error_type == "worker_died" and rows["bad"].finished == now - 20
    assert rows["odd"].error_type is None and rows["odd"].path is None  # not strings
    assert rows["waiting"].started is None and rows["waiting"].error_type is None

    data = report(path, since=3600, now=now, slowest=1)
    assert data["jobs"] == 5
    assert data["tasks"]["echo"]["counts"] == {"succeeded": 2, "queued": 1}
    assert data["tasks"]["echo"]["max"] == 10.0
    assert data["tasks"]["crash"]["counts"] == {"dead": 1, "failed": 1}
    assert data["errors"] == {"worker_died": 1, "?": 1}
    assert data["slowest"] == [{"seconds": 10.0, "task": "echo", "path": "/in/b.pdf"}]
    store.close()
