"""The broker: one ROUTER for clients and workers (MDP/0.1 + MMI), one PUB for status, one loop.

The loop polls with the next deadline as its timeout (a heartbeat to send, a worker to expire,
a result waiter to answer), so an idle broker does no work at all. Here are the sockets, the
loop and group commit, written on a thread of its own so that the loop never waits on disk.
Each message goes to its handler (inbound.py) with the job flow (flow.py), which owns the jobs
and the workers, and writes back through this object.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import zmq

from broker import inbound, maintenance, state
from broker.blobs import Blobs
from broker.client_side import Ack
from broker.clock import SystemClock
from broker.events import Publisher
from broker.flow import JobFlow
from broker.store import SqliteStore, Write
from docmill import wire
from docmill.protocol import (
    MAX_MESSAGE_BYTES,
    Command,
    ErrorType,
    ProtocolError,
    Topic,
    WorkerCommand,
    client_reply,
    error,
    pack,
    to_worker,
)
from docmill.security import Guard, check_bind, ensure_local_keys
from docmill.settings import BrokerSettings
from docmill.waker import StopOnSignal, Waker

log = logging.getLogger(__name__)

# Messages read per poll wake-up before housekeeping runs again, so a flood cannot starve it.
_BATCH = 1000
_SUBMIT = Command.SUBMIT.value.encode()


class EndpointInUse(Exception):
    """The ipc endpoint the broker would bind is served by a live process."""


def _answers(path: str) -> bool:
    """Whether a process accepts connections on the Unix socket at `path` (a stale socket file
    of a killed broker refuses them)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


