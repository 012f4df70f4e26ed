"""The job state machine (DESIGN §3): every change of a job's state happens here.

    queued ──▶ running ──▶ succeeded
       ▲          │
       │          ├──▶ failed            a permanent error (unsupported, malformed, ...)
       │          ├──▶ dead              a retryable error, attempts exhausted
       │          └──▶ retry_scheduled ──┘ (after a backoff with full jitter)
       └── worker died, broker restarted or drained: back in line at once
    queued / retry_scheduled / running ──▶ cancelled

Each change is saved to the store and published on the status stream (invariant 4).
"""

from __future__ import annotations

import heapq
import logging
import time
from typing import TYPE_CHECKING, Any

from broker import batches
from broker.jobs import Job, backoff_delay
from docmill.protocol import RETRYABLE, ErrorType, JobStatus, Topic, client_reply, error, pack

if TYPE_CHECKING:
    from broker.broker import Broker

log = logging.getLogger(__name__)

_RETRYABLE = frozenset(e.value for e in RETRYABLE)


class Timers:
    """Jobs waiting for their `not_before`: delayed submits and scheduled retries."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []

    def add(self, job: Job) -> None:
        heapq.heappush(self._heap, (job.not_before or 0.0, job.id))

    def next_deadline(self) -> float | None:
        """As a time.monotonic() value, like every other deadline of the loop."""
        if not self._heap:
            return None
        return time.monotonic() + max(0.0, self._heap[0][0] - time.time())

    def due(self, now: float) -> list[str]:
        ready = []
        while self._heap and self._heap[0][0] <= now:
            ready.append(heapq.heappop(self._heap)[1])
        return ready

    def ids(self) -> set[str]:
        return {entry[1] for entry in self._heap}

    def __len__(self) -> int:
        return len(self._heap)


def accept(broker: Broker, job: Job) -> None:
    """A new job: store it, publish it, and queue it, schedule it, or fan it out."""
    record(broker, job)
    if job.task == batches.TASK:
        batches.fan_out_batch(broker, job)
    else:
        _line_up(broker, job)


def record(broker: Broker, job: Job) -> None:
    """Store and publish a new job (that the broker may then run itself)."""
    broker.store.add(job)
    broker.events.publish(
        Topic.JOB_SUBMITTED,
        job=job.id,
        task=job.task,
        queue=job.queue,
        priority=job.priority,
        parent=job.parent,
    )


def _line_up(broker: Broker, job: Job) -> None:
    if job.not_before is not None and job.not_before > time.time():
        broker.timers.add(job)
    else:
        broker.queue(job)


def release_due(broker: Broker) -> None:
    for job_id in broker.timers.due(time.time()):
        job = broker.store.get(job_id)
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RETRY_SCHEDULED):
            continue  # cancelled or purged while it waited
        if job.status is JobStatus.RETRY_SCHEDULED:
            job.status = JobStatus.QUEUED
            broker.store.save(job)
            broker.events.publish(Topic.JOB_REQUEUED, job=job.id, attempt=job.attempts)
        broker.queue(job)


def start(broker: Broker, job: Job, worker_name: str) -> None:
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.worker = worker_name
    if job.started is None or "parts" not in job.args:
        job.started = time.time()  # a job back from its parts started with its first run
    broker.store.save(job)
    broker.events.publish(
        Topic.JOB_STARTED, job=job.id, task=job.task, worker=worker_name, attempt=job.attempts
    )


def requeue(broker: Broker, job: Job, why: str, count_attempt: bool = True) -> None:
    """Back in line at once: the failure was the worker's or the broker's, not the job's."""
    if not count_attempt:
        job.attempts = max(0, job.attempts - 1)
    job.status, job.worker = JobStatus.QUEUED, None
    broker.store.save(job)
    broker.events.publish(Topic.JOB_REQUEUED, job=job.id, attempt=job.attempts, reason=why)
    broker.queue(job)


