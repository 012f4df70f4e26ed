"""The job state machine (DESIGN §3): every change of a job's state is a method here.

    queued ──▶ running ──▶ succeeded
       ▲          │
       │          ├──▶ failed            a permanent error (unsupported, malformed, ...)
       │          ├──▶ dead              a retryable error, attempts exhausted
       │          └──▶ retry_scheduled ──┘ (after a backoff with full jitter)
       └── worker died, broker restarted or drained: back in line at once
    queued / retry_scheduled / running ──▶ cancelled

`Lifecycle` holds the store, the timers of delayed jobs and retries, the long-poll waiters and
the count of open batches. Each change is saved to the store and published on the status stream
(invariant 4). It is a part of the job flow (flow.py), which owns it and puts jobs in line.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any, Protocol

from broker import batches
from broker.blobs import Blobs
from broker.clock import Clock
from broker.history import History
from broker.jobs import Job, backoff_delay
from broker.metrics import Metrics
from broker.store import SqliteStore
from broker.timers import Timers
from broker.waiters import Waiter, Waiters, views
from docmill.protocol import RETRYABLE, ErrorType, JobStatus, Topic, client_reply, error, pack

log = logging.getLogger(__name__)

_RETRYABLE = frozenset(e.value for e in RETRYABLE)


class Outlet(Protocol):
    """What the job flow writes through: frames to a peer on the ROUTER, and events."""

    def send(self, frames: list[bytes]) -> bool:
        """False when the peer is gone or not reading (never blocks)."""
        ...

    def publish(self, topic: Topic, /, **fields: Any) -> None: ...

    def listened(self, topic: Topic) -> bool:
        """Whether some subscriber of the status stream takes `topic`."""
        ...


class Lifecycle:
    def __init__(
        self,
        store: SqliteStore,
        blobs: Blobs,
        outlet: Outlet,
        clock: Clock,
        queue: Callable[[Job], None],
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.outlet = outlet
        self.clock = clock
        self._queue = queue  # in its service's line, offered to workers after the commit
        self.rng = rng or random.Random()
        self.timers = Timers(clock)
        self.waiters = Waiters()
        self.parents = batches.OpenParents()
        self.metrics = Metrics()
        self.history = History(store.db)  # per-minute aggregates, kept in the store

    def publish(self, topic: Topic, /, **fields: Any) -> None:
        self.outlet.publish(topic, **fields)

    # -- new jobs -------------------------------------------------------------------------------

    def accept(self, job: Job) -> None:
        """A new job: store it, publish it, and queue it, schedule it, or fan it out."""
        self._record(job)
        if job.task == batches.TASK:
            self._fan_out(job, *batches.batch_parts(job))
        else:
            self.line_up(job)

    def run_here(self, job: Job, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run a job in the broker itself (maintenance, checks): stored, started and ended like
        any other; `work` returns its outcome."""
        self._record(job)
        self.mark_started(job, batches.HOLDER)
        outcome = work()
        self.finish(job, outcome)
        return outcome

    def _record(self, job: Job) -> None:
        self.store.add(job)
        self.publish(
            Topic.JOB_SUBMITTED,
            job=job.id,
            task=job.task,
            queue=job.queue,
            priority=job.priority,
            parent=job.parent,
        )

    def line_up(self, job: Job) -> None:
        if job.not_before is not None and job.not_before > self.clock.time():
            self.timers.add(job)
        else:
            self._queue(job)

    def release_due(self) -> None:
        """Delayed jobs and scheduled retries whose time has come, back in line."""
        for job_id in self.timers.due(self.clock.time()):
            job = self.store.get(job_id)
            if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RETRY_SCHEDULED):
                continue  # cancelled or purged while it waited
            if job.status is JobStatus.RETRY_SCHEDULED:
                job.status = JobStatus.QUEUED
                self.store.save(job)
                self.publish(Topic.JOB_REQUEUED, job=job.id, attempt=job.attempts)
            self._queue(job)

    def mark_started(self, job: Job, worker_name: str) -> None:
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.worker = worker_name
        if job.started is None or not batches.back_from_parts(job):
            job.started = self.clock.time()  # a job back from its parts started with its first run
        self.store.save(job)
        self.publish(
            Topic.JOB_STARTED, job=job.id, task=job.task, worker=worker_name, attempt=job.attempts
        )

    def finish(self, job: Job, outcome: dict[str, Any], frames: list[bytes] | None = None) -> None:
        """Settle a running job: success, parts to run, a retry, or failure.

        `frames` is the worker's reply as it came, passed on unchanged to a synchronous caller.
        """
        job.worker = None
        if outcome.get("ok") and "fan_out" in outcome:
            spec = outcome["fan_out"]
            parts = [self.blobs.shared(job, part) for part in spec["parts"]]
            self._fan_out(job, spec["task"], parts, spec)
            return
        if outcome.get("ok"):
            job.status, job.result, job.error = JobStatus.SUCCEEDED, outcome.get("result"), None
            self._settled(job, Topic.JOB_SUCCEEDED, frames)
            return
        err = outcome.get("error")
        job.error = err if isinstance(err, dict) else {"type": ErrorType.TASK_ERROR.value}
        kind = str(job.error.get("type"))
        if kind not in _RETRYABLE:
            job.status = JobStatus.FAILED
            self._settled(job, Topic.JOB_FAILED, frames)
        elif job.attempts >= job.max_attempts:
            job.status = JobStatus.DEAD
            self._settled(job, Topic.JOB_DEAD, frames)
        elif kind == ErrorType.WORKER_DIED.value:
            # The worker is gone, not the document at fault (or max_attempts ends it): retry now.
            self.requeue(job, str(job.error.get("message", kind)))
        else:
            delay = backoff_delay(job.attempts, job.backoff, job.backoff_max, self.rng)
            job.status, job.not_before = JobStatus.RETRY_SCHEDULED, self.clock.time() + delay
            self.store.save(job)
            self.timers.add(job)
            self.metrics.retried(kind)
            self.history.retried(job, kind, self.clock.time())
            self.publish(
                Topic.JOB_RETRY_SCHEDULED,
                job=job.id,
                attempt=job.attempts,
                delay=round(delay, 3),
                error=job.error,
            )

    def requeue(self, job: Job, why: str, count_attempt: bool = True) -> None:
        """Back in line at once: the failure was the worker's or the broker's, not the job's."""
        if not count_attempt:
            job.attempts = max(0, job.attempts - 1)
        job.status, job.worker = JobStatus.QUEUED, None
        self.store.save(job)
        self.publish(Topic.JOB_REQUEUED, job=job.id, attempt=job.attempts, reason=why)
        self._queue(job)

    def retry(self, job: Job) -> None:
        """An ended job back in line by a person's decision: a fresh set of attempts."""
        job.status, job.attempts, job.error, job.result = JobStatus.QUEUED, 0, None, None
        job.started, job.finished, job.not_before, job.worker = None, None, None, None
        self.store.add(job)  # unfinished again: back in the store's working set
        self.publish(Topic.JOB_REQUEUED, job=job.id, attempt=0, reason="retried by hand")
        if job.parent is not None:
            self.parents.child_again(job.parent)
        self._queue(job)

    def cancel(self, job: Job) -> list[Job]:
        """Cancel a job that has not ended, and the children of a batch or of a job in parts
        that have not ended. Returns the jobs cancelled (whose workers the flow tells)."""
        children = self.store.get_many(batches.child_ids(job)) if job.id in self.parents else []
        self.parents.close(job.id)
        cancelled = [one for one in [job, *children] if not one.status.terminal]
        for one in cancelled:
            one.error = error(ErrorType.CANCELLED, f"job {one.id} was cancelled")["error"]
            one.status, one.worker = JobStatus.CANCELLED, None
            self._settled(one, Topic.JOB_CANCELLED, None)
        return cancelled

    def _settled(self, job: Job, topic: Topic, frames: list[bytes] | None) -> None:
        job.finished = now = self.clock.time()
        self.store.save(job)
        if job.reply_to is not None:
            body = frames if frames is not None else [pack(_outcome_of(job))]
            self.outlet.send(client_reply(job.reply_to, job.queue.encode(), body))
        self.publish(
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
        self.metrics.settled(job, now)
        self.history.settled(job, now)
        self.blobs.settled(job)
        for waiter in self.waiters.settled(job.id):
            self._answer(waiter)
        if job.parent is not None and self.parents.child_ended(job.parent):
            parent = self.store.get(job.parent)
            if parent is not None and parent.status is JobStatus.RUNNING:
                self._complete(parent)

    # -- parents held open (batches.py) ---------------------------------------------------------

    def _fan_out(
        self,
        parent: Job,
        task: str,
        parts: list[dict[str, Any]],
        options: dict[str, Any] | None = None,
    ) -> None:
        """Hold `parent` open and line up one child job of `task` per args map in `parts`, on
        the queue and with the time limit of `options` (a worker's fan_out spec), if any."""
        created = self.clock.time()
        if parent.status is JobStatus.RUNNING:  # a started job's parts take its place in line
            created = parent.created
        else:  # a batch: the broker starts it itself, and its files queue as new jobs
            parent.status, parent.started, parent.attempts = JobStatus.RUNNING, created, 1
        children = batches.make_children(parent, task, parts, created, options)
        parent.worker, parent.result = batches.HOLDER, batches.holding(children, options)
        self.store.save(parent)
        self.parents.open(parent.id, len(children))
        for child in children:
            self.accept(child)

    def _complete(self, parent: Job) -> None:
        children = self.store.get_many(batches.child_ids(parent))
        outcome = batches.completion(parent, children)
        if outcome is None:  # every part done: a worker finishes the job from their results
            parent.args = {**parent.args, **batches.results(parent, children)}
            parent.result = None
            self.requeue(parent, "its parts are done", count_attempt=False)
            return
        if not outcome["ok"]:
            parent.attempts = parent.max_attempts  # retrying the whole would repeat the parts
        self.finish(parent, outcome)

    def recover(self) -> int:
        """Take back the unfinished jobs of the last run; returns how many."""
        jobs = self.store.unfinished()
        for job in jobs:
            if batches.held(job):
                continue  # counted again below, once its children are known
            if job.status is JobStatus.RUNNING:
                # Its attempt was cut short by the broker's end: that attempt counts (the job
                # may be what brought the broker down), and it goes back in line.
                self.requeue(job, "the broker restarted while it ran")
            else:
                self.line_up(job)
        for parent in (job for job in jobs if batches.held(job)):
            if parent.status is JobStatus.QUEUED:
                self._fan_out(parent, *batches.batch_parts(parent))  # stored, never fanned out
                continue
            children = self.store.get_many(batches.child_ids(parent))
            if left := sum(not child.status.terminal for child in children):
                self.parents.open(parent.id, left)
            else:
                self._complete(parent)
        if jobs:
            log.info("recovered %d unfinished job(s) from %s", len(jobs), self.store.path)
        return len(jobs)

    # -- long polls, deletions, refusals --------------------------------------------------------

    def wait(self, waiter: Waiter) -> None:
        self.waiters.add(waiter)

    def expire_waiters(self, now: float) -> None:
        for waiter in self.waiters.expire(now):
            self._answer(waiter)

    def _answer(self, waiter: Waiter) -> None:
        found = {job.id: job for job in self.store.get_many(waiter.ids)}
        reply: dict[str, Any] = {"ok": True, "jobs": views(found, waiter.ids)}
        if waiter.rid is not None:
            reply["rid"] = waiter.rid
        self.outlet.send(client_reply(waiter.client, waiter.service, [pack(reply)]))

    def delete(self, job_ids: list[str]) -> int:
        """Forget ended jobs (purged, or past the result TTL), and their inline content."""
        self.blobs.forget(job_ids)
        return self.store.delete(job_ids)

    def refuse(self, refused: list[Job]) -> set[str]:
        """The store could not save these new jobs: they are dropped, never to run (their
        submitters are told). Returns their ids."""
        for job in refused:
            job.status = JobStatus.CANCELLED
        return {job.id for job in refused}


def _outcome_of(job: Job) -> dict[str, Any]:
    if job.status is JobStatus.SUCCEEDED:
        return {"ok": True, "result": job.result}
    return {"ok": False, "error": job.error}
