"""The driver of a fuzz test: bursts of frames, each on a socket of its own, sent to a real
broker, with a probe after each that must be answered.

A `Burst` goes out on a new socket: a DEALER on the broker's ROUTER, or an XSUB on its PUB
status stream (a PUB hears only subscription messages, and an XSUB lets us send it anything).
It ends by waiting for the broker to answer a probe, so every frame was handled, or by closing
at once, or in the middle of a multipart message. A `Serve` plays a fuzz worker that takes a
job and answers it with anything. The `Fuzzer` sends them and counts the malformed messages
the broker surely received. The frames themselves come from tests/fuzz_frames.py.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import zmq
from hypothesis import strategies as st
from zmq.utils.monitor import recv_monitor_message

from docmill.client import Client
from docmill.home import Home
from docmill.protocol import (
    MAX_MESSAGE_BYTES,
    MDPC,
    MDPW,
    Command,
    JobStatus,
    WorkerCommand,
    pack,
    ready,
    reply,
    request,
    unpack_map,
)
from tests.conftest import wait_for
from tests.fuzz_frames import (
    BODY_FRAMES,
    PUB_DROPS,
    PUB_FRAMES,
    RANDOM_MAPS,
    ROUTER_MESSAGES,
    counted_malformed,
    harmless,
    worker_sessions,
)

PROBE_SECONDS = 10.0  # a probe not answered by then means the broker hangs
PROBE_SERVICE = b"docmill.fuzz-probe"  # an unknown command: answered at once, with our rid


# -- bursts: one socket each -------------------------------------------------------------------


@dataclass
class Burst:
    """Messages sent on one new socket, and how it ends: wait for the probe's answer, close at
    once, or close in the middle of a multipart message."""

    target: str  # "router" or "events"
    identity: bytes | None
    messages: list[list[bytes]]
    ending: str  # "probe", "abrupt" or "partial"

    @property
    def dropped(self) -> bool:
        """Whether the PUB's side will drop this connection (a frame of 64 KiB or more)."""
        sizes = (len(frame) for frames in self.messages for frame in frames)
        return self.target == "events" and max(sizes) >= PUB_DROPS

    def sendable(self) -> list[list[bytes]]:
        """The messages, each frame alone if the connection will be dropped: libzmq 4.3.5
        aborted our process ("Resource temporarily unavailable (src/session_base.cpp:233)")
        when such a connection was dropped with a multipart message half sent while the socket
        was being closed."""
        if self.dropped:
            return [[frame] for frames in self.messages for frame in frames]
        return self.messages


ENDINGS = st.sampled_from(["probe", "probe", "abrupt", "partial"])
BURSTS = st.one_of(
    st.builds(
        Burst,
        st.just("router"),
        st.none() | st.binary(max_size=6),
        st.lists(ROUTER_MESSAGES, min_size=1, max_size=8)
        | worker_sessions().filter(lambda ms: all(map(harmless, ms))),
        ENDINGS,
    ),
    st.builds(
        Burst,
        st.just("events"),
        st.none(),
        st.lists(st.lists(PUB_FRAMES, min_size=1, max_size=3), min_size=1, max_size=6),
        ENDINGS,
    ),
)


FAN_OUTS = st.builds(
    lambda task, parts: pack({"ok": True, "fan_out": {"task": task, "parts": parts}}),
    st.sampled_from(["echo", "nope"]) | st.text(max_size=6),
    st.lists(RANDOM_MAPS, max_size=3),
)


@dataclass
class Serve:
    """A fuzz worker on a queue of its own: it calls that queue (a plain MDP request), takes
    the job, and answers it with `body`, whatever that is."""

    native: bool  # READY with metadata: the broker reads the REPLY as a docmill reply map
    call: list[bytes]
    body: list[bytes]


SERVES = st.builds(
    Serve,
    st.booleans(),
    st.lists(BODY_FRAMES, min_size=1, max_size=3),
    st.lists(BODY_FRAMES | FAN_OUTS, max_size=3),
)


