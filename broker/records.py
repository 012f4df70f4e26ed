"""The broker's two small records: a connected worker, and a service (a queue and its idle
workers)."""

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
    job: str | None = None
    jobs_done: int = 0
    waiting_in: set[str] = field(default_factory=set)  # services whose idle list holds us
    last_seen: float = field(default_factory=time.time)
    stats: dict[str, Any] = field(default_factory=dict)  # CPU and memory, from its supervisor

    @property
    def name(self) -> str:
        ident = self.identity
        return ident.decode() if ident.isascii() and ident.decode().isprintable() else ident.hex()

    def view(self) -> dict[str, Any]:
        return {
            "id": self.name,
            "pid": self.pid,
            "host": self.host,
            "queues": self.services,
            "state": "busy" if self.job else "idle",
            "job": self.job,
            "jobs_done": self.jobs_done,
            "last_seen": self.last_seen,
            **self.stats,
        }


@dataclass(eq=False)
class Service:
    name: str
    queue: JobQueue = field(default_factory=JobQueue)
    waiting: deque[Worker] = field(default_factory=deque)  # idle workers, oldest first
    paused: bool = False  # jobs are accepted and kept, but none is started