class Broker(StopOnSignal):
    def __init__(self, settings: BrokerSettings, context: zmq.Context[Any] | None = None) -> None:
        self.settings = settings
        security = settings.security
        bind = settings.bind or settings.home.default_endpoint("broker")
        events_bind = settings.events_bind or settings.home.default_endpoint("events")
        if ensure_local_keys(security, [bind, events_bind]):
            log.warning("TCP on this machine is open to every local user: CURVE keys created")
        curve = security.curve_on()
        for endpoint in (bind, events_bind):  # before anything is opened
            check_bind(endpoint, curve, security.insecure)
        self.context = context or zmq.Context.instance()
        self.store = SqliteStore(settings.home.state / "jobs.db", settings.synchronous)
        clock = SystemClock()
        self.flow = JobFlow(
            settings,
            self.store,
            Blobs(settings.home.state / "blobs", security.max_inline_bytes),
            outlet=self,
            clock=clock,
            describe=self._describe,
            stop=self.request_stop,
        )
        self.maintenance = maintenance.Schedule(
            settings.maintenance, settings.checks, clock.monotonic()
        )
        self.oversized = 0
        self.started = time.time()
        self._acks: list[Ack] = []  # command replies of this pass
        self._owed: list[Ack] = []  # command replies waiting for the next write
        # One write at a time on its own thread; its end wakes the loop.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self._write: tuple[Write, list[Ack], Future[None]] | None = None
        self.store_errors = 0
        self._commit_due: float | None = None  # when changes left by earlier passes are written
        self._next_state = time.monotonic() + settings.state_interval
        self.state_seq = 0  # numbers the broker.state events, for subscribers of those alone
        self.longest_pass = 0.0  # seconds from a poll's wake-up to the next poll, at most
        self._stop = False
        self._waker = Waker()

        self.router = self.context.socket(zmq.ROUTER)
        # An unroutable reply raises instead of vanishing, and a full peer never blocks the loop.
        self.router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        # A worker that reconnects under the same identity takes over from its old connection.
        self.router.setsockopt(zmq.ROUTER_HANDOVER, 1)
        # libzmq drops a message past twice the limit with its connection, uncounted; one
        # between the two arrives here, and is dropped and counted (`oversized` in status).
        self.router.setsockopt(zmq.MAXMSGSIZE, 2 * MAX_MESSAGE_BYTES)
        self.router.setsockopt(zmq.LINGER, 0)
        self.pub = self.context.socket(zmq.XPUB)  # hears subscriptions: see events.py
        self.pub.setsockopt(zmq.LINGER, 0)
        self.pub.setsockopt(zmq.MAXMSGSIZE, 64 * 1024)  # what comes in is subscriptions only
        # CURVE: the broker's key pair on both sockets, and a ZAP handler admitting the allow-list.
        self.guard = Guard(self.context, security.keys) if curve else None
        for sock in (self.router, self.pub):
            if self.guard is not None:
                self.guard.serve(sock)
        self.endpoint = self._bind(self.router, bind)
        self.events_endpoint = self._bind(self.pub, events_bind)
        self.events = Publisher(self.pub)

    @staticmethod
    def _bind(sock: zmq.Socket[bytes], endpoint: str) -> str:
        if endpoint.startswith("ipc://"):
            path = endpoint[len("ipc://") :]
            if os.path.exists(path):
                if _answers(path):
                    raise EndpointInUse(f"another process serves {endpoint}")
                os.unlink(path)  # left by a broker that was killed; ours now
        sock.bind(endpoint)
        return str(sock.getsockopt_string(zmq.LAST_ENDPOINT))

    # -- lifecycle -----------------------------------------------------------------------------

    def run(self) -> None:
        self.flow.jobs.recover()
        self.store.commit()
        self.flow.line_up_stored()
        self.settings.home.write_endpoints(
            {"broker": self.endpoint, "events": self.events_endpoint, "pid": os.getpid()}
        )
        log.info(
            "broker %d serving on %s, events on %s",
            os.getpid(),
            self.endpoint,
            self.events_endpoint,
        )
        self.events.publish(Topic.BROKER_STARTED, endpoint=self.endpoint)
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        poller.register(self.pub, zmq.POLLIN)
        # By its descriptor: zmq.Poller gives back a plain socket as a descriptor, so a check
        # for the socket object never saw it ready, and a wake-up left unread spun the loop.
        waker = self._waker.reader.fileno()
        poller.register(waker, zmq.POLLIN)
        while not (self._stop and self.flow.drained()):
            timeout = max(0.0, self._next_deadline() - time.monotonic())
            ready = dict(poller.poll(int(timeout * 1000) + 1))
            woke = time.perf_counter()
            if self.pub in ready:
                self.events.read_subscriptions()
            if self.router in ready:
                self._drain_router()
            if waker in ready:
                self._waker.clear()
            self._housekeeping()
            self.longest_pass = max(self.longest_pass, time.perf_counter() - woke)
        self._shutdown()

    def _shutdown(self) -> None:
        """After the drain: workers told to disconnect, sockets closed, endpoints file removed."""
        self.flush()
        workers = list(self.flow.registry.workers.values())
        log.info("broker stopping: %d worker(s) told to disconnect", len(workers))
        for worker in workers:
            self.send(to_worker(worker.identity, WorkerCommand.DISCONNECT))
        self.close()
        self.settings.home.clear_endpoints()

    def close(self) -> None:
        """Release the sockets (run() does this itself when it stops)."""
        if self._write is not None:
            self._write[2].exception()  # waits for it: the store closes after
            self._collect()
        self._writer.shutdown()
        try:
            self.flow.jobs.history.flush()
        except sqlite3.Error as exc:
            log.warning("the history of the last minute could not be written: %s", exc)
        self.store.close()
        self.router.close(linger=0)
        self.pub.close(linger=0)
        if self.guard is not None:
            self.guard.stop()
        self._waker.close()

    def _drain_router(self) -> None:
        for _ in range(_BATCH):
            if (frames := wire.receive(self.router)) is None:
                break
            if (size := sum(map(len, frames))) > MAX_MESSAGE_BYTES:
                self.oversized += 1
                log.warning(
                    "dropped a message of %d bytes, over the %d-byte limit", size, MAX_MESSAGE_BYTES
                )
                continue
            try:
                self._handle(frames)
            except ProtocolError as exc:
                self.flow.note_malformed()
                log.debug("dropped malformed message (%s)", exc)
        self._end_pass()

    def _end_pass(self) -> None:
        """Group commit, then the replies and dispatches it allows.

        The changes of a pass go to the writer thread in one transaction, one write at a time;
        the loop goes on meanwhile, and changes made in the while wait for the next write. A
        command's reply is sent once a write begun after it has ended, and a new job is put in
        line only once written: no submit is acknowledged, and no new job runs, before it is
        stored. A pass that only moved known jobs along (started, finished) may leave its
        changes for a write at most `commit_delay` later, so that a busy broker writes one
        transaction for many passes. A crash in between costs only a rerun of those jobs,
        which delivery at least once allows anyway.

        If a write fails (a full disk, an I/O error), the submits it held are refused with a
        retryable error and their jobs dropped; its other changes go with the next write.
        """
        self._owed += self._acks
        self._acks = []
        self._collect()
        if self._write is None:
            now = time.monotonic()
            due = self._commit_due is not None and now >= self._commit_due
            if self._owed or self.store.unsaved_new or due or self.store.dirty >= _BATCH:
                self._begin_write()
            elif self.store.dirty and self._commit_due is None:
                self._commit_due = now + self.settings.commit_delay
        self.flow.dispatch()

    def _begin_write(self) -> None:
        self._commit_due = None
        acks, self._owed = self._owed, []
        if (write := self.store.prepare()) is None:
            self._reply(acks)  # nothing to write: nothing to wait for
            return
        future = self._writer.submit(self.store.write, write)
        future.add_done_callback(lambda _: self._waker.wake())
        self._write = (write, acks, future)

    def _collect(self) -> None:
        """The write in flight, if it has ended: its replies sent, its new jobs in line (or
        refused, and their submitters told)."""
        if self._write is None or not self._write[2].done():
            return
        write, acks, future = self._write
        self._write = None
        failure = future.exception()
        refused = self.store.done(write, failure)
        if failure is not None:
            self.store_errors += 1
            log.error("the job store could not commit: %s", failure)
            ids = self.flow.jobs.refuse(refused)  # never dispatched; the clients are told
            refusal = error(ErrorType.UNAVAILABLE, f"the job store could not save it: {failure}")
            for i, (client, service, reply, new) in enumerate(acks):
                if new & ids:
                    acks[i] = (client, service, {**refusal, "rid": reply.get("rid")}, new)
        self.flow.line_up_stored()
        self._reply(acks)

    def _reply(self, acks: list[Ack]) -> None:
        for client, service, reply, _ in acks:
            self.send(client_reply(client, service, [self._pack_reply(reply)]))

    def flush(self) -> None:
        """Wait for every change to be written, then send the replies and start the jobs that
        this allows: at the end, and for tests that drive the broker pass by pass."""
        self._finish_writes()
        self.flow.dispatch()

    def _finish_writes(self) -> None:
        """What is left written (waiting for it now), and the replies it owes."""
        for _ in range(3):  # a store that keeps failing is not waited for forever
            if self._write is not None:
                self._write[2].exception()
                self._collect()
            if not (self._owed or self.store.dirty or self.store.unsaved_new):
                break
            self._begin_write()
        if self._write is not None:
            self._write[2].exception()
            self._collect()

    def _pack_reply(self, reply: dict[str, Any]) -> bytes:
        """A command's reply; one the codec refuses (a number past 64 bits that a client sent
        and a command echoed) becomes an error reply, not the broker's end."""
        try:
            return pack(reply)
        except (TypeError, ValueError, OverflowError) as exc:
            log.warning("could not encode a reply: %s", exc)
            return pack(error(ErrorType.BAD_REQUEST, f"the reply could not be encoded: {exc}"))

    def send(self, frames: list[bytes]) -> bool:
        try:
            wire.send(self.router, frames)
            return True
        except (zmq.Again, zmq.ZMQError) as exc:
            # The peer is gone (EHOSTUNREACH) or not reading: it will ask again, we move on.
            log.debug("could not send to %r: %s", frames[0][:32], exc)
            return False

    def publish(self, topic: Topic, /, **fields: Any) -> None:
        self.events.publish(topic, **fields)

    def listened(self, topic: Topic) -> bool:
        return self.events.wanted(topic)

    def _describe(self) -> dict[str, Any]:
        """The broker's own facts, for a snapshot of the job flow (state.py)."""
        now = time.time()
        return {
            "seq": self.events.seq,
            "state_seq": self.state_seq,
            "store_errors": self.store_errors,
            "broker": {
                "pid": os.getpid(),
                "endpoint": self.endpoint,
                "events": self.events_endpoint,
                "started": self.started,
                "uptime": now - self.started,
                "oversized": self.oversized,
                "curve": self.guard is not None,
                "auth_refused": self.guard.allow.refused if self.guard else 0,
                "events_published": self.events.seq,
                "events_unwatched": self.events.skipped,
                "longest_pass": self.longest_pass,
            },
        }

    # -- one message ---------------------------------------------------------------------------

    def _handle(self, frames: list[bytes]) -> None:
        changes = self.store.changes
        if (ack := inbound.handle(self.flow, frames)) is not None:
            if self.store.changes == changes and ack[1] != _SUBMIT:
                # It only read: nothing of it to write first. A submit always waits, even one
                # whose key names a job already known: that job may not be written yet.
                self._reply([ack])
            else:
                self._acks.append(ack)  # sent once a write begun after it has ended

    # -- time ----------------------------------------------------------------------------------

    def _next_deadline(self) -> float:
        deadlines = [self.flow.next_deadline()]
        for extra in (
            self.maintenance.next_deadline(),
            self._commit_due,
            self._next_state if self.settings.state_interval > 0 else None,
        ):
            if extra is not None:
                deadlines.append(extra)
        return min(deadlines)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        self.flow.tick()
        self.maintenance.run_due(self.flow, now)
        if self.settings.state_interval > 0 and now >= self._next_state:
            self._next_state = now + self.settings.state_interval
            self.state_seq += 1
            snapshot = state.snapshot(self.flow)
            self.flow.jobs.history.sample(
                {name: q["due"] for name, q in snapshot["queues"].items()}, time.time()
            )
            self.events.publish(Topic.BROKER_STATE, state=snapshot, state_seq=self.state_seq)
        self._end_pass()