class Fuzzer:
    """Sends bursts to a running broker and checks that it answers each probe."""

    def __init__(self, home: Home) -> None:
        self.context: zmq.Context[Any] = zmq.Context()
        self.router = home.broker_endpoint()
        self.events = home.events_endpoint()
        self.must_count = 0  # malformed messages the broker surely received
        self._rids = itertools.count(1)
        self._workers = itertools.count(1)

    def socket(self, kind: int, identity: bytes | None = None) -> zmq.Socket[bytes]:
        sock = self.context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        if identity is not None:
            sock.setsockopt(zmq.IDENTITY, identity)
        sock.connect(self.router if kind == zmq.DEALER else self.events)
        return sock

    def run(self, bursts: list[Burst], meanwhile: Callable[[], None]) -> None:
        """Send every burst, call `meanwhile` (real work), then probe the sockets that wait."""
        waiting: list[tuple[zmq.Socket[bytes], Burst]] = []
        try:
            for slot, burst in enumerate(bursts):
                kind = zmq.DEALER if burst.target == "router" else zmq.XSUB
                # Distinct per socket, so no two live sockets hand each other over; the same
                # across examples, so an identity reconnects (ROUTER_HANDOVER) to its old state.
                identity = None if burst.identity is None else b"fuzz-%d-" % slot + burst.identity
                sock = self.socket(kind, identity)
                for frames in burst.sendable():
                    sock.send_multipart(frames)
                if burst.ending == "partial":
                    sock.send(b"", zmq.SNDMORE)
                    sock.send(MDPC, zmq.SNDMORE)  # ...and the rest never comes
                if burst.ending != "probe" or burst.dropped:
                    sock.close(linger=0)
                    continue
                if burst.target == "events":
                    sock.send(b"\x01")  # subscribe to everything
                waiting.append((sock, burst))
            meanwhile()
            for sock, burst in waiting:
                if burst.target == "router":
                    # The broker handles a peer's messages in order: its answer to the probe
                    # means it has handled (or dropped) everything the burst sent before.
                    answer = self._call(sock, PROBE_SERVICE, {}, "the broker to answer a probe")
                    assert answer["error"]["type"] == "unknown_command", answer
                    self.must_count += sum(map(counted_malformed, burst.messages))
                else:
                    self._await_event(sock)
        finally:
            for sock, _ in waiting:
                sock.close(linger=0)

    def _call(
        self, sock: zmq.Socket[bytes], service: bytes, body: dict[str, Any], what: str
    ) -> dict[str, Any]:
        """A docmill command on a fuzz socket: its answer, told from anything else by `rid`."""
        rid = next(self._rids)
        sock.send_multipart(request(service, [pack({**body, "rid": rid})]))
        for frames in _incoming(sock, what):
            if frames[:3] == [b"", MDPC, service] and len(frames) == 4:
                answer = unpack_map(frames[3])
                if answer.get("rid") == rid:
                    return answer
        raise AssertionError("unreachable")  # _incoming ends only by failing

    @staticmethod
    def _await_event(sock: zmq.Socket[bytes]) -> None:
        """After any garbage, a subscription still gets this peer the status stream."""
        for frames in _incoming(sock, "an event after subscribing on a fuzzed XSUB"):
            if len(frames) == 2:
                assert isinstance(unpack_map(frames[1]).get("seq"), int)
                return

    def serve(self, job: Serve) -> None:
        """Take a job as a worker and answer it: a plain worker's answer must come back to the
        caller verbatim (docs/PROTOCOL.md §5); a native worker's is read, or fails the job."""
        n = next(self._workers)
        # Fresh names: a READY from an identity still registered would be refused, and a
        # queue of our own has no other worker to take the job.
        queue = b"fuzz.work.%d" % n
        sock = self.socket(zmq.DEALER, b"fuzz-serve-%d" % n)
        try:
            sock.send_multipart(ready(queue, {"queues": []} if job.native else None))
            sock.send_multipart(request(queue, job.call))
            take = [b"", MDPW, WorkerCommand.REQUEST.value]
            frames = next(f for f in _incoming(sock, "a job for a fuzz worker") if f[:3] == take)
            job_id, empty, body = frames[3], frames[4], frames[5:]
            assert empty == b"" and body == job.call, frames
            sock.send_multipart(reply(job_id, job.body))
            if job.native:
                service = Command.RESULT.value.encode()
                answer = self._call(sock, service, {"id": job_id.decode()}, "a job's state")
                assert answer["jobs"][0]["status"] in set(JobStatus), answer
            else:
                relayed = next(f for f in _incoming(sock, "the reply") if f[:2] == [b"", MDPC])
                assert relayed == [b"", MDPC, queue, *job.body]
        finally:
            sock.close(linger=0)

    def oversized(self, client: Client) -> None:
        """A message over MAX_MESSAGE_BYTES is dropped and counted by the broker; one over
        twice that, by ZeroMQ, with its connection, before the broker sees it."""
        sock = self.socket(zmq.DEALER, b"fuzz-oversized")
        monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        try:
            before = client.status()["broker"]["oversized"]
            sock.send_multipart([b"", MDPC, b"docmill.status", bytes(MAX_MESSAGE_BYTES + 1)])
            wait_for(
                lambda: client.status()["broker"]["oversized"] == before + 1,
                PROBE_SECONDS,
                "the oversized message to be counted",
            )
            assert not monitor.poll(0), "a message under the hard cap keeps its connection"
            sock.send(bytes(2 * MAX_MESSAGE_BYTES + 1), copy=False)
            assert monitor.poll(int(PROBE_SECONDS * 1000)), "the broker kept an oversized peer"
            event = recv_monitor_message(monitor)
            assert event["event"] == zmq.EVENT_DISCONNECTED
        finally:
            sock.disable_monitor()
            monitor.close(linger=0)
            sock.close(linger=0)

    def close(self) -> None:
        self.context.destroy(linger=0)


def _incoming(sock: zmq.Socket[bytes], what: str) -> Iterator[list[bytes]]:
    """Messages arriving on `sock` until the caller stops, or fail after PROBE_SECONDS."""
    deadline = time.monotonic() + PROBE_SECONDS
    while True:
        left = deadline - time.monotonic()
        assert left > 0 and sock.poll(int(left * 1000) + 1), f"timed out waiting for {what}"
        yield sock.recv_multipart()
