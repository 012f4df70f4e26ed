"""The job store written on a thread of the broker's own (DESIGN §7, invariants 1 and 2): the
loop answers while a write is stuck on the disk, and a submit is acknowledged, and its job run,
only once the write that holds it has ended.

The broker runs in this process, on a thread, so that a test can hold its writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from broker.broker import Broker
from broker.store import Write
from docmill.client import Client
from docmill.home import Home
from docmill.protocol import Command
from docmill.settings import load_broker_settings
from tests.conftest import Proc, wait_for

pytestmark = pytest.mark.timeout(60)


class HeldWriter:
    """Wraps the store's `write`: while `hold` is set, a write waits for `release`."""

    def __init__(self, broker: Broker) -> None:
        self.write = broker.store.write
        self.hold = threading.Event()
        self.release = threading.Event()
        self.waiting = threading.Event()
        broker.store.write = self  # type: ignore[method-assign]

    def __call__(self, write: Write) -> None:
        if self.hold.is_set():
            self.waiting.set()
            self.release.wait(30)
        self.write(write)


@pytest.fixture
def held(home: Home) -> Iterator[tuple[Broker, HeldWriter]]:
    broker = Broker(load_broker_settings(home))
    writer = HeldWriter(broker)
    thread = threading.Thread(target=broker.run, name="broker")
    thread.start()
    wait_for(home.read_endpoints, what="the broker's endpoints")
    yield broker, writer
    writer.release.set()
    broker.request_stop()
    thread.join(30)
    assert not thread.is_alive()


def submit_in_background(home: Home, got: list[Any], **spec: Any) -> threading.Thread:
    def submit() -> None:
        with Client(home=str(home.root), timeout=20) as client:
            got.append(client.submit("noop", **spec).id)

    thread = threading.Thread(target=submit)
    thread.start()
    return thread


def test_the_loop_answers_while_a_write_waits_on_the_disk(
    home: Home, held: tuple[Broker, HeldWriter]
) -> None:
    _, writer = held
    writer.hold.set()
    got: list[str] = []
    submitter = submit_in_background(home, got, queue="nobody")
    assert writer.waiting.wait(10), "the submit's write never began"
    with Client(home=str(home.root), timeout=5) as client:
        status = client.status()  # answered by the loop while the write is stuck
        assert status["counts"] == {"queued": 1}
        assert got == []  # not acknowledged: its job is not written yet
        writer.release.set()
        submitter.join(20)
        assert len(got) == 1
        assert client.job(got[0]).status() == "queued"


def test_a_new_job_runs_only_once_written(
    home: Home, held: tuple[Broker, HeldWriter], tmp_path: Path
) -> None:
    _, writer = held
    args = ["-m", "workers", "--home", str(home.root), "--concurrency", "1"]
    pool = Proc([*args, "--tasks", "tests.tasks"], tmp_path / "pool.log")
    with Client(home=str(home.root), timeout=5) as client:
        wait_for(lambda: client.status()["workers"], 30, "a worker")
    try:
        writer.hold.set()
        got: list[str] = []
        submitter = submit_in_background(home, got)
        assert writer.waiting.wait(10), "the submit's write never began"
        with Client(home=str(home.root), timeout=5) as client:
            snapshot = client.status()
            assert snapshot["counts"] == {"queued": 1} and snapshot["running"] == []
            writer.hold.clear()
            writer.release.set()
            submitter.join(20)
            assert client.job(got[0]).result(timeout=20) is None  # noop's result
    finally:
        pool.stop()


def test_an_idle_broker_stays_idle_after_a_write(broker: Proc, client: Client) -> None:
    # The writer wakes the loop when a write ends; a wake-up the loop failed to read kept its
    # poll returning at once, a core's worth of CPU from the first write on.
    client.submit("noop", queue="nobody")
    process = psutil.Process(broker.pid)
    before = sum(process.cpu_times()[:2])
    threading.Event().wait(2.0)  # a measured stretch of idling, not a synchronisation
    assert sum(process.cpu_times()[:2]) - before < 0.5


def test_a_listing_shows_what_the_loop_knows_before_it_is_written(
    home: Home, held: tuple[Broker, HeldWriter]
) -> None:
    # The status snapshot counts a change at once; a listing read only from the table showed
    # the job as it was until the write ended, and a page reloaded on the count's change
    # (the dashboard's jobs page) kept the old state.
    _, writer = held

    def cancel(job_id: str) -> None:
        with Client(home=str(home.root), timeout=20) as canceller:
            canceller.cancel(job_id)

    with Client(home=str(home.root), timeout=5) as client:
        job = client.submit("noop", queue="nobody")
        writer.hold.set()
        cancelling = threading.Thread(target=cancel, args=(job.id,))
        cancelling.start()
        try:
            assert writer.waiting.wait(10), "the cancel's write never began"
            assert client.status()["counts"] == {"cancelled": 1}
            [listed] = client.call(Command.JOBS, {})["jobs"]
            assert listed["id"] == job.id and listed["status"] == "cancelled"
            assert client.call(Command.JOBS, {"state": "queued"})["jobs"] == []
        finally:
            writer.release.set()
            cancelling.join(20)