def finish(
    broker: Broker, job: Job, outcome: dict[str, Any], frames: list[bytes] | None = None
) -> None:
    """Settle a running job: success, a retry, or failure.

    `frames` is the worker's reply as it came, passed on unchanged to a synchronous caller.
    """
    job.worker = None
    if outcome.get("ok") and "fan_out" in outcome:
        spec = outcome["fan_out"]
        batches.fan_out(broker, job, spec["task"], spec["parts"])
        return
    if outcome.get("ok"):
        job.status, job.result, job.error = JobStatus.SUCCEEDED, outcome.get("result"), None
        _settled(broker, job, Topic.JOB_SUCCEEDED, frames)
        return
    err = outcome.get("error")
    job.error = err if isinstance(err, dict) else {"type": ErrorType.TASK_ERROR.value}
    kind = str(job.error.get("type"))
    if kind not in _RETRYABLE:
        job.status = JobStatus.FAILED
        _settled(broker, job, Topic.JOB_FAILED, frames)
    elif job.attempts >= job.max_attempts:
        job.status = JobStatus.DEAD
        _settled(broker, job, Topic.JOB_DEAD, frames)
    elif kind == ErrorType.WORKER_DIED.value:
        # The worker is gone, not the document at fault (or max_attempts ends it): retry now.
        requeue(broker, job, str(job.error.get("message", kind)))
    else:
        delay = backoff_delay(job.attempts, job.backoff, job.backoff_max)
        job.status, job.not_before = JobStatus.RETRY_SCHEDULED, time.time() + delay
        broker.store.save(job)
        broker.timers.add(job)
        broker.metrics.retried(kind)
        broker.history.retried(job, kind)
        broker.events.publish(
            Topic.JOB_RETRY_SCHEDULED,
            job=job.id,
            attempt=job.attempts,
            delay=round(delay, 3),
            error=job.error,
        )


def retry(broker: Broker, job: Job) -> None:
    """An ended job back in line by a person's decision: a fresh set of attempts."""
    job.status, job.attempts, job.error, job.result = JobStatus.QUEUED, 0, None, None
    job.started, job.finished, job.not_before, job.worker = None, None, None, None
    broker.store.add(job)  # unfinished again: back in the store's working set
    broker.events.publish(Topic.JOB_REQUEUED, job=job.id, attempt=0, reason="retried by hand")
    if job.parent is not None and job.parent in broker.batches:
        broker.batches[job.parent] += 1
    broker.queue(job)


def cancel(broker: Broker, job: Job) -> None:
    job.error = error(ErrorType.CANCELLED, f"job {job.id} was cancelled")["error"]
    job.status, job.worker = JobStatus.CANCELLED, None
    _settled(broker, job, Topic.JOB_CANCELLED, None)


def _settled(broker: Broker, job: Job, topic: Topic, frames: list[bytes] | None) -> None:
    job.finished = time.time()
    broker.store.save(job)
    if job.reply_to is not None:
        body = frames if frames is not None else [pack(_outcome_of(job))]
        broker.send(client_reply(job.reply_to, job.queue.encode(), body))
    broker.events.publish(
        topic,
        job=job.id,
        task=job.task,
        queue=job.queue,
        attempts=job.attempts,
        seconds=round(job.finished - (job.started or job.finished), 6),
        error=job.error,
        parent=job.parent,
        path=job.args.get("path") if isinstance(job.args, dict) else None,
    )
    broker.metrics.settled(job)
    broker.history.settled(job)
    broker.blobs.settled(job)
    broker.waiters.settled(broker, job)
    if job.parent is not None:
        batches.child_settled(broker, job)


def _outcome_of(job: Job) -> dict[str, Any]:
    if job.status is JobStatus.SUCCEEDED:
        return {"ok": True, "result": job.result}
    return {"ok": False, "error": job.error}


def recover(broker: Broker) -> int:
    """Take back the unfinished jobs of the last run; returns how many."""
    jobs = broker.store.unfinished()
    for job in jobs:
        if batches.held(job):
            continue  # counted again below, once its children are known
        if job.status is JobStatus.RUNNING:
            # Its attempt was cut short by the broker's end: that attempt counts (the job may
            # be what brought the broker down), and it goes back in line.
            requeue(broker, job, "the broker restarted while it ran")
        else:
            _line_up(broker, job)
    batches.recover(broker, [job for job in jobs if batches.held(job)])
    if jobs:
        log.info("recovered %d unfinished job(s) from %s", len(jobs), broker.store.path)
    return len(jobs)
