"""The wire vocabulary and the broker's message handling under arbitrary input.

The broker's loop catches ProtocolError and nothing else, so any other exception escaping
`Broker._handle` would stop the broker: these properties are what keep it serving.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broker.broker import Broker
from docmill.home import Home
from docmill.protocol import (
    MDPC,
    MDPW,
    ClientRequest,
    Command,
    JobStatus,
    ProtocolError,
    WorkerCommand,
    WorkerMessage,
    pack,
    parse_router,
    ready,
    reply,
    request,
    unpack,
)
from docmill.settings import BrokerSettings

pytestmark = pytest.mark.timeout(120)

HEADERS = st.sampled_from([MDPC, MDPW, b"MDPC02", b"", b"\xff" * 6])
COMMAND_BYTES = st.sampled_from([c.value for c in WorkerCommand] + [b"\x00", b"\x09", b"\x01\x01"])
SERVICES = st.sampled_from(
    [c.value.encode() for c in Command]
    + [b"mmi.service", b"mmi.nope", b"docmill.nope", b"documents", b"", b"\xff\xfe"]
)
MSGPACK_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text()
    | st.binary(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    [
        "task",
        "queue",
        "args",
        "priority",
        "max_attempts",
        "timeout",
        "jobs",
        "id",
        "ids",
        "wait",
        "worker",
        "reason",
        "rid",
    ]
)
# Valid requests for each command, so that a mutation of one field reaches deep handler code.
VALID = {
    Command.SUBMIT: {"task": "noop", "queue": "q", "args": {}, "priority": 1, "timeout": 5},
    Command.RESULT: {"ids": ["0" * 32], "wait": 0},
    Command.STATUS: {},
    Command.CANCEL: {"id": "0" * 32},
    Command.WORKER_GONE: {"worker": "w", "reason": "r"},
}


@st.composite
def commands(draw: st.DrawFn) -> list[bytes]:
    """A docmill command: a valid request with some fields replaced by arbitrary values."""
    command = draw(st.sampled_from(list(VALID)))
    body = dict(VALID[command])
    if command is Command.SUBMIT and draw(st.booleans()):
        body["jobs"] = [dict(VALID[Command.SUBMIT]), draw(MSGPACK_VALUES)]
    body.update(draw(st.dictionaries(KEYS, MSGPACK_VALUES, max_size=2)))
    return [b"", MDPC, command.value.encode(), pack(body)]


COMMAND_BODIES = st.dictionaries(KEYS, MSGPACK_VALUES, max_size=6).map(pack)
FRAMES = st.lists(st.binary(max_size=40), max_size=6)


@st.composite
def router_messages(draw: st.DrawFn) -> list[bytes]:
    """Messages shaped like MDP, wrong in any place: what a fuzzer or a buggy peer sends."""
    identity = draw(st.binary(min_size=1, max_size=8))
    kind = draw(st.integers(0, 4))
    if kind == 0:  # anything at all
        return [identity, *draw(FRAMES)]
    if kind == 1:  # a client request with a msgpack or random body
        body = draw(st.one_of(COMMAND_BODIES.map(lambda b: [b]), FRAMES))
        return [identity, b"", draw(HEADERS), draw(SERVICES), *body]
    if kind == 4:
        return [identity, *draw(commands())]
    if kind == 2:  # a worker command with random rest
        return [identity, b"", MDPW, draw(COMMAND_BYTES), *draw(FRAMES)]
    # a READY with random metadata, then a REPLY for a random job
    return [identity, *ready(draw(SERVICES) or b"x", draw(MSGPACK_VALUES))]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(BrokerSettings(home=Home(tmp_path / "h").ensure()))
    yield b
    b.close()


def test_frame_builders_and_parser_agree() -> None:
    msg = parse_router([b"w", *ready(b"documents", {"queues": ["a"]})])
    assert isinstance(msg, WorkerMessage) and msg.command is WorkerCommand.READY
    assert msg.service == b"documents" and unpack(msg.body[0]) == {"queues": ["a"]}
    msg = parse_router([b"w", *reply(b"job1", [b"x", b"y"])])
    assert isinstance(msg, WorkerMessage) and msg.job_id == b"job1" and msg.body == (b"x", b"y")
    msg = parse_router([b"c", *request(b"echo", [b"a"])])
    assert msg == ClientRequest(b"c", b"echo", [b"a"])


@pytest.mark.parametrize(
    "frames",
    [
        [],
        [b"id"],
        [b"id", b"", MDPC],
        [b"id", b"x", MDPC, b"svc"],
        [b"id", b"", b"MDPX99", b"svc"],
        [b"id", b"", MDPC, b""],
        [b"id", b"", MDPW, b"\x09"],
        [b"id", b"", MDPW, WorkerCommand.READY.value],
        [b"id", b"", MDPW, WorkerCommand.REPLY.value, b"job"],
        [b"id", b"", MDPW, WorkerCommand.HEARTBEAT.value, b"extra"],
    ],
)
def test_malformed_frames_raise_protocol_error(frames: list[bytes]) -> None:
    with pytest.raises(ProtocolError):
        parse_router(frames)


@given(st.binary(max_size=200))
def test_unpack_raises_only_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        unpack(data)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(router_messages(), min_size=1, max_size=8))
def test_broker_survives_any_message(broker: Broker, messages: list[list[bytes]]) -> None:
    for frames in messages:
        try:
            broker._handle(frames)
        except ProtocolError:
            broker.flow.note_malformed()
    broker._end_pass()
    broker._housekeeping()
    broker.flush()  # the pass's write, on the writer thread, and the dispatches it allows
    # Whatever arrived, the broker's own bookkeeping still holds together.
    flow = broker.flow
    for worker, job in flow.registry.running():
        assert flow.registry.workers.get(worker.identity) is worker
        assert broker.store.get(job.id) is job
    assert set(broker.store.counts()) <= {s.value for s in JobStatus}
    # No accepted job is lost: each unfinished one is in a queue, a timer, a worker or a batch.
    placed = flow.jobs.timers.ids() | flow.jobs.parents.ids()
    placed |= {job.id for _, job in flow.registry.running()}
    for service in flow.registry.services.values():
        placed |= service.queue.ids()
    assert all(job.id in placed for job in broker.store.unfinished())


READY_META = st.dictionaries(
    st.sampled_from(["queues", "pid", "host"]),
    MSGPACK_VALUES | st.lists(st.text(max_size=6), max_size=3),
    max_size=3,
)
REPLY_MAPS = st.fixed_dictionaries(
    {"ok": MSGPACK_VALUES | st.booleans()},
    optional={
        "result": MSGPACK_VALUES,
        "error": MSGPACK_VALUES
        | st.fixed_dictionaries({"type": MSGPACK_VALUES | st.sampled_from(["timeout", "x"])}),
    },
).map(pack)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(READY_META)
def test_ready_metadata_of_any_shape(broker: Broker, meta: dict) -> None:
    with contextlib.suppress(ProtocolError):
        broker._handle([b"worker", *ready(b"documents", meta)])
    worker = broker.flow.registry.workers.pop(b"worker", None)
    if worker is not None:
        assert all(isinstance(name, str) and name for name in worker.services)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(REPLY_MAPS, MSGPACK_VALUES.map(pack), st.binary(max_size=30)), st.integers(0, 2))
def test_native_worker_replies_of_any_shape(
    connected_worker: tuple[Broker, bytes], body: bytes, frames: int
) -> None:
    broker, identity = connected_worker
    broker._handle([b"client", *request(b"docmill.submit", [pack({"task": "noop"})])])
    broker._end_pass()
    broker.flush()  # the write, then dispatch
    registry = broker.flow.registry
    worker = registry.workers[identity]
    job = registry.job_of(worker)
    assert job is not None, "the idle worker should have been given the job"
    with contextlib.suppress(ProtocolError):
        broker._handle([identity, *reply(job.id.encode(), [body] * frames)])
    broker._end_pass()
    broker.flush()
    # Settled, or back in line (a retryable error), never stuck with this worker.
    if job.status.value == "running":  # a worker death is retried at once, here by us again
        assert job.attempts == 2 and registry.job_of(worker) is job
        broker._handle([identity, *reply(job.id.encode(), [pack({"ok": True})])])
        broker._end_pass()
        broker.flush()
    elif not job.status.terminal:
        assert job.status.value == "retry_scheduled" and registry.job_of(worker) is None
        broker.flow.cancel(job)
    assert job.status.terminal and registry.job_of(worker) is None


@pytest.fixture
def connected_worker(broker: Broker) -> Iterator[tuple[Broker, bytes]]:
    """A native worker on a real DEALER, so the broker's REQUESTs to it can be routed."""
    import zmq

    identity = b"fuzz-worker"
    sock = broker.context.socket(zmq.DEALER)
    sock.setsockopt(zmq.IDENTITY, identity)
    sock.connect(broker.endpoint)
    sock.send_multipart(ready(b"fuzzq", {"queues": ["documents"]}))
    assert broker.router.poll(5000)
    broker._handle(broker.router.recv_multipart())
    yield broker, identity
    sock.close(0)
