"""A worker process: one MDP/0.1 worker on a DEALER socket, running jobs in its job process.

It keeps heartbeats flowing both ways whatever the job does, enforces the job's time limit and
the memory limit from outside the job process, and replaces that process when it dies or is
killed, so the next job starts clean.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq

from docmill.lifeline import STOP
from docmill.peek import peek_map
from docmill.protocol import (
    MDPW,
    ErrorType,
    ProtocolError,
    WorkerCommand,
    error,
    pack,
    reply,
)
from docmill.waker import Waker
from workers.executor import HELLO, Executor
from workers.link import BrokerLink
from workers.memory import RssReader
from workers.settings import WorkerSettings

log = logging.getLogger(__name__)


@dataclass
class Running:
    job_id: bytes
    body: bytes | memoryview | None  # the request, until the job process has it
    timeout: float
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.started + self.timeout


class Agent:
    def __init__(
        self,
        settings: WorkerSettings,
        context: zmq.Context[Any] | None = None,
        lifeline: socket.socket | None = None,
    ) -> None:
        self.settings = settings
        self.lifeline = lifeline  # the pool's tie: `stop`, or its end, asks for a stop
        self.link = BrokerLink(settings, context or zmq.Context())
        job_log = settings.log.beside(f"{Path(settings.log.file or 'worker').stem}.job.log")
        self.executor = Executor(list(settings.task_modules), settings.context, job_log)
        self.running: Running | None = None
        self.pending_reply: tuple[bytes, list[bytes]] | None = None
        self.jobs_done = 0
        self.jobs_in_process = 0  # jobs run by the current job process
        self._rss: RssReader | None = None  # the job process's memory, read between jobs
        self._stop = False
        self._next_memory_check = 0.0
        self._waker = Waker()
        self._poll_key: tuple[Any, ...] = ()
        self._polling = zmq.Poller()

    # -- lifecycle ------------------------------------------------------------------------------

    def request_stop(self, *_: object) -> None:
        """SIGTERM: finish the job in hand, then leave; the supervisor bounds how long."""
        self._stop = True
        self._waker.wake()  # ends the current poll now

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        self.executor.start()
        try:
            while not (self._stop and self.running is None and self.pending_reply is None):
                self._step()
        finally:
            self.link.close()
            self.executor.stop()
            if self._rss is not None:
                self._rss.close()
            self._waker.close()
            log.info("worker %s stopped after %d job(s)", self.settings.identity, self.jobs_done)

    def _step(self) -> None:
        timeout = max(0.0, min(self._deadlines()) - time.monotonic())
        events = dict(self._poller().poll(int(timeout * 1000) + 1))
        if self._poll_key[2] in events:  # the link to the job process
            self._from_executor(self.executor.receive())
        if self.link.socket is not None and self.link.socket in events:
            self._from_broker()
        if self.link.monitor is not None and self.link.monitor in events:
            self.link.relinked()
        if self._waker.fd in events:
            self._waker.clear()
        if self.lifeline is not None and self.lifeline.fileno() in events:
            self._from_pool()
        self._housekeeping()

    def _from_pool(self) -> None:
        """`stop` from the pool, or the end of its lifeline (the pool is gone): finish the job
        in hand and leave, as SIGTERM asks, but on every platform."""
        if self.lifeline is None:
            return
        try:
            said = self.lifeline.recv(64)
        except OSError:
            said = b""
        if not said or STOP.strip() in said:
            why = "asked to stop by its pool" if said else "its pool is gone"
            log.info("worker %s %s", self.settings.identity, why)
            self.lifeline.close()
            self.lifeline = None
            self._poll_key = ()  # rebuild the poller without it
            self.request_stop()

    def _poller(self) -> zmq.Poller:
        """The poller for the sockets of the moment, built again only when one changes: the
        broker's and its monitor, the link to the job process, and (POSIX) the job process's
        sentinel, which wakes us the moment it dies."""
        conn = self.executor.conn
        sentinel = self.executor.sentinel if os.name == "posix" else None
        link = self.link
        key = (link.socket, link.monitor, conn.fileno() if conn is not None else None, sentinel)
        if key != self._poll_key:
            self._poll_key, self._polling = key, zmq.Poller()
            lifeline = self.lifeline.fileno() if self.lifeline is not None else None
            for item in (self._waker.fd, lifeline, *key):
                if item is not None:
                    self._polling.register(item, zmq.POLLIN)
        return self._polling

    def _deadlines(self) -> list[float]:
        deadlines = [time.monotonic() + self.settings.heartbeat_interval, *self.link.deadlines()]
        if self.running is not None:
            deadlines += [self.running.deadline, self._next_memory_check]
        return deadlines

    # -- broker side ----------------------------------------------------------------------------

    def _from_broker(self) -> None:
        while (frames := self.link.receive()) is not None:
            if len(frames) < 3 or frames[0] != b"" or frames[1] != MDPW:
                log.warning("ignored a malformed message from the broker")
                continue
            command = frames[2]
            if command == WorkerCommand.REQUEST.value and len(frames) >= 5:
                self._start(bytes(frames[3]), frames[5:])
            elif command == WorkerCommand.DISCONNECT.value:
                log.info("broker asked worker %s to reconnect", self.settings.identity)
                self._abandon("the broker disconnected this worker")
                return

    def _start(self, job_id: bytes, body: list[bytes | memoryview]) -> None:
        if self.running is not None or self.pending_reply is not None:
            log.error("broker sent job %r while job %r runs", job_id, self.running)
            return
        if len(body) != 1:
            failure = error(ErrorType.BAD_REQUEST, "expected one frame")
            self.link.send(reply(job_id, [pack(failure)]))
            return
        timeout = self.settings.context.timeout
        try:
            # Its header alone: the rest may be a 64 MiB document, the job process's to decode.
            header = peek_map(body[0], ("timeout",))
            if isinstance(header.get("timeout"), int | float):
                timeout = float(header["timeout"])
        except ProtocolError:
            pass  # the job process answers a bad body with a clear error
        self.running = Running(job_id, body[0], timeout)
        if self.executor.ready:
            self._hand_over()
        # else: the job process is starting; it gets the job when it says hello

    def _hand_over(self) -> None:
        assert self.running is not None and self.running.body is not None
        if not self.executor.send(self.running.body):
            self._link_lost()
            return
        self.running.body = None  # the job process has it: no copy stays here while it runs
        now = time.monotonic()
        self.running.started = now
        self._next_memory_check = now + self.settings.heartbeat_interval

    # -- job process side -----------------------------------------------------------------------

    def _from_executor(self, data: bytes | None) -> None:
        if data is None:
            self._link_lost()
            return
        if data == HELLO:
            self.executor.connected()
            if self.running is not None and self.running.body is not None:
                self._hand_over()
            elif self.pending_reply is not None:
                job_id, body = self.pending_reply
                self.pending_reply = None
                self.link.send(reply(job_id, body))
            return
        if self.running is None:
            log.error("job process answered with no job running")
            return
        job_id, self.running = self.running.job_id, None
        self.jobs_done += 1
        self.jobs_in_process += 1
        self.link.send(reply(job_id, [data]))
        self._maybe_recycle()

    def _maybe_recycle(self) -> None:
        """Between jobs, replace a job process that has done its share or grown too large."""
        settings, why = self.settings, ""
        if settings.max_jobs and self.jobs_in_process >= settings.max_jobs:
            why = f"after {self.jobs_in_process} jobs"
        elif settings.recycle_rss_mb and (rss := self._job_rss()) > settings.recycle_rss_mb * 2**20:
            why = f"at {rss // 2**20} MiB"
        if why:
            log.info("recycling the job process %s", why)
            self.executor.start()
            self.jobs_in_process = 0

    def _job_rss(self) -> int:
        pid = self.executor.pid
        if pid is None:
            return 0
        if self._rss is None or self._rss.pid != pid:
            if self._rss is not None:
                self._rss.close()
            self._rss = RssReader(pid)
        return self._rss.read()

    def _fail(self, kind: ErrorType, message: str) -> None:
        """End the running job with an error and replace the job process before the next one."""
        assert self.running is not None
        job_id, self.running = self.running.job_id, None
        log.warning("job %s: %s", job_id.decode(errors="replace"), message)
        self.executor.kill()
        self.pending_reply = (job_id, [pack(error(kind, message))])
        self.executor.start()
        self.jobs_in_process = 0

    def _link_lost(self) -> None:
        """The link to the job process ended (it died: EOF) or broke its framing."""
        process = self.executor.process
        if process is not None:
            process.join(1)  # at EOF it is on its way out; let it be reaped for its exit code
        if self.executor.alive():
            self._job_process_gone("the job process broke its link to the worker")
        else:
            self._job_process_gone(f"the job process {self.executor.exit_reason()}")

    def _job_process_gone(self, reason: str) -> None:
        if self.running is not None:
            self._fail(ErrorType.WORKER_DIED, reason)  # kills it, if it is still there
        else:
            log.warning("%s while idle; starting a new one", reason)
            self.executor.start()

    def _abandon(self, why: str) -> None:
        """Drop the connection and any job in hand: the broker has requeued or cancelled it."""
        if self.running is not None:
            log.warning("abandoning job %s: %s", self.running.job_id.decode(errors="replace"), why)
            self.running = None
            self.executor.start()
        self.pending_reply = None
        self.link.drop()

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if self.executor.ready and not self._stop and self.link.due(now):
            self.link.connect()  # first start, or again after losing the broker
        if self.executor.process is not None and not self.executor.alive():
            self._job_process_gone(f"the job process {self.executor.exit_reason()}")
        if self.running is not None and now >= self.running.deadline:
            limit = self.running.timeout
            self._fail(ErrorType.TIMEOUT, f"job exceeded its time limit of {limit:g}s")
        if self.running is not None and now >= self._next_memory_check:
            self._next_memory_check = now + self.settings.heartbeat_interval
            self._check_memory()
        if not self.link.tick(now):
            log.warning("no word from the broker for %.1fs; reconnecting", self.settings.liveness)
            self._abandon("lost the broker")

    def _check_memory(self) -> None:
        rss = self._job_rss()
        limit = self.settings.context.max_memory_mb
        if rss > limit * 2**20:
            self._fail(
                ErrorType.MEMORY,
                f"job process used {rss // 2**20} MiB, over the limit of {limit} MiB",
            )


def worker_main(
    settings: WorkerSettings, parent_pid: int, lifeline: socket.socket | None = None
) -> None:
    """Entry point of a worker process spawned by the pool; `lifeline` is the pool's tie to it
    (`stop`, or its end: finish the job in hand and leave)."""
    from docmill.logs import setup_logging
    from workers.lifeline import die_with_parent, ignore_interrupts

    die_with_parent(parent_pid)
    ignore_interrupts()
    setup_logging(target=settings.log)
    Agent(settings, lifeline=lifeline).run()
