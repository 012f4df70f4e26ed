"""RFC 7 (MDP/0.1) and RFC 8 (MMI) interop with the real broker process, from raw frames.

Every frame here is built by hand from the RFC layouts (nothing from docmill.protocol,
docmill.client or workers), so these tests hold the broker to the specification rather than to
its own helpers. The broker runs as its own process (the `broker` fixture); our peers are plain
pyzmq sockets.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgpack
import pytest
import zmq

from tests.conftest import wait_for

MDPC, MDPW = b"MDPC01", b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
SERVICE = b"echo.test"
HEARTBEAT_INTERVAL = 1.0  # the broker's default; our workers answer and send at this pace

BROKER_HEARTBEAT = [b"", MDPW, HEARTBEAT]
BROKER_DISCONNECT = [b"", MDPW, DISCONNECT]
# Opaque binary, as RFC 7 says a body is: not UTF-8, empty frames, every byte value.
BINARY_BODY = [b"\x00\xff\xfe\x80", b"", bytes(range(256)), b"\xc3\x28 not utf-8", b""]


def recv(sock: zmq.Socket, timeout: float = 5.0, skip: tuple = ()) -> list[bytes] | None:
    """The next message within `timeout` seconds that is not in `skip`, else None."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not sock.poll(int(left * 1000) + 1):
            break
        frames = sock.recv_multipart()
        if frames not in skip:
            return frames
    return None


class RawWorker(threading.Thread):
    """A plain MDP/Worker on a DEALER; it replies with the request's body frames reversed."""

    def __init__(self, ctx: zmq.Context, endpoint: str, service: bytes) -> None:
        super().__init__(daemon=True, name=f"raw-worker-{service.decode()}")
        self.ctx, self.endpoint, self.service = ctx, endpoint, service
        self.stopping = threading.Event()
        self.requests: list[list[bytes]] = []  # bodies as the worker received them
        self.heartbeats = 0  # from the broker, each answered with one of ours
        self.errors: list[str] = []

    def run(self) -> None:
        sock = self.ctx.socket(zmq.DEALER)
        sock.connect(self.endpoint)
        try:
            sock.send_multipart([b"", MDPW, READY, self.service])
            last_sent = time.monotonic()
            while not self.stopping.is_set():
                if sock.poll(100):
                    frames = sock.recv_multipart()
                    if frames[:3] == [b"", MDPW, REQUEST] and len(frames) >= 6 and frames[4] == b"":
                        address, body = frames[3], frames[5:]
                        self.requests.append(body)
                        sock.send_multipart([b"", MDPW, REPLY, address, b"", *reversed(body)])
                        last_sent = time.monotonic()
                    elif frames == BROKER_HEARTBEAT:
                        self.heartbeats += 1
                        sock.send_multipart([b"", MDPW, HEARTBEAT])
                        last_sent = time.monotonic()
                    else:
                        self.errors.append(f"unexpected from the broker: {frames!r}")
                if time.monotonic() - last_sent >= HEARTBEAT_INTERVAL:  # RFC 7: both sides send
                    sock.send_multipart([b"", MDPW, HEARTBEAT])
                    last_sent = time.monotonic()
            sock.send_multipart([b"", MDPW, DISCONNECT])
        except Exception as exc:  # reported by the fixture, in the test's thread
            self.errors.append(repr(exc))
        finally:
            sock.close(linger=1000)


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


@pytest.fixture
def endpoint(broker: Any, home: Any) -> str:
    return home.broker_endpoint()


@pytest.fixture
def connect(ctx: zmq.Context, endpoint: str) -> Iterator[Callable[..., zmq.Socket]]:
    """connect(kind=zmq.DEALER): a socket to the broker, closed when the test ends."""
    sockets: list[zmq.Socket] = []

    def make(kind: int = zmq.DEALER) -> zmq.Socket:
        sock = ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        sockets.append(sock)
        return sock

    yield make
    for sock in sockets:
        sock.close(linger=0)


@pytest.fixture
def start_worker(ctx: zmq.Context, endpoint: str) -> Iterator[Callable[..., RawWorker]]:
    workers: list[RawWorker] = []

    def start(service: bytes = SERVICE) -> RawWorker:
        worker = RawWorker(ctx, endpoint, service)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stopping.set()
        worker.join(5)
    assert all(not w.is_alive() for w in workers)
    assert [e for w in workers for e in w.errors] == []


