"""The status stream sends what some subscriber wants, and does no work for the rest."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
import zmq

from docmill.client import Client
from tests.conftest import Home, StartPool, wait_for

pytestmark = pytest.mark.timeout(90)


def _unwatched(client: Client) -> int:
    return int(client.status()["broker"]["events_unwatched"])


class Subscriber:
    def __init__(self, home: Home, *prefixes: bytes) -> None:
        self.sock = zmq.Context.instance().socket(zmq.SUB)
        for prefix in prefixes:
            self.sock.setsockopt(zmq.SUBSCRIBE, prefix)
        self.sock.connect(home.events_endpoint())
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def read(self) -> list[tuple[str, dict[str, Any]]]:
        while self.sock.poll(0):
            topic, body = self.sock.recv_multipart()
            self.seen.append((topic.decode(), msgpack.unpackb(body)))
        return self.seen

    def succeeded(self) -> set[str]:
        return {b["job"] for t, b in self.read() if t == "job.succeeded"}

    def close(self) -> None:
        self.sock.close(linger=0)


def test_job_events_go_out_only_while_someone_subscribes_to_them(
    client: Client, home: Home, start_pool: StartPool
) -> None:
    start_pool(1)
    monitor = Subscriber(home, b"broker.", b"no.such.topic")  # what the monitor asks for, and junk
    wait_for(lambda: monitor.read(), 10, "a broker.state event")
    before = _unwatched(client)
    client.gather(client.submit_many("echo", [{"i": i} for i in range(20)]), timeout=60)
    # Submitted, started, succeeded: none wanted, none packed or sent.
    assert _unwatched(client) - before >= 3 * 20
    assert not [t for t, _ in monitor.read() if t.startswith("job.")]

    # A subscriber to job.succeeded gets them from the moment its subscription is in.
    watcher = Subscriber(home, b"job.succeeded")

    def heard() -> bool:
        client.submit("echo").result(timeout=30)
        return bool(watcher.succeeded())

    wait_for(heard, 20, "the first job.succeeded event")
    jobs = client.submit_many("echo", [{"i": i} for i in range(20)])
    client.gather(jobs, timeout=60)
    wait_for(lambda: {j.id for j in jobs} <= watcher.succeeded(), 10, "every job's success")
    assert {t for t, _ in watcher.read()} == {"job.succeeded"}

    # Once it leaves, nobody wants them again: a job's three events all go unsent.
    watcher.close()

    def three_unsent() -> bool:
        start = _unwatched(client)
        client.submit("echo").result(timeout=30)
        return _unwatched(client) - start >= 3

    wait_for(three_unsent, 20, "the unsubscription to be heard")
    assert not [t for t, _ in monitor.read() if t.startswith("job.")]
    monitor.close()
