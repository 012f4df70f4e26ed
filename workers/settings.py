"""One worker process's settings: where its broker is, what it serves, and its job's limits."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass, field

from docmill.logs import LogTarget
from docmill.protocol import HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS
from docmill.security import ClientKeys
from workers.context import JobContext


@dataclass(frozen=True)
class WorkerSettings:
    """One worker process; the pool gives each its own identity."""

    endpoint: str
    context: JobContext  # what every job sees, its limits among it: the agent enforces them
    # The pool's options of docmill.settings.WorkersSettings, where their defaults are.
    queues: tuple[str, ...]
    task_modules: tuple[str, ...]
    max_jobs: int  # replace the job process after this many jobs; 0: never
    recycle_rss_mb: int  # replace it when, between jobs, its RSS is above this; 0: never
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}/{uuid.uuid4().hex[:8]}")
    # The pool that spawned it (`<host>/<pool pid>`): its workers die together, and the broker
    # stops trusting the others when it finds one dead.
    pool: str | None = None
    heartbeat_interval: float = HEARTBEAT_INTERVAL
    heartbeat_liveness: int = HEARTBEAT_LIVENESS
    # Where to log: the pool sets a file of each worker's own (worker-N.log) when it has one.
    log: LogTarget = field(default_factory=LogTarget)
    keys: ClientKeys | None = None  # CURVE to the broker, when it has keys

    @property
    def liveness(self) -> float:
        """Seconds of silence after which the broker is taken for gone."""
        return self.heartbeat_interval * self.heartbeat_liveness