def call(sock: zmq.Socket, service: bytes, *body: bytes, timeout: float = 10.0) -> list[bytes]:
    """An MDP/Client REQUEST on a DEALER (which adds frame 0 itself); returns the REPLY."""
    sock.send_multipart([b"", MDPC, service, *body])
    frames = recv(sock, timeout)
    assert frames is not None, f"no reply for {service!r} within {timeout}s"
    return frames


def mmi_service(sock: zmq.Socket, name: bytes) -> bytes:
    frames = call(sock, b"mmi.service", name)
    assert frames[:3] == [b"", MDPC, b"mmi.service"] and len(frames) == 4, frames
    return frames[3]


def command(sock: zmq.Socket, service: bytes, *body: bytes, timeout: float = 10.0) -> dict:
    """A docmill command by hand: its one reply frame as a map (other messages are skipped)."""
    sock.send_multipart([b"", MDPC, service, *body])
    deadline = time.monotonic() + timeout
    while (frames := recv(sock, max(0.0, deadline - time.monotonic()))) is not None:
        if frames[:3] == [b"", MDPC, service] and len(frames) == 4:
            return msgpack.unpackb(frames[3], raw=False)
    raise AssertionError(f"no reply for {service!r} within {timeout}s")


# -- RFC 7: MDP/Client and MDP/Worker -------------------------------------------------------------


@pytest.mark.timeout(30)
def test_plain_worker_serves_req_and_dealer_clients(connect, start_worker) -> None:
    worker = start_worker()
    req = connect(zmq.REQ)
    req.send_multipart([MDPC, SERVICE, b"hello", b"world"])  # REQ adds the empty frame 0
    assert recv(req, 10) == [MDPC, SERVICE, b"world", b"hello"]

    client = connect()
    assert call(client, SERVICE, *BINARY_BODY) == [b"", MDPC, SERVICE, *reversed(BINARY_BODY)]
    assert worker.requests == [[b"hello", b"world"], BINARY_BODY]  # passed on unchanged
    # Several requests in flight from one asynchronous client, answered one by one.
    for i in range(5):
        client.send_multipart([b"", MDPC, SERVICE, b"n", str(i).encode()])
    replies = [recv(client, 10) for _ in range(5)]
    assert sorted(r[3] for r in replies if r) == [str(i).encode() for i in range(5)]
    # Heartbeats both ways keep it registered past the broker's expiry (3 intervals of silence).
    wait_for(lambda: worker.heartbeats >= 4, timeout=15, what="four broker heartbeats")
    assert call(client, SERVICE, b"still", b"here") == [b"", MDPC, SERVICE, b"here", b"still"]


@pytest.mark.timeout(30)
def test_request_before_any_worker_is_queued(connect, start_worker) -> None:
    client = connect()
    client.send_multipart([b"", MDPC, b"late.service", b"early", b"\xff"])
    # Same pipe, so once this answer is here the request above has reached the broker.
    assert mmi_service(client, b"late.service") == b"404"
    assert recv(client, 0.3) is None  # queued, not refused
    start_worker(b"late.service")
    assert recv(client, 10) == [b"", MDPC, b"late.service", b"\xff", b"early"]


# -- RFC 8: MMI -----------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_mmi_service_and_namespace(connect, start_worker) -> None:
    client = connect()
    assert mmi_service(client, SERVICE) == b"404"
    worker = start_worker()
    wait_for(lambda: mmi_service(client, SERVICE) == b"200", what="echo.test registered")
    assert mmi_service(client, b"no.such.service") == b"404"
    assert call(client, b"mmi.whatever", b"x") == [b"", MDPC, b"mmi.whatever", b"501"]

    req = connect(zmq.REQ)
    req.send_multipart([MDPC, b"mmi.service", SERVICE])
    assert recv(req, 10) == [MDPC, b"mmi.service", b"200"]

    worker.stopping.set()  # it sends DISCONNECT: the service has no worker any more
    wait_for(lambda: mmi_service(client, SERVICE) == b"404", what="echo.test gone")


