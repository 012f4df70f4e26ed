"""The broker's worker registry: each connected worker, each service (a queue of jobs and its
idle workers), and the in-flight table, which job each worker runs, kept here and nowhere else
(a job's `worker` field, what the store and views show, is written only by it)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from broker.clock import Clock
from broker.jobs import Job, JobQueue


@dataclass(eq=False)
class Worker:
    identity: bytes
    services: list[str]
    expiry: float = 0.0  # monotonic time after which silence means it is dead
    native: bool = False  # sent docmill metadata with READY, so its replies are msgpack maps
    pid: int | None = None
    host: str | None = None
    label: str | None = None  # the name it gave in READY (one per worker, not per connection)
    pool: str | None = None  # the pool that spawned it, from READY: its workers die together
    # A worker of its pool was found dead: no job for it until it shows it is alive.
    suspect: bool = False
    jobs_done: int = 0
    waiting_in: set[str] = field(default_factory=set)  # services whose idle list holds us
    last_seen: float = 0.0  # wall-clock time it was last heard from
    stats: dict[str, Any] = field(default_factory=dict)  # CPU and memory, from its supervisor

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        ident = self.identity
        return ident.decode() if ident.isascii() and ident.decode().isprintable() else ident.hex()


@dataclass(eq=False)
class Service:
    name: str
    queue: JobQueue = field(default_factory=JobQueue)
    waiting: deque[Worker] = field(default_factory=deque)  # idle workers, oldest first
    paused: bool = False  # jobs are accepted and kept, but none is started


class Registry:
    """Who is connected, who is idle for which service, and which job each worker runs."""

    def __init__(self, liveness: float, clock: Clock) -> None:
        self.liveness = liveness  # seconds of silence after which a worker is taken for dead
        self._clock = clock
        self.workers: dict[bytes, Worker] = {}
        self.services: dict[str, Service] = {}
        self.undispatched: set[str] = set()  # services to offer work to at the end of the pass
        self._running: dict[Worker, Job] = {}  # the in-flight table

    def service(self, name: str) -> Service:
        service = self.services.get(name)
        if service is None:
            service = self.services[name] = Service(name)
        return service

    def by_name(self, name: str) -> Worker | None:
        return next((w for w in self.workers.values() if w.name == name), None)

    def serving(self, name: str) -> bool:
        return any(name in w.services for w in self.workers.values())

    def add(self, worker: Worker) -> None:
        self.touch(worker)
        self.workers[worker.identity] = worker

    def touch(self, worker: Worker) -> None:
        """The worker showed it is alive: it may expire later, and take jobs if suspect."""
        worker.last_seen = self._clock.time()
        worker.expiry = self._clock.monotonic() + self.liveness
        if worker.suspect:
            worker.suspect = False
            if worker not in self._running:
                self.idle(worker)

    def forget(self, worker: Worker) -> bool:
        """Remove a worker; False if it was not (or no longer) registered. Release its job
        (`release`) before: the table keeps nothing of a worker that is gone."""
        if self.workers.get(worker.identity) is not worker:
            return False
        del self.workers[worker.identity]
        return True

    def measured(self, name: str, measures: Any) -> bool:
        """A pool's measures of its worker `name` (CPU, memory); False if unknown here."""
        worker = self.by_name(name)
        if worker is None or not isinstance(measures, dict):
            return False
        worker.stats = {k: v for k, v in measures.items() if isinstance(v, int | float)}
        return True

    def suspect_pool(self, dead: Worker) -> list[Worker]:
        """`dead` was taken for dead: the other workers of its pool most likely died with it
        (a killed pool takes its workers along), so none gets a job until it is heard from."""
        if dead.pool is None:
            return []
        peers = [w for w in self.workers.values() if w.pool == dead.pool and w is not dead]
        for worker in peers:
            worker.suspect = True
        return peers

    # -- the in-flight table --------------------------------------------------------------------

    def bind(self, worker: Worker, job: Job) -> None:
        self._running[worker] = job
        job.worker = worker.name

    def release(self, worker: Worker) -> Job | None:
        """The job `worker` ran, no longer its (None if it ran none)."""
        job = self._running.pop(worker, None)
        if job is not None:
            job.worker = None
        return job

    def job_of(self, worker: Worker) -> Job | None:
        return self._running.get(worker)

    def holder(self, job_id: str) -> Worker | None:
        return next((w for w, job in self._running.items() if job.id == job_id), None)

    def running(self) -> list[tuple[Worker, Job]]:
        return list(self._running.items())

    # -- idle workers ---------------------------------------------------------------------------

    def idle(self, worker: Worker) -> None:
        """The worker can take a job from any of its services (at the end of this pass)."""
        for name in worker.services:
            service = self.service(name)
            if name not in worker.waiting_in:  # one entry per worker and service, at most
                worker.waiting_in.add(name)
                service.waiting.append(worker)
            self.undispatched.add(name)

    def next_idle(self, service: Service) -> Worker | None:
        """The longest-idle worker of a service, skipping entries gone stale."""
        while service.waiting:
            worker = service.waiting.popleft()
            worker.waiting_in.discard(service.name)
            if self.workers.get(worker.identity) is worker and worker not in self._running:
                if not worker.suspect:
                    return worker
                continue  # back in line once it is heard from (touch)
            # stale: this worker left, or took a job through another of its services
        return None

    def give_back(self, service: Service, worker: Worker) -> None:
        """A worker taken by next_idle that got no job stays first in line."""
        service.waiting.appendleft(worker)
        worker.waiting_in.add(service.name)

    def expired(self, now: float) -> list[Worker]:
        return [w for w in self.workers.values() if w.expiry <= now]

    def next_expiry(self) -> float | None:
        return min((w.expiry for w in self.workers.values()), default=None)

    def view(self, worker: Worker) -> dict[str, Any]:
        job = self._running.get(worker)
        return {
            **worker.stats,  # a pool's measures; never in place of the broker's own fields
            "id": worker.name,
            "pid": worker.pid,
            "host": worker.host,
            "pool": worker.pool,
            "queues": worker.services,
            "state": "busy" if job else "suspect" if worker.suspect else "idle",
            "job": job.id if job else None,
            "jobs_done": worker.jobs_done,
            "last_seen": worker.last_seen,
        }
