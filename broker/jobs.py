"""Jobs as plain records, and the store the broker keeps them in.

`MemoryStore` is the store's contract in its simplest form. The broker talks to it only through
`add`, `save`, `get`, `counts` and `commit`, and sends a submit's acknowledgement only after the
`commit` that follows it, so a durable store can group its commits behind the same calls.
"""

from __future__ import annotations

import heapq
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from broker.protocol import JobStatus

DEFAULT_QUEUE = "documents"
DEFAULT_MAX_ATTEMPTS = 3


def new_job_id() -> str:
    """32 hex digits, the form Titanic (RFC 9) gives its request ids."""
    return uuid.uuid4().hex


@dataclass(slots=True)
class Job:
    id: str
    task: str
    queue: str
    args: dict[str, Any] = field(default_factory=dict)
    # The request frames of a plain MDP call, sent to the worker as they came.
    body: list[bytes] | None = None
    priority: int = 0
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    timeout: float | None = None
    status: JobStatus = JobStatus.QUEUED
    attempts: int = 0
    result: Any = None
    error: dict[str, Any] | None = None
    worker: str | None = None
    # ROUTER identity of a synchronous MDP caller waiting for the reply, if any.
    reply_to: bytes | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    def view(self) -> dict[str, Any]:
        """What `docmill.result` tells a client about the job."""
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status.value,
            "task": self.task,
            "queue": self.queue,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "worker": self.worker,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
        }
        if self.status is JobStatus.SUCCEEDED:
            out["result"] = self.result
        if self.error is not None:
            out["error"] = self.error
        return out


class MemoryStore:
    """Jobs held in this process; what a restart forgets."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> None:
        self._jobs[job.id] = job

    def save(self, job: Job) -> None:
        """Record a change of state (a no-op here: the record is the stored object)."""

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def commit(self) -> None:
        """Make everything added or saved so far durable."""

    def counts(self) -> dict[str, int]:
        return dict(Counter(job.status.value for job in self._jobs.values()))

    def unfinished(self) -> list[Job]:
        return [job for job in self._jobs.values() if not job.status.terminal]


class JobQueue:
    """Waiting job ids of one service: highest priority first, then first come first served."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, str]] = []
        self._seq = itertools.count()

    def push(self, job: Job) -> None:
        heapq.heappush(self._heap, (-job.priority, next(self._seq), job.id))

    def pop(self) -> str | None:
        return heapq.heappop(self._heap)[2] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
