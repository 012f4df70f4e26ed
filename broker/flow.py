"""The job flow: the one owner of the jobs and of everything that moves them.

`JobFlow` holds the worker registry with its in-flight table (records.py), and the job state
machine (lifecycle.py) with the store, the timers, the long-poll waiters and the open batches.
Every change of a job's state goes through it: here what concerns workers (dispatch, a reply,
a worker gone, heartbeats, the drain), in `jobs` the states themselves. It writes to the world
only through an `Outlet` (frames to a peer, events) and reads the time only from its `Clock`,
so a test can step it without sockets or waiting (tests/stepping.py). The broker (broker.py)
owns the sockets, the loop and the commit; message handlers are given this object.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from broker.blobs import Blobs
from broker.clock import Clock, SystemClock
from broker.fleet import Fleet
from broker.jobs import Job
from broker.lifecycle import Lifecycle, Outlet
from broker.records import Registry, Service, Worker
from broker.store import SqliteStore
from docmill.protocol import (
    DEFAULT_QUEUE,
    ErrorType,
    JobStatus,
    Topic,
    WorkerCommand,
    error,
    pack,
    to_worker,
    worker_request,
)
from docmill.settings import BrokerSettings

log = logging.getLogger(__name__)


class JobFlow:
    def __init__(
        self,
        settings: BrokerSettings,
        store: SqliteStore,
        blobs: Blobs,
        outlet: Outlet,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        describe: Callable[[], dict[str, Any]] = dict,
        stop: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.outlet = outlet
        self.stop = stop  # asks the broker to drain and leave (docmill.stop, no supervisor)
        self.clock: Clock = clock or SystemClock()
        self.describe = describe  # the broker's own facts for a snapshot (endpoints, counters)
        liveness = settings.heartbeat_interval * settings.heartbeat_liveness
        self.registry = Registry(liveness, self.clock)
        self.jobs = Lifecycle(store, blobs, outlet, self.clock, self._queue, rng)
        self.store = store
        self.fleet = Fleet()
        self._turn = 0  # where dispatch starts its turns among the services (see dispatch)
        self.unstored: dict[str, Job] = {}  # new jobs in line once the store has written them
        self.malformed = 0  # messages and replies dropped or failed as unreadable
        self.draining = False  # a stop was asked for: nothing new starts
        self.drain_deadline = 0.0
        self.next_heartbeat = self.clock.monotonic() + settings.heartbeat_interval

    def publish(self, topic: Topic, /, **fields: Any) -> None:
        self.outlet.publish(topic, **fields)

    def send(self, frames: list[bytes]) -> bool:
        return self.outlet.send(frames)

    def note_malformed(self) -> None:
        self.malformed += 1

    # -- dispatch -------------------------------------------------------------------------------

    def _queue(self, job: Job) -> None:
        """In its service's line, once stored (invariant 1); offered to idle workers after."""
        if not self.store.stored(job):
            self.unstored[job.id] = job  # lined up by `line_up_stored` once written
            return
        service = self.registry.service(job.queue or DEFAULT_QUEUE)
        service.queue.push(job)
        self.registry.undispatched.add(service.name)

    def line_up_stored(self) -> None:
        """The jobs held back until written, now written (or refused: they end in no line,
        cancelled, and their place is skipped like any cancelled job's)."""
        held, self.unstored = self.unstored, {}
        for job in held.values():
            self._queue(job)

    def dispatch(self) -> None:
        """Hand waiting jobs to idle workers, in the services that changed (after the commit).

        One job per service in turn, and each call starts its turns one service further on: a
        worker serving several queues takes from each in turn, rather than always from the
        first one met that has work (which starved the others for as long as it had any).
        """
        pending, self.registry.undispatched = self.registry.undispatched, set()
        if not pending:
            return
        names = sorted(pending)
        self._turn = (self._turn + 1) % len(names)
        services = [self.registry.service(n) for n in names[self._turn :] + names[: self._turn]]
        while services:
            services = [service for service in services if self._dispatch_one(service)]

    def _dispatch_one(self, service: Service) -> bool:
        """Start one job of `service` on its longest-idle worker; False once it can start none."""
        if self.draining or service.paused:
            return False  # stopping, or paused by hand: nothing new starts
        while len(service.queue) and (worker := self.registry.next_idle(service)) is not None:
            job = self._next_job(service)
            if job is None:
                self.registry.give_back(service, worker)
                return False
            try:
                args = self.jobs.blobs.args_for(job)
            except OSError as exc:  # its inline bytes are gone: it ends here, unstarted
                self.jobs.finish(job, error(ErrorType.NOT_FOUND, f"inline content: {exc}"))
                self.registry.give_back(service, worker)
                continue
            self._start(worker, job, args)
            return True
        return False

    def _next_job(self, service: Service) -> Job | None:
        while (job_id := service.queue.pop()) is not None:
            job = self.store.get(job_id)
            if job is not None and job.status is JobStatus.QUEUED:
                return job  # anything else was cancelled while it waited
        return None

    def _start(self, worker: Worker, job: Job, args: dict[str, Any]) -> None:
        if job.body is not None:
            body = job.body
        else:
            request: dict[str, Any] = {"id": job.id, "task": job.task, "attempt": job.attempts + 1}
            if job.timeout is not None:
                request["timeout"] = job.timeout
            request["args"] = args  # last: a worker reads the rest without passing over it
            body = [pack(request)]
        if not self.send(worker_request(worker.identity, job.id.encode(), body)):
            # The job never left: it keeps its place in line and its attempts, and the worker
            # (and, while unheard from, the rest of its pool) is out of the running.
            self.remove_worker(worker, "unreachable", dead=True)
            self._queue(job)
            return
        self.jobs.mark_started(job, worker.name)
        self.registry.bind(worker, job)

    # -- workers --------------------------------------------------------------------------------

    def add_worker(self, worker: Worker) -> None:
        if worker.label and (earlier := self.registry.by_name(worker.label)) is not None:
            # The same worker on a new connection: it gave up the old one, and the job it held.
            self.remove_worker(earlier, "reconnected")
        self.registry.add(worker)
        log.info("worker %s ready for %s", worker.name, ", ".join(worker.services))
        self.publish(
            Topic.WORKER_READY, worker=worker.name, worker_pid=worker.pid, queues=worker.services
        )
        self.registry.idle(worker)

    def replied(self, worker: Worker, outcome: dict[str, Any], frames: list[bytes] | None) -> None:
        """`worker` answered the job it holds (worker_side.py checked that it holds one)."""
        job = self.registry.release(worker)
        worker.jobs_done += 1
        if job is not None and job.status is JobStatus.RUNNING:
            self.jobs.finish(job, outcome, frames)
        self.registry.idle(worker)

    def remove_worker(
        self, worker: Worker, reason: str, *, disconnect: bool = False, dead: bool = False
    ) -> str | None:
        """Forget a worker; the job it held goes back to its queue. Returns that job's id.

        `dead`: the broker found it dead itself (silent, unreachable), so the rest of its pool
        is suspect until heard from; one death is charged to its job once, not once per worker.
        """
        if not self.registry.forget(worker):
            return None
        if dead and (peers := self.registry.suspect_pool(worker)):
            log.info("%d worker(s) of pool %s suspect until heard from", len(peers), worker.pool)
        if disconnect:
            self.send(to_worker(worker.identity, WorkerCommand.DISCONNECT))
        job = self.registry.release(worker)
        held = job.id if job else None
        log.info("worker %s gone (%s)%s", worker.name, reason, f", held job {held}" if held else "")
        self.publish(
            Topic.WORKER_GONE, worker=worker.name, worker_pid=worker.pid, reason=reason, job=held
        )
        if job is not None and job.status is JobStatus.RUNNING:
            self.jobs.finish(job, error(ErrorType.WORKER_DIED, f"worker {worker.name} {reason}"))
        return held

    # -- time -----------------------------------------------------------------------------------

    def tick(self) -> None:
        """Heartbeats due, silent workers, long polls out of time, delayed jobs come due."""
        now = self.clock.monotonic()
        if now >= self.next_heartbeat:
            for worker in list(self.registry.workers.values()):
                self.send(to_worker(worker.identity, WorkerCommand.HEARTBEAT))
            self.next_heartbeat = now + self.settings.heartbeat_interval
        for worker in self.registry.expired(now):
            self.remove_worker(worker, "missed heartbeats", dead=True)
        self.jobs.expire_waiters(now)
        self.jobs.release_due()

    def next_deadline(self) -> float:
        deadlines = [self.next_heartbeat]
        for extra in (
            self.registry.next_expiry(),
            self.jobs.waiters.next_deadline(),
            self.jobs.timers.next_deadline(),
            self.drain_deadline if self.draining else None,
        ):
            if extra is not None:
                deadlines.append(extra)
        return min(deadlines)

    def drained(self) -> bool:
        """Called on each pass once a stop is asked for: true once running jobs end or the grace
        runs out (the first call starts the drain); jobs still running then go back in line,
        their attempt uncounted."""
        now = self.clock.monotonic()
        if not self.draining:
            self.draining = True
            self.drain_deadline = now + self.settings.drain_grace
            busy = len(self.registry.running())
            log.info("draining: %d running job(s), %gs grace", busy, self.settings.drain_grace)
            self.publish(Topic.BROKER_STOPPING, running=busy)
        running = self.registry.running()
        if running and now < self.drain_deadline:
            return False
        for worker, job in running:  # out of time: back in line for the next start
            self.registry.release(worker)
            if job.status is JobStatus.RUNNING:
                self.jobs.requeue(job, "the broker stopped", count_attempt=False)
        return True

    # -- by hand -------------------------------------------------------------------------------

    def cancel(self, job: Job) -> None:
        """Cancel a job that has not ended (and its unfinished parts); the worker running one
        is forgotten and told to disconnect, and drops it."""
        for one in self.jobs.cancel(job):
            if (holder := self.registry.holder(one.id)) is not None:
                self.remove_worker(holder, f"cancelled job {one.id}", disconnect=True)

    def purge(self, queue: str, job_ids: list[str]) -> tuple[list[str], list[str]]:
        """Empty `queue` of those of `job_ids` still waiting in it (queued, delayed, or waiting
        for a retry; running ones are left alone): each is cancelled as `cancel` does (its
        waiters answered, `job.cancelled` published), taken out of the line, and deleted.
        A part of a batch or of a job in parts stays, cancelled: its parent's outcome counts
        it. Returns the ids deleted and the ids kept."""
        waiting = (JobStatus.QUEUED, JobStatus.RETRY_SCHEDULED)
        jobs = [j for j in self.store.get_many(job_ids) if j.queue == queue and j.status in waiting]
        service = self.registry.services.get(queue)
        now = self.clock.time()
        for job in jobs:
            lined_up = job.status is JobStatus.QUEUED and (job.not_before or 0.0) <= now
            self.cancel(job)
            if service is not None and lined_up:  # the others wait in a timer, skipped there
                service.queue.discard(job.id)
        deleted = [job.id for job in jobs if job.parent is None]
        self.jobs.delete(deleted)
        return deleted, [job.id for job in jobs if job.parent is not None]

    def pause(self, name: str, paused: bool) -> None:
        """Pause a queue (its jobs wait; running ones finish) or resume it."""
        service = self.registry.service(name)
        if service.paused != paused:
            service.paused = paused
            self.publish(Topic.QUEUE_PAUSED if paused else Topic.QUEUE_RESUMED, queue=name)
            if not paused:
                self.registry.undispatched.add(name)
