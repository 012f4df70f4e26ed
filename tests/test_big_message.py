"""A job request with a big document inline: the worker reads its header, not the document.

A request may carry 64 MiB of inline content. The worker reads the time limit from the
request's map without decoding the rest (docmill/peek.py), keeps the frame ZeroMQ received
as the one copy of it (workers/link.py), and hands it to its job process as it came.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import msgpack
import pytest
import zmq

from docmill.peek import WHOLE, peek_map
from docmill.protocol import ProtocolError, pack, unpack
from tests.conftest import Proc
from tests.stepping import Stepper

pytestmark = pytest.mark.timeout(60)

MIB = 2**20
HEADER = {"id": "0" * 32, "task": "process_document", "attempt": 1, "timeout": 2.5}


def _entry(key: str, value_bytes: bytes) -> bytes:
    return pack(key) + value_bytes


def test_the_header_is_read_without_reading_what_follows_it() -> None:
    head = pack(HEADER)
    assert head[0] == 0x84  # a fixmap of 4: one more entry follows, "args", never valid
    body = bytes([0x85]) + head[1:] + _entry("args", b"\xc1" * (WHOLE + 1))
    assert peek_map(body, ("timeout",)) == {"timeout": 2.5}
    assert peek_map(memoryview(body), ("timeout", "attempt")) == {"timeout": 2.5, "attempt": 1}
    with pytest.raises(ProtocolError):
        unpack(body)  # the whole body is no msgpack: only the header was read


def test_values_not_asked_for_are_passed_over_as_the_codec_would_read_them() -> None:
    document = os.urandom(WHOLE + 1)
    args = {"content": document, "name": "a.pdf", "n": [1, -1, 2**40, 1.5, None, True, "é" * 40]}
    body = pack({"id": "x", "args": args, "attempt": 2})  # no timeout: every entry is read
    assert peek_map(body, ("timeout", "attempt")) == {"attempt": 2}
    assert peek_map(body, ("args",)) == {"args": args}
    assert peek_map(pack({"big": document, "small": "x" * 10}), ("small",)) == {"small": "x" * 10}


@pytest.mark.parametrize(
    "body",
    [
        pack(["not", "a", "map", b"\0" * WHOLE]),
        pack({"args": b"\0" * WHOLE})[:-1],  # cut short
        pack({1: b"\0" * WHOLE}),  # a key that is not a string
        pack({"args": [None] * (WHOLE + 1)}),  # more to pass over than it may: a bounded read
    ],
    ids=["not a map", "cut short", "int key", "too many objects"],
)
def test_a_body_that_cannot_be_read_so_is_refused(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        peek_map(body, ("timeout",))


def test_the_broker_writes_the_args_last(tmp_path: Path) -> None:
    flow = Stepper(tmp_path)
    try:
        flow.client().submit("echo", args={"a": 1}, timeout=9.0)
        job = flow.worker().take()
        assert list(job) == ["id", "task", "attempt", "timeout", "args"]
    finally:
        flow.close()


def _peak_reset(pid: int) -> int:
    """The RSS of `pid` now, from which its peak (VmHWM) starts again."""
    with open(f"/proc/{pid}/clear_refs", "w") as out:
        out.write("5")
    return _status(pid)["VmRSS"]


def _status(pid: int) -> dict[str, int]:
    with open(f"/proc/{pid}/status") as lines:
        pairs = (line.split(":", 1) for line in lines if line.startswith("Vm"))
        return {name: int(value.split()[0]) * 1024 for name, value in pairs}


def _next(router: zmq.Socket, worker: bytes, command: bytes) -> list[bytes]:
    """The worker's next `command` within 30 s, heartbeating to it meanwhile as a broker does."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not router.poll(200):
            router.send_multipart([worker, b"", b"MDPW01", b"\x04"])
        elif (frames := router.recv_multipart())[3:4] == [command]:
            return frames
    raise AssertionError(f"no {command!r} from the worker")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/clear_refs")
def test_a_64_mib_request_costs_the_worker_one_copy(tmp_path: Path) -> None:
    router = zmq.Context.instance().socket(zmq.ROUTER)  # the broker's part, by hand
    router.setsockopt(zmq.LINGER, 0)
    endpoint = f"ipc://{tmp_path}/broker.sock"
    router.bind(endpoint)
    pool = Proc(["-m", "workers", "--connect", endpoint, "--concurrency", "1"], tmp_path / "pool")
    try:
        ready = router.recv_multipart() if router.poll(30_000) else []
        assert ready[3:4] == [b"\x01"], "the worker did not say READY"
        worker, agent = ready[0], msgpack.unpackb(ready[5])["pid"]
        # A request the job process refuses at once (noop takes no content): what is measured
        # is the worker receiving it and handing it on.
        document = os.urandom(64 * MIB)
        body = pack({**HEADER, "task": "noop", "args": {"content": document, "name": "a.pdf"}})
        before = _peak_reset(agent)
        router.send_multipart([worker, b"", b"MDPW01", b"\x02", b"0" * 32, b"", body])
        answer = _next(router, worker, b"\x03")
        assert msgpack.unpackb(answer[6])["error"]["type"] == "bad_request"
        peak = _status(agent)["VmHWM"] - before
        # Before it read the header alone, the worker held two copies: 128 MiB.
        assert peak < 1.25 * len(document), f"the worker's peak: {peak / MIB:.0f} MiB"
    finally:
        pool.stop()
        router.close()
