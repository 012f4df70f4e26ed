"""The client's connection to the broker: a DEALER socket per thread, the waiter thread that
completes jobs as Futures, and one docmill command and its answer (`call`).

Client (docmill/client.py) builds the job API on this; a ZeroMQ socket belongs to one thread,
so each thread that calls gets its own, and close() closes them all and stops the waiter.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Self, TypeVar

import zmq

from docmill.job import BrokerError, Job, _seconds
from docmill.protocol import (
    MAX_MESSAGE_BYTES,
    MDPC,
    Command,
    ErrorType,
    ProtocolError,
    error_of,
    pack,
    request,
    unpack_map,
)
from docmill.security import ClientKeys
from docmill.waiter import Waiter

T = TypeVar("T")


def _encoded(body: dict[str, Any]) -> bytes:
    """`body` packed; refused here, with a clear error, if msgpack cannot carry one of its
    numbers (past 64 bits) or the broker would drop it for its size."""
    try:
        packed = pack(body)
    except OverflowError as exc:
        raise ValueError(f"a number in the request does not fit msgpack's 64 bits: {exc}") from None
    if len(packed) > MAX_MESSAGE_BYTES - 1024:
        raise BrokerError(
            ErrorType.BAD_REQUEST.value,
            f"a message of {len(packed)} bytes is over the broker's limit of {MAX_MESSAGE_BYTES}: "
            "send fewer jobs per call, or less inline content per job",
        )
    return packed


class Connection:
    def __init__(
        self, endpoint: str, keys: ClientKeys | None, context: zmq.Context[Any], timeout: float
    ) -> None:
        """`keys`: the CURVE keys to apply to each socket (None: plain)."""
        self.endpoint, self.keys, self.context, self.timeout = endpoint, keys, context, timeout
        self._rids = itertools.count(1)
        self._local = threading.local()  # this thread's socket
        self._lock = threading.Lock()
        self._sockets: set[zmq.Socket[bytes]] = set()
        self._waiter: Waiter | None = None
        self._closed = False
        # The handles given out, so that a retry can reopen theirs (Client.retry).
        self._handles: weakref.WeakValueDictionary[str, Job] = weakref.WeakValueDictionary()

    # -- connection ---------------------------------------------------------------------------

    def _open(self) -> zmq.Socket[bytes]:
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if self.keys is not None:
            self.keys.apply(sock)
        try:
            sock.connect(self.endpoint)
        except zmq.ZMQError:
            sock.close(linger=0)
            raise
        return sock

    def _connect(self) -> zmq.Socket[bytes]:
        """The calling thread's socket, opened on its first call."""
        sock: zmq.Socket[bytes] | None = getattr(self._local, "socket", None)
        if sock is None:
            sock = self._open()
            with self._lock:
                self._sockets.add(sock)
            self._local.socket = sock
        return sock

    def _drop(self) -> None:
        """Close the calling thread's socket: a request still queued in it cannot answer later."""
        sock = getattr(self._local, "socket", None)
        if sock is not None:
            with self._lock:
                self._sockets.discard(sock)
            sock.close(linger=0)
            self._local.socket = None

    def _watch(self, job: Job) -> None:
        """Have the waiter thread complete `job` when it ends (docmill/job.py)."""
        with self._lock:
            self._handles[job.id] = job
            if self._closed:
                job.abandon("the client is closed")
                return
            if self._waiter is None:
                self._waiter = Waiter(self._open, self.timeout)
            waiter = self._waiter
        waiter.watch(job)

    def close(self) -> None:
        """Close every thread's socket and stop the waiter; jobs it still waited for fail
        with RuntimeError. Call it once the other threads are done with the client."""
        with self._lock:
            self._closed = True
            waiter, self._waiter = self._waiter, None
            sockets, self._sockets = self._sockets, set()
        if waiter is not None:
            waiter.close()
        for sock in sockets:
            sock.close(linger=0)
        self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, command: Command, body: dict[str, Any]) -> int:
        rid = next(self._rids)
        frames = request(command.value.encode(), [_encoded({**body, "rid": rid})])
        self._connect().send_multipart(frames)
        return rid

    def _await(self, accept: Callable[[list[bytes]], T | None], timeout: float, what: str) -> T:
        """Feed each message that arrives within `timeout` to `accept` until it returns a value.

        On timeout the socket is dropped: a request still queued in it cannot answer later.
        """
        sock = self._connect()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not sock.poll(int(left * 1000) + 1):
                break
            found = accept(sock.recv_multipart())
            if found is not None:
                return found
        self._drop()
        raise TimeoutError(f"{what} within {timeout:.1f}s")

    def _receive(self, rid: int, timeout: float) -> dict[str, Any]:
        def answer(frames: list[bytes]) -> dict[str, Any] | None:
            if len(frames) != 4 or frames[0] != b"" or frames[1] != MDPC:
                return None  # not an answer to a docmill command; ignore it
            try:
                reply = unpack_map(frames[3])
            except ProtocolError:
                return None
            if reply.get("rid") != rid:
                return None  # a late answer to an earlier call that timed out: drop it
            if not reply.get("ok"):
                raise BrokerError(*error_of(reply))
            return reply

        return self._await(answer, timeout, f"no answer from the broker at {self.endpoint}")

    def call(self, command: Command, body: dict[str, Any], timeout: float | None = None) -> dict:
        """One docmill command and its answer."""
        limit = self.timeout if timeout is None else _seconds(timeout, "timeout", zero=False)
        return self._receive(self._send(command, body), limit)
