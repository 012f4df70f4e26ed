"""What the broker keeps for the dashboard: the job store's listing (`docmill.jobs`) and the
history per minute (`docmill.history`), against a real broker and pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from docmill.client import BrokerError, Client
from docmill.home import Home
from docmill.protocol import Command
from tests.conftest import Proc, StartPool, start_broker, wait_for

pytestmark = pytest.mark.timeout(120)


def test_jobs_command_filters_and_pages_the_store(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    done = client.submit_many("whoami", [{} for _ in range(7)])
    client.gather(done, timeout=30)
    named = [client.submit("burn", seconds=0, path=f"/data/report-{i}.PDF") for i in range(3)]
    client.wait(named, timeout=30)  # burn takes no path: each fails with bad_request
    paused = client.submit("whoami", queue="elsewhere")

    everything, after = client.jobs(limit=200)
    assert len(everything) == 11 and after is None
    created = [job["created"] for job in everything]
    assert created == sorted(created, reverse=True)  # newest first
    assert all("result" not in job for job in everything)

    failed, _ = client.jobs(state="failed")
    assert {j["id"] for j in failed} == {j.id for j in named}
    assert failed[0]["error"]["type"] == "bad_request" and "traceback" not in failed[0]["error"]
    assert [j["id"] for j in client.jobs(queue="elsewhere")[0]] == [paused.id]
    assert len(client.jobs(task="whoami", state="succeeded")[0]) == 7
    found, _ = client.jobs(text="report-1.pdf")  # in the file name, any case
    assert [j["id"] for j in found] == [named[1].id]
    assert found[0]["path"] == "/data/report-1.PDF" and found[0]["args"]["seconds"] == 0

    since = everything[2]["created"]  # a time range: the 3 newest
    assert [j["id"] for j in client.jobs(after=since)[0]] == [j["id"] for j in everything[:3]]
    assert len(client.jobs(after=since, before=everything[0]["created"])[0]) == 2

    first, cursor = client.jobs(limit=4)  # pages: `next` is the following page's `cursor`
    second, cursor2 = client.jobs(limit=4, cursor=cursor)
    third, cursor3 = client.jobs(limit=4, cursor=cursor2)
    pages = [j["id"] for j in first + second + third]
    assert pages == [j["id"] for j in everything] and cursor3 is None

    lines = client.job_lines([named[0].id, "f" * 32])
    assert [line["id"] for line in lines] == [named[0].id]
    for bad in ({"state": "unknown"}, {"limit": 0}, {"text": "x" * 201}, {"ids": "nope"}):
        with pytest.raises(BrokerError) as refused:
            client.call(Command.JOBS, bad)
        assert refused.value.type == "bad_request"


def test_history_is_kept_per_minute_in_the_store_and_survives_a_restart(
    home: Home, broker: Proc, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    client.gather(client.submit_many("whoami", [{} for _ in range(30)]), timeout=60)
    dead = client.enqueue("crash", {}, max_attempts=1)
    wait_for(lambda: client.job(dead.id).status() == "dead", 30, "the failure")

    def totals(history: dict[str, Any]) -> tuple[int, int, int]:
        points = history["points"]
        return (
            sum(p["ended"].get("succeeded", 0) for p in points),
            sum(p["errors"].get("worker_died", 0) for p in points),
            sum(p["latency"].get("whoami", {}).get("n", 0) for p in points),
        )

    before = client.history(3600)
    assert before["step"] == 60 and totals(before) == (30, 1, 30)
    latency = next(p["latency"]["whoami"] for p in before["points"] if "whoami" in p["latency"])
    assert 0 < latency["p50"] <= latency["p95"] <= 3
    broker.stop()
    assert broker.popen.returncode == 0, broker.output()

    again = start_broker(home, tmp_path / "broker2.log")
    try:
        with Client(home=str(home.root), timeout=10) as fresh:
            assert totals(fresh.history(3600)) == (30, 1, 30)  # read back from the store
            month = fresh.history(30 * 86400)
            assert month["step"] == 3600 and totals(month) == (30, 1, 30)
            with pytest.raises(BrokerError):
                fresh.call(Command.HISTORY, {"span": "a week"})
    finally:
        again.stop()


def test_history_rows_past_the_retention_are_deleted() -> None:
    import sqlite3

    from broker.history import History
    from broker.jobs import Job
    from docmill.protocol import JobStatus

    db = sqlite3.connect(":memory:", isolation_level=None)
    history = History(db, retention=3600)
    day = 86_400.0 * 1000
    job = Job(id="a" * 32, task="t", queue="q", status=JobStatus.SUCCEEDED)
    job.started, job.finished = 1.0, 1.2
    history.settled(job, now=day)
    history.sample({"q": 5}, now=day + 10)
    history.settled(job, now=day + 3000)  # the minute turns: the first one is written
    assert db.execute("SELECT COUNT(*) FROM history_jobs").fetchone() == (1,)
    assert db.execute("SELECT due FROM history_queues").fetchall() == [(5,)]
    history.settled(job, now=day + 3700)  # the first minute is now past the retention
    minutes = db.execute("SELECT minute FROM history_jobs").fetchall()
    assert minutes == [((day + 3000) // 60,)]
    assert db.execute("SELECT COUNT(*) FROM history_queues").fetchone() == (0,)
    points = history.series(3600, now=day + 3700)["points"]
    assert [p["ended"] for p in points] == [{"succeeded": 1}, {"succeeded": 1}]
    assert points[0]["latency"]["t"] == {"p50": 0.3, "p95": 0.3, "n": 1}
