"""A stepping harness for the broker's job flow, in the spirit of dramatiq's StubBroker and huey's
`execute_next`: the same handlers and `JobFlow` the broker runs, with a recording outlet instead
of sockets and a clock that moves only when a test moves it.

    flow = Stepper(tmp_path)
    worker = flow.worker("w1", pool="host/1")
    job_id = flow.client().submit("noop")
    job = worker.take()              # the REQUEST the broker sent it
    worker.fail(job, "timeout")      # a retryable error: a retry is scheduled
    flow.advance(1.0)                # the backoff passes, and the job goes to the worker again

A pass here is what a pass of the broker's loop is: messages handled, the store committed (every
pass: the group-commit delay is the broker's concern, not the flow's), the commands' replies
sent, idle workers given jobs; `advance` then moves the clock and runs the housekeeping
(heartbeats, expiry, timers, long polls, maintenance). Nothing here sleeps or waits.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from broker import inbound, maintenance
from broker.blobs import Blobs
from broker.client_side import Ack
from broker.flow import JobFlow
from broker.jobs import Job
from broker.store import SqliteStore
from docmill.home import Home
from docmill.protocol import (
    MDPW,
    Command,
    Topic,
    WorkerCommand,
    client_reply,
    pack,
    ready,
    reply,
    request,
    unpack,
    worker_signal,
)
from docmill.settings import BrokerSettings, CheckSettings, MaintenanceSettings

# Periodic clean-ups and checks off unless a test asks for them, as in conftest's homes.
QUIET_MAINTENANCE = MaintenanceSettings(cleanup_jobs_interval=0, cleanup_outputs_interval=0)
QUIET_CHECKS = CheckSettings(interval=0)


class FakeClock:
    """Monotonic and wall time that move together, and only by `advance`."""

    def __init__(self, wall: float = 1_800_000_000.0, mono: float = 1_000.0) -> None:
        self._wall, self._mono = wall, mono

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self._mono += seconds


class RecordingOutlet:
    """Frames the flow sends, and events it publishes, kept in order; a peer in `unreachable`
    makes its sends fail as ROUTER_MANDATORY does for a peer that is gone."""

    def __init__(self) -> None:
        self.listeners: set[str] = set()  # topics a subscriber takes, as the XPUB hears them
        self.frames: list[list[bytes]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.unreachable: set[bytes] = set()

    def send(self, frames: list[bytes]) -> bool:
        if frames[0] in self.unreachable:
            return False
        self.frames.append(list(frames))
        return True

    def publish(self, topic: Topic, /, **fields: Any) -> None:
        self.events.append((topic.value, fields))

    def listened(self, topic: Topic) -> bool:
        return topic.value in self.listeners

    def to(self, identity: bytes) -> list[list[bytes]]:
        """What was sent to `identity`, without its routing frame."""
        return [f[1:] for f in self.frames if f[0] == identity]


class Stepper:
    def __init__(self, folder: Path, **settings: Any) -> None:
        home = Home(folder / "home").ensure()
        settings.setdefault("maintenance", QUIET_MAINTENANCE)
        settings.setdefault("checks", QUIET_CHECKS)
        self.settings = BrokerSettings(home=home, **settings)
        self.clock = FakeClock()
        self.outlet = RecordingOutlet()
        self.store = SqliteStore(home.state / "jobs.db", "NORMAL")
        self.flow = self._flow()
        self._acks: list[Ack] = []
        self._names = itertools.count(1)
        self._workers: list[StubWorker] = []

    def _flow(self) -> JobFlow:
        blobs = Blobs(self.settings.home.state / "blobs", self.settings.security.max_inline_bytes)
        flow = JobFlow(
            self.settings, self.store, blobs, self.outlet, self.clock, rng=random.Random(7)
        )
        self.schedule = maintenance.Schedule(
            self.settings.maintenance, self.settings.checks, self.clock.monotonic()
        )
        return flow

    def close(self) -> None:
        self.store.close()

    def restart(self) -> None:
        """A broker that stopped (or was killed after its last commit) and starts again on the
        same store: a new flow, which takes back the unfinished jobs."""
        self.store.close()
        self.store = SqliteStore(self.settings.home.state / "jobs.db", "NORMAL")
        self.flow = self._flow()
        self.flow.jobs.recover()
        self.end_pass()

    # -- passes -----------------------------------------------------------------------------------

    def deliver(self, frames: list[bytes]) -> None:
        """One message as the ROUTER reads it, then the end of the pass."""
        if (ack := inbound.handle(self.flow, frames)) is not None:
            self._acks.append(ack)
        self.end_pass()

    def end_pass(self) -> None:
        self.store.commit()
        self.flow.line_up_stored()
        acks, self._acks = self._acks, []
        for client, service, answer, _ in acks:
            self.outlet.send(client_reply(client, service, [pack(answer)]))
        self.flow.dispatch()

    def drained(self) -> bool:
        """One pass of a stopping broker: whether it may stop now (the first call starts the
        drain, as SIGTERM does)."""
        done = self.flow.drained()
        self.end_pass()
        return done

    def advance(self, seconds: float = 0.0) -> None:
        """Move the clock by `seconds`, one housekeeping pass at each deadline on the way (so a
        heartbeat due every second goes out every second), and one at the end."""
        end = self.clock.monotonic() + seconds
        while (deadline := self._next_deadline()) < end:
            self.clock.advance(max(0.0, deadline - self.clock.monotonic()))
            self._housekeeping()
        self.clock.advance(end - self.clock.monotonic())
        self._housekeeping()

    def _next_deadline(self) -> float:
        return min(self.flow.next_deadline(), self.schedule.next_deadline() or float("inf"))

    def _housekeeping(self) -> None:
        for worker in self._workers:
            if worker.alive:  # a live worker's heartbeat, at least once an interval
                worker.heartbeat()
        self.flow.tick()
        self.schedule.run_due(self.flow, self.clock.monotonic())
        self.end_pass()

    # -- peers ------------------------------------------------------------------------------------

    def worker(self, name: str | None = None, **meta: Any) -> StubWorker:
        """A native worker, registered (READY sent) with `meta` (queues, pool, pid, ...)."""
        stub = StubWorker(self, name or f"w{next(self._names)}")
        self._workers.append(stub)
        stub.ready(**meta)
        return stub

    def plain_worker(self, identity: bytes, service: bytes = b"documents") -> StubWorker:
        """An RFC 7 worker: a READY without metadata."""
        stub = StubWorker(self, identity.decode())
        stub.identity = identity
        self._workers.append(stub)
        self.deliver([identity, *ready(service)])
        return stub

    def client(self, identity: bytes = b"client") -> StubClient:
        return StubClient(self, identity)

    # -- looking -----------------------------------------------------------------------------------

    def job(self, job_id: str) -> Job:
        job = self.store.get(job_id)
        assert job is not None, f"no job {job_id}"
        return job

    def topics(self, job_id: str | None = None) -> list[str]:
        return [t for t, f in self.outlet.events if job_id is None or f.get("job") == job_id]


class StubWorker:
    """A worker's DEALER, by hand: what it sends goes through the flow at once. While `alive`
    it heartbeats on each housekeeping pass of `Stepper.advance`, as a real worker does."""

    def __init__(self, stepper: Stepper, name: str) -> None:
        self.stepper = stepper
        self.name = name
        self.identity = f"{name}#1".encode()
        self.alive = True
        self._seen = 0  # frames sent to it already taken by `take`

    def ready(self, queues: tuple[str, ...] = ("documents",), **meta: Any) -> None:
        body = {"queues": list(queues), "name": self.name, **meta}
        self.stepper.deliver([self.identity, *ready(queues[0].encode(), body)])

    def requests(self) -> list[dict[str, Any]]:
        """Every job request the broker sent this worker, as maps."""
        return [
            unpack(f[5])
            for f in self.stepper.outlet.to(self.identity)
            if f[1:3] == [MDPW, WorkerCommand.REQUEST.value]
        ]

    def take(self) -> dict[str, Any]:
        """The next job request sent to this worker since the last `take`; fails if none."""
        got = self.requests()
        assert len(got) > self._seen, f"worker {self.name} was sent no new job"
        self._seen += 1
        return got[self._seen - 1]

    def has_new_job(self) -> bool:
        return len(self.requests()) > self._seen

    def commands(self) -> list[bytes]:
        """The worker commands sent to it, in order (REQUEST, HEARTBEAT, DISCONNECT...)."""
        return [f[2] for f in self.stepper.outlet.to(self.identity) if f[1:2] == [MDPW]]

    def answer(self, job: dict[str, Any], outcome: dict[str, Any]) -> None:
        self.stepper.deliver([self.identity, *reply(job["id"].encode(), [pack(outcome)])])

    def succeed(self, job: dict[str, Any], result: Any = None) -> None:
        self.answer(job, {"ok": True, "result": result})

    def fail(self, job: dict[str, Any], kind: str, message: str = "failed") -> None:
        self.answer(job, {"ok": False, "error": {"type": kind, "message": message}})

    def heartbeat(self) -> None:
        self.stepper.deliver([self.identity, *worker_signal(WorkerCommand.HEARTBEAT)])

    def die(self) -> None:
        """Killed: it says nothing from now on."""
        self.alive = False

    def unreachable(self) -> None:
        """Killed, and its connection gone: every send to it fails from now on."""
        self.die()
        self.stepper.outlet.unreachable.add(self.identity)


class StubClient:
    """A client's DEALER, by hand: commands answered within the same pass."""

    def __init__(self, stepper: Stepper, identity: bytes) -> None:
        self.stepper = stepper
        self.identity = identity

    def call(self, command: Command, body: dict[str, Any]) -> dict[str, Any] | None:
        """The command's answer, or None while it is held (a long poll)."""
        before = len(self.stepper.outlet.to(self.identity))
        frames = [self.identity, *request(command.value.encode(), [pack(body)])]
        self.stepper.deliver(frames)
        return self.answer(before)

    def answer(self, after: int = 0) -> dict[str, Any] | None:
        """The last answer to this client past its first `after` ones, if any."""
        sent = self.stepper.outlet.to(self.identity)[after:]
        return unpack(sent[-1][3]) if sent else None

    def submit(self, task: str, **spec: Any) -> str:
        answer = self.call(Command.SUBMIT, {"task": task, **spec})
        assert answer is not None and answer["ok"], answer
        return str(answer["id"])

    def result(self, job_id: str) -> dict[str, Any]:
        """The job's view, as `docmill.result` gives it."""
        answer = self.call(Command.RESULT, {"id": job_id})
        assert answer is not None and answer["ok"], answer
        return dict(answer["jobs"][0])
