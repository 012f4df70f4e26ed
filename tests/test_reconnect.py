"""A worker that comes back on a new connection, while its old one still delivers messages.

After a network partition heals, TCP retransmits what the worker sent on its abandoned
connection, so the broker can hear the old connection after the new one has registered. The
docmill worker takes a new identity per connection and gives its name in READY; these raw
DEALERs do the same by hand, so the test does not depend on when the network delivers what.
"""

from __future__ import annotations

import time
from pathlib import Path

import msgpack
import pytest
import zmq

from docmill.client import Client
from tests.conftest import Home, Proc, wait_for

pytestmark = pytest.mark.timeout(60)

MDPW = b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"


def _connect(home: Home, identity: bytes) -> zmq.Socket:
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.IDENTITY, identity)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(home.broker_endpoint())
    meta = msgpack.packb({"queues": ["documents"], "name": "desk/1/0.1", "pid": 4242})
    sock.send_multipart([b"", MDPW, READY, b"documents", meta])
    return sock


def _next(sock: zmq.Socket, command: bytes, timeout: float = 5.0) -> list[bytes] | None:
    """The next message of `command` from the broker within `timeout`, skipping heartbeats."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not sock.poll(int(left * 1000) + 1):
            return None
        frames = sock.recv_multipart()
        if frames[2:3] == [command]:
            return frames
    return None


def test_a_worker_back_on_a_new_connection_takes_over_and_stale_messages_cannot_cut_it(
    home: Home, client: Client
) -> None:
    old = _connect(home, b"desk/1/0.1#1")
    wait_for(lambda: client.status()["workers"], 10, "the worker")
    job = client.submit("noop")
    first = _next(old, REQUEST)
    assert first is not None and first[3] == job.id.encode()

    new = _connect(home, b"desk/1/0.1#2")  # the same worker, after losing its connection
    again = _next(new, REQUEST)
    assert again is not None and again[3] == job.id.encode(), "its job went back in line"
    (worker,) = client.status()["workers"]
    assert worker["id"] == "desk/1/0.1" and worker["job"] == job.id

    old.send_multipart([b"", MDPW, HEARTBEAT])  # what the old connection still delivers
    assert _next(old, DISCONNECT) is not None  # the broker tells the old identity to go...
    assert _next(new, DISCONNECT, timeout=1.5) is None  # ...and that does not reach the new one

    reply = msgpack.packb({"ok": True, "result": "done"})
    new.send_multipart([b"", MDPW, REPLY, job.id.encode(), b"", reply])
    assert job.result(timeout=10) == "done"
    info = job.info()
    assert info["attempts"] == 2 and info["status"] == "succeeded"
    old.close()
    new.close()


def test_a_worker_connected_again_by_zeromq_speaks_at_once(tmp_path: Path) -> None:
    """A broker killed and started again on the same endpoint does not know the workers that
    ZeroMQ connects to it by itself; a worker says something (a heartbeat) as soon as it is
    connected again, rather than at its next heartbeat a second later, so that the broker
    answers DISCONNECT and it registers again at once."""
    endpoint = f"ipc://{tmp_path}/broker.sock"
    first = zmq.Context.instance().socket(zmq.ROUTER)  # the broker's part, by hand
    first.setsockopt(zmq.LINGER, 0)
    first.bind(endpoint)
    pool = Proc(["-m", "workers", "--connect", endpoint, "--concurrency", "1"], tmp_path / "pool")
    try:
        assert first.poll(30_000), "the worker did not say READY"
        assert first.recv_multipart()[3] == READY
        said_ready = time.monotonic()
        first.close()  # the broker is gone...
        again = zmq.Context.instance().socket(zmq.ROUTER)  # ...and another serves its endpoint
        again.setsockopt(zmq.LINGER, 0)
        again.bind(endpoint)
        try:
            assert again.poll(3000), "the worker said nothing"
            heard = time.monotonic() - said_ready
            assert again.recv_multipart()[3] == HEARTBEAT
            # Its own heartbeat would come one interval (1 s) after its READY.
            assert heard < 0.7, f"the worker spoke {heard:.2f} s after its READY"
        finally:
            again.close()
    finally:
        pool.stop()
