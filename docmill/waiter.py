"""The thread that completes a client's jobs as Futures (docmill/job.py).

It owns a DEALER socket of its own (a socket belongs to one thread) and keeps one long-poll
(`docmill.result` with `wait`) outstanding per watched job, up to MAX_POLLS at a time: the
broker answers each when its job ends, so jobs complete in the order they end. A poll that
times out unanswered (the broker restarted, say) is sent again; the thread stops, and the jobs
still pending are abandoned with an error, when the client closes.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable

import zmq

from docmill.job import Job, ended
from docmill.protocol import MDPC, Command, ProtocolError, pack, request, unpack_map
from docmill.waker import Waker

log = logging.getLogger(__name__)

MAX_POLLS = 1000  # long-polls outstanding at once; more jobs wait their turn
POLL_WAIT = 60.0  # seconds the broker may hold each


class Waiter:
    def __init__(self, open_socket: Callable[[], zmq.Socket[bytes]], margin: float) -> None:
        """`open_socket` makes a connected DEALER; `margin`: how much longer than a poll's
        wait an answer may take before the poll is sent again."""
        self._open, self._margin = open_socket, margin
        self._lock = threading.Lock()
        self._new: list[Job] = []
        self._stop = False
        self._waker = Waker()
        self._rids = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="docmill-waiter", daemon=True)
        self._thread.start()

    def watch(self, job: Job) -> None:
        with self._lock:
            self._new.append(job)
        self._waker.wake()

    def close(self) -> None:
        """Stop the thread and wait for it; jobs not ended by then fail with RuntimeError."""
        self._stop = True
        self._waker.wake()
        self._thread.join()
        self._waker.close()

    def _run(self) -> None:
        sock = self._open()
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(self._waker.fd, zmq.POLLIN)
        queue: collections.deque[Job] = collections.deque()
        polls: dict[int, tuple[Job, float]] = {}  # rid -> (job, when to give up on the answer)
        try:
            while not self._stop:
                with self._lock:
                    queue.extend(self._new)
                    self._new.clear()
                while queue and len(polls) < MAX_POLLS:
                    job = queue.popleft()
                    if not job.done():  # cancelled meanwhile
                        polls[self._poll(sock, job)] = (job, time.monotonic() + self._deadline)
                now = time.monotonic()
                soonest = min((until for _, until in polls.values()), default=now + POLL_WAIT)
                ready = dict(poller.poll(max(0, int((soonest - now) * 1000)) + 1))
                if self._waker.fd in ready:
                    self._waker.clear()
                if sock in ready:
                    self._read(sock, polls, queue)
                now = time.monotonic()
                for rid in [r for r, (_, until) in polls.items() if until <= now]:
                    queue.append(polls.pop(rid)[0])  # unanswered: ask again
        except Exception:  # the crash barrier of this thread: its jobs must not wait forever
            log.exception("the job waiter stopped")
        finally:
            sock.close(linger=0)
            with self._lock:
                left = [job for job, _ in polls.values()] + list(queue) + self._new
            for job in left:
                job.abandon("the client was closed before the job ended")

    @property
    def _deadline(self) -> float:
        return POLL_WAIT + self._margin

    def _poll(self, sock: zmq.Socket[bytes], job: Job) -> int:
        rid = next(self._rids)
        body = pack({"id": job.id, "wait": POLL_WAIT, "rid": rid})
        sock.send_multipart(request(Command.RESULT.value.encode(), [body]))
        return rid

    def _read(
        self,
        sock: zmq.Socket[bytes],
        polls: dict[int, tuple[Job, float]],
        queue: collections.deque[Job],
    ) -> None:
        while True:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            if len(frames) != 4 or frames[0] != b"" or frames[1] != MDPC:
                continue
            with contextlib.suppress(ProtocolError):
                reply = unpack_map(frames[3])
                rid = reply.get("rid")
                if not isinstance(rid, int) or rid not in polls:
                    continue  # an answer to a poll already sent again
                job, _ = polls.pop(rid)
                infos = reply.get("jobs") if reply.get("ok") else None
                if not infos:  # refused (the broker stopping, say): ask again in a second
                    polls[-next(self._rids)] = (job, time.monotonic() + 1.0)
                elif ended(infos[0]):
                    job.settle(infos[0])
                else:
                    queue.append(job)  # the wait ended first: poll again
