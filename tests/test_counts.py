"""Jobs by status, as the store keeps them: right through every change of state, and read
without a query over the history (issue 19: a snapshot's cost must not grow with it).

The flow's rules are stepped by hand (tests/stepping.py); one restart of a real broker shows
the counts loaded from the store at start.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker import state
from docmill.client import Client
from docmill.home import Home
from docmill.protocol import Command, ErrorType
from docmill.settings import MaintenanceSettings
from tests.conftest import Proc, StartPool, start_broker, wait_for
from tests.stepping import Stepper

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Stepper]:
    stepper = Stepper(tmp_path)
    yield stepper
    stepper.close()


@pytest.fixture
def cleaned(tmp_path: Path) -> Iterator[Stepper]:
    """A flow whose cleanup_jobs runs every 10 s, 2 jobs at most a run, a result TTL of 60 s."""
    stepper = Stepper(
        tmp_path,
        maintenance=MaintenanceSettings(
            result_ttl=60.0,
            cleanup_jobs_interval=10.0,
            cleanup_outputs_interval=0,
            first_run_after=10.0,
            batch=2,
        ),
    )
    yield stepper
    stepper.close()


def stored(flow: Stepper) -> dict[str, int]:
    """The counts as the table holds them, once every change is written."""
    flow.store.commit()
    query = "SELECT status, COUNT(*) FROM jobs GROUP BY status"
    return dict(flow.store.db.execute(query).fetchall())


def test_the_counts_follow_every_change_of_state(flow: Stepper) -> None:
    worker, client = flow.worker(), flow.client()
    _, flaky, broken, _, _ = (client.submit("noop") for _ in range(5))
    waiting = client.submit("noop", queue="nobody")
    assert flow.store.counts() == stored(flow) == {"running": 1, "queued": 5}

    worker.succeed(worker.take())
    worker.fail(worker.take(), ErrorType.TIMEOUT.value)  # a retry is scheduled
    assert flow.store.counts() == stored(flow)
    assert flow.store.counts()["retry_scheduled"] == 1
    worker.fail(worker.take(), ErrorType.UNSUPPORTED.value)  # fails at once
    assert client.call(Command.CANCEL, {"id": waiting}) == {"ok": True, "status": "cancelled"}
    assert flow.store.counts() == stored(flow)

    # The retried job and the two left run until each ends: one dead, the others succeed.
    while worker.has_new_job() or flow.job(flaky).status.value != "dead":
        if worker.has_new_job():
            job = worker.take()
            if job["id"] == flaky:
                worker.fail(job, ErrorType.TIMEOUT.value)
            else:
                worker.succeed(job)
        flow.advance(5.0)
        assert flow.store.counts() == stored(flow)
    assert flow.store.counts()["dead"] == 1

    assert client.call(Command.RETRY, {"id": flaky})["ok"]  # dead → queued → running
    assert flow.store.counts() == stored(flow)
    worker.succeed(worker.take())
    assert (
        flow.store.counts()
        == stored(flow)
        == {
            "succeeded": 4,  # the first, fourth and fifth, and flaky retried by hand
            "failed": 1,
            "cancelled": 1,
        }
    )
    assert flow.job(broken).status.value == "failed"


def test_purge_and_cleanup_take_their_jobs_out_of_the_counts(cleaned: Stepper) -> None:
    flow = cleaned
    worker, client = flow.worker(), flow.client()
    for _ in range(3):
        client.submit("noop", max_attempts=1)
        worker.fail(worker.take(), ErrorType.TIMEOUT.value)  # dead at its only attempt
    old = []
    for _ in range(3):
        old.append(client.submit("noop"))
        worker.succeed(worker.take())
    assert flow.store.counts() == stored(flow) == {"dead": 3, "succeeded": 3}

    # A page at a time: the broker's loop never deletes more than a page in one message.
    assert client.call(Command.PURGE, {"dead": True, "limit": 2}) == {
        "ok": True, "deleted": 2, "more": True,
    }  # fmt: skip
    assert flow.store.counts() == stored(flow) == {"dead": 1, "succeeded": 3}
    assert client.call(Command.PURGE, {"dead": True}) == {"ok": True, "deleted": 1, "more": False}
    assert flow.store.counts() == stored(flow) == {"succeeded": 3}

    # cleanup_jobs deletes 2 a run (batch=2); each run is itself a job that succeeds.
    for _ in range(10):
        flow.advance(10.0)
        assert flow.store.counts() == stored(flow)
    assert flow.store.get_many(old) == []  # gone, and with them their counts


def test_purging_a_queue_a_page_at_a_time(flow: Stepper) -> None:
    """docmill.purge with a queue and a page of ids: its waiting jobs cancelled (a long poll on
    one answered), out of the line, the counts and the store; other queues' jobs untouched."""
    client, waiter = flow.client(), flow.client(b"waiter")
    many = [{"task": "noop", "args": {"n": n}} for n in range(3000)]
    ids = client.call(Command.SUBMIT, {"jobs": many})["ids"]
    delayed = client.submit("noop", countdown=60)
    other = client.submit("noop", queue="analysis")
    assert waiter.call(Command.RESULT, {"id": ids[0], "wait": 60}) is None  # held
    line = flow.flow.registry.service("documents").queue
    for start in (0, 1000):
        page = ids[start : start + 1000]
        reply = client.call(Command.PURGE, {"queue": "documents", "ids": page})
        assert reply == {"ok": True, "deleted": 1000, "cancelled": 0}
    answer = waiter.answer()
    assert answer is not None and answer["jobs"][0]["status"] == "cancelled"
    assert len(line) == 1000 and line.ids() == set(ids[2000:])
    # The delayed job too; the other queue's job is not this queue's to purge.
    reply = client.call(Command.PURGE, {"queue": "documents", "ids": [delayed, other, ids[-1]]})
    assert reply == {"ok": True, "deleted": 2, "cancelled": 0}
    assert flow.store.counts() == stored(flow) == {"queued": 1000}
    assert client.result(ids[0])["status"] == client.result(delayed)["status"] == "unknown"
    flow.advance(61.0)  # the delayed job's time comes: it stays gone
    worker = flow.worker()
    assert worker.take()["id"] == ids[2000]  # the line goes on where the purge left it
    assert line.ids() == set(ids[2001:-1])
    assert client.call(Command.PURGE, {"queue": "documents", "ids": ["x"] * 1001})["ok"] is False


