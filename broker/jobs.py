"""Jobs as plain records, the retry policy, and the per-service queue of waiting jobs."""

from __future__ import annotations

import heapq
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from docmill.protocol import JobStatus

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF = 1.0  # seconds before the first retry, at most (full jitter)
DEFAULT_BACKOFF_MAX = 300.0  # the cap on any one retry delay


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))].

    Full jitter spreads the retries of jobs that failed together (a locked share, a full disk)
    instead of bringing them back in one wave.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(0.0, ceiling)


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
    not_before: float | None = None  # wall-clock time before which the job does not run
    key: str | None = None  # idempotency key: a second submit with it returns this job
    parent: str | None = None  # the batch this job belongs to
    backoff: float = DEFAULT_BACKOFF
    backoff_max: float = DEFAULT_BACKOFF_MAX
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
    # The status the store counts this job under (store.py); None until it is first stored.
    counted: JobStatus | None = field(default=None, compare=False, repr=False)

    def view(self) -> dict[str, Any]:
        """What `docmill.result` tells a client about the job."""
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status.value,
            "task": self.task,
            "queue": self.queue,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "not_before": self.not_before,
            "key": self.key,
            "parent": self.parent,
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


class JobQueue:
    """Waiting job ids of one service: highest priority first, then oldest first.

    Age is the job's creation time, so a job back in line (a retry, a dead worker's job, a job
    whose parts are done) takes its old place, and the parts of a job take their parent's.
    A job purged from the line (`discard`) is skipped when its turn comes, without asking the
    store about it; once such ids are half the line, the line is rebuilt without them, so a
    queue emptied a page at a time costs each page its own size, amortised.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, float, int, str]] = []
        self._seq = itertools.count()
        self._discarded: set[str] = set()

    def push(self, job: Job) -> None:
        self._discarded.discard(job.id)  # back in line after all (a retry by hand)
        heapq.heappush(self._heap, (-job.priority, job.created, next(self._seq), job.id))

    def pop(self) -> str | None:
        while self._heap:
            job_id = heapq.heappop(self._heap)[3]
            if job_id not in self._discarded:
                return job_id
            self._discarded.discard(job_id)
        return None

    def discard(self, job_id: str) -> None:
        """Take a waiting job out of the line (purged)."""
        self._discarded.add(job_id)
        if len(self._discarded) * 2 > len(self._heap):
            self._heap = [entry for entry in self._heap if entry[3] not in self._discarded]
            heapq.heapify(self._heap)
            self._discarded.clear()

    def ids(self) -> set[str]:
        return {entry[3] for entry in self._heap} - self._discarded

    def __len__(self) -> int:
        return max(0, len(self._heap) - len(self._discarded))
