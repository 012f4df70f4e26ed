"""The broker's worker registry: each connected worker, and each service (a queue of jobs and
its idle workers), with the bookkeeping that keeps them consistent."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from broker.jobs import JobQueue


@dataclass(eq=False)
class Worker:
    identity: bytes
    services: list[str]
    expiry: float
    native: bool = False  # sent docmill metadata with READY, so its replies are msgpack maps
    pid: int | None = None
    host: str | None = None
    label: str | None = None  # the name it gave in READY (one per worker, not per connection)
    pool: str | None = None  # the pool that spawned it, from READY: its workers die together
    # A worker of its pool was found dead: no job for it until it shows it is alive.
    suspect: bool = False
    job: str | None = None
    jobs_done: int = 0
    waiting_in: set[str] = field(default_factory=set)  # services whose idle list holds us
    last_seen: float = field(default_factory=time.time)
    stats: dict[str, Any] = field(default_factory=dict)  # CPU and memory, from its supervisor

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        ident = self.identity
        return ident.decode() if ident.isascii() and ident.decode().isprintable() else ident.hex()

    def view(self) -> dict[str, Any]:
        return {
            **self.stats,  # a pool's measures; never in place of the broker's own fields
            "id": self.name,
            "pid": self.pid,
            "host": self.host,
            "pool": self.pool,
            "queues": self.services,
            "state": "busy" if self.job else "idle",
            "job": self.job,
            "jobs_done": self.jobs_done,
            "last_seen": self.last_seen,
        }


@dataclass(eq=False)
class Service:
    name: str
    queue: JobQueue = field(default_factory=JobQueue)
    waiting: deque[Worker] = field(default_factory=deque)  # idle workers, oldest first
    paused: bool = False  # jobs are accepted and kept, but none is started


class Registry:
    """Who is connected, who is idle for which service, and which job each worker holds."""

    def __init__(self, liveness: float) -> None:
        self.liveness = liveness  # seconds of silence after which a worker is taken for dead
        self.workers: dict[bytes, Worker] = {}
        self.services: dict[str, Service] = {}
        self.undispatched: set[str] = set()  # services to offer work to at the end of the pass

    def service(self, name: str) -> Service:
        service = self.services.get(name)
        if service is None:
            service = self.services[name] = Service(name)
        return service

    def by_name(self, name: str) -> Worker | None:
        return next((w for w in self.workers.values() if w.name == name), None)

    def holder(self, job_id: str) -> Worker | None:
        return next((w for w in self.workers.values() if w.job == job_id), None)

    def serving(self, name: str) -> bool:
        return any(name in w.services for w in self.workers.values())

    def add(self, worker: Worker) -> None:
        self.touch(worker)
        self.workers[worker.identity] = worker

    def touch(self, worker: Worker) -> None:
        """The worker showed it is alive: it may expire later, and take jobs if suspect."""
        worker.last_seen = time.time()
        worker.expiry = time.monotonic() + self.liveness
        if worker.suspect:
            worker.suspect = False
            if worker.job is None:
                self.idle(worker)

    def suspect_pool(self, dead: Worker) -> list[Worker]:
        """`dead` was taken for dead: the other workers of its pool most likely died with it
        (a killed pool takes its workers along), so none gets a job until it is heard from."""
        if dead.pool is None:
            return []
        peers = [w for w in self.workers.values() if w.pool == dead.pool and w is not dead]
        for worker in peers:
            worker.suspect = True
        return peers

    def forget(self, worker: Worker) -> bool:
        """Remove a worker; False if it was not (or no longer) registered."""
        if self.workers.get(worker.identity) is not worker:
            return False
        del self.workers[worker.identity]
        return True

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
            if self.workers.get(worker.identity) is worker and worker.job is None:
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