def test_a_restart_loads_the_counts_from_the_store(flow: Stepper) -> None:
    worker, client = flow.worker(), flow.client()
    client.submit("noop")
    worker.succeed(worker.take())
    client.submit("noop")
    worker.take()  # running when the broker stops: back in line after the restart
    client.submit("noop", queue="nobody")
    flow.restart()
    assert flow.store.counts() == stored(flow) == {"succeeded": 1, "queued": 2}


def test_a_snapshot_reads_nothing_from_the_job_table(flow: Stepper) -> None:
    worker, client = flow.worker(), flow.client()
    for _ in range(3):
        client.submit("noop")
        worker.succeed(worker.take())
    statements: list[str] = []
    flow.store.db.set_trace_callback(statements.append)
    snap = state.snapshot(flow.flow)
    flow.store.db.set_trace_callback(None)
    assert snap["counts"] == {"succeeded": 3}
    assert [s for s in statements if "jobs" in s] == []


def test_a_restarted_broker_counts_what_it_held(
    home: Home, tmp_path: Path, broker: Proc, client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    done = client.submit_many("noop", [{} for _ in range(20)])
    client.gather(done, timeout=30)
    waiting = [client.submit("noop", queue="nobody") for _ in range(5)]
    client.cancel(waiting[0].id)
    assert client.status()["counts"] == {"succeeded": 20, "queued": 4, "cancelled": 1}
    # Killed after its last commit; a new broker on the same store counts the same.
    os.kill(broker.pid, signal.SIGKILL)
    broker.popen.wait(10)
    restarted = start_broker(home, tmp_path / "broker2.log")
    try:
        with Client(home=str(home.root), timeout=10) as again:
            counts = wait_for(lambda: again.status()["counts"], what="a status")
            assert counts == {"succeeded": 20, "queued": 4, "cancelled": 1}
    finally:
        restarted.stop()