# -- RFC 7 worker rules, RFC 8 namespace ----------------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "messages",
    [
        pytest.param([[b"", MDPW, READY, b"mmi.foo"]], id="ready-in-mmi-namespace"),
        pytest.param([[b"", MDPW, READY, b"echo.twice"]] * 2, id="second-ready"),
        pytest.param([[b"", MDPW, HEARTBEAT]], id="heartbeat-never-registered"),
        pytest.param([[b"", MDPW, REPLY, b"someone", b"", b"x"]], id="reply-never-registered"),
    ],
)
def test_worker_rule_violations_get_disconnect(connect, messages: list[list[bytes]]) -> None:
    worker = connect()
    for frames in messages:
        worker.send_multipart(frames)
    assert recv(worker, 5, skip=(BROKER_HEARTBEAT,)) == BROKER_DISCONNECT
    # RFC 7: after DISCONNECT the broker sends that worker nothing more, heartbeats included.
    assert recv(worker, 1.5 * HEARTBEAT_INTERVAL) is None
    service = messages[0][3] if messages[0][2] == READY else None
    if service is not None:
        assert mmi_service(connect(), service) == b"404"


# -- malformed input ------------------------------------------------------------------------------


def malformed_messages(rng: random.Random) -> list[list[bytes]]:
    """Truncated, misheaded and random messages: each one the broker must drop and survive."""
    crafted = [
        [b""],
        [b"", MDPC],
        [b"", MDPW],
        [b"", MDPC, SERVICE],  # a request without a body
        [b"", MDPC, b"", b"body"],  # without a service name
        [b"", b"MDPX99", SERVICE, b"body"],
        [b"", b"MDPX99", READY, SERVICE],
        [b"", MDPW, b"\x09"],
        [b"", MDPW, b"\x09", SERVICE],
        [b"", MDPW, READY],  # READY without a service
        [b"", MDPW, REPLY, b"client"],
        [b"", MDPW, REPLY, b"client", b"no empty delimiter"],
        [b"", MDPW, HEARTBEAT, b"trailing"],
        [b"not empty", MDPC, SERVICE, b"body"],
        [b"", MDPC, b"docmill.submit"],
    ]
    noise = [
        [rng.randbytes(rng.randint(0, 64)) for _ in range(rng.randint(1, 8))] for _ in range(300)
    ]
    return crafted + noise


@pytest.mark.timeout(60)
def test_malformed_input_never_crashes_or_stalls_the_broker(
    broker, client, start_pool, connect
) -> None:
    start_pool(2)
    jobs = client.submit_many("noop", [{"seconds": 0.01}] * 200)  # ~1s of work on 2 workers

    messages = malformed_messages(random.Random(20240607))
    senders = [connect() for _ in range(4)]
    for i, sock in enumerate(senders):
        for frames in messages[i :: len(senders)]:
            sock.send_multipart(frames)
    for sock in senders:
        # Same pipe: this answer comes only after the broker has read everything sent before it.
        reply = command(sock, b"docmill.nope", msgpack.packb({"rid": 7}))
        assert reply["ok"] is False and reply["error"]["type"] == "unknown_command", reply
        assert reply["rid"] == 7

    asker = connect()
    for body in (
        [b"\xc1 this is not msgpack"],
        [msgpack.packb([1, 2, 3])],  # msgpack, but not a map
        [msgpack.packb("a string")],
        [msgpack.packb({"task": "noop"}), b"a second frame"],
    ):
        reply = command(asker, b"docmill.submit", *body)
        assert reply["ok"] is False and reply["error"]["type"] == "bad_request", (body, reply)

    assert client.gather(jobs, timeout=60) == [None] * 200
    assert broker.popen.poll() is None
    assert client.status()["broker"]["malformed"] > 0
    assert client.submit("echo", a=1).result(timeout=10) == {"a": 1}


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "service, body",
    [
        pytest.param(b"docmill.submit", {"task": "noop", "priority": 2**63}, id="priority"),
        pytest.param(b"docmill.submit", {"task": "noop", "max_attempts": 2**63}, id="attempts"),
        pytest.param(b"docmill.dead", {"limit": 2**63}, id="dead-limit"),
    ],
)
def test_out_of_range_integers_are_refused(broker, connect, service, body) -> None:
    """Ints past SQLite's signed 64 bits once reached the store and stopped the broker."""
    sock = connect()
    reply = command(sock, service, msgpack.packb(body), timeout=5)
    assert reply["ok"] is False and reply["error"]["type"] == "bad_request", reply
    assert command(sock, b"docmill.status", msgpack.packb({}))["ok"] is True
    assert broker.popen.poll() is None
