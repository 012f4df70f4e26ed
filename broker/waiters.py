"""Long-polling `docmill.result` calls: who waits for which jobs, and until when.

Plain bookkeeping: the job flow tells it which job ended and what time it is, and answers the
waiters it gets back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from broker.jobs import Job
from docmill.protocol import JobStatus


@dataclass(eq=False)
class Waiter:
    client: bytes
    service: bytes
    ids: list[str]
    pending: set[str]
    deadline: float  # monotonic
    rid: Any = None
    done: bool = False


@dataclass
class Waiters:
    by_job: dict[str, list[Waiter]] = field(default_factory=dict)
    active: set[Waiter] = field(default_factory=set)

    def add(self, waiter: Waiter) -> None:
        self.active.add(waiter)
        for job_id in waiter.pending:
            self.by_job.setdefault(job_id, []).append(waiter)

    def settled(self, job_id: str) -> list[Waiter]:
        """`job_id` ended: the waiters with nothing left to wait for, to be answered now."""
        ready = []
        for waiter in self.by_job.pop(job_id, []):
            waiter.pending.discard(job_id)
            if not waiter.pending and not waiter.done:
                ready.append(self._close(waiter))
        return ready

    def expire(self, now: float) -> list[Waiter]:
        """The waiters whose time is up, to be answered now with what there is."""
        return [self._close(w) for w in [w for w in self.active if w.deadline <= now]]

    def next_deadline(self) -> float | None:
        return min((w.deadline for w in self.active), default=None)

    def _close(self, waiter: Waiter) -> Waiter:
        waiter.done = True
        self.active.discard(waiter)
        for job_id in waiter.pending:  # jobs still running: drop the index entries
            entries = self.by_job.get(job_id, [])
            if waiter in entries:
                entries.remove(waiter)
                if not entries:
                    del self.by_job[job_id]
        return waiter


def views(found: dict[str, Job], job_ids: list[str]) -> list[dict[str, Any]]:
    """Each job's view, in the order of `job_ids`, from the jobs found of them."""
    unknown = JobStatus.UNKNOWN.value
    return [job.view() if (job := found.get(i)) else {"id": i, "status": unknown} for i in job_ids]
