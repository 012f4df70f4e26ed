"""A handle on one job: a `concurrent.futures.Future` that the client's waiter completes when
the broker says the job has ended, so `as_completed`, `wait`, `add_done_callback` and
`result(timeout)` work as with any executor's futures.

    with Client() as client:
        jobs = [client.submit("process_document", path=p) for p in paths]
        for job in concurrent.futures.as_completed(jobs, timeout=600):
            print(job.id, job.exception() or job.result()["kind"])
"""

from __future__ import annotations

import contextlib
import math
from concurrent.futures import Future, InvalidStateError
from typing import Any, Protocol

from docmill.protocol import ErrorType, JobStatus


def _seconds(value: float, what: str, *, zero: bool = True) -> float:
    """`value` if it is a usable number of seconds (finite, not negative; not 0 unless `zero`),
    else ValueError: a NaN or negative wait would otherwise end at once and blame the broker."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "more than 0"
        raise ValueError(f"{what} must be a finite number of seconds, {least}, not {value!r}")
    return float(value)


class Client(Protocol):
    """What a Job asks of its client (docmill/client.py), which imports this module."""

    futures: bool

    def _watch(self, job: Job) -> None: ...
    def infos(self, job_ids: list[str], wait: float = 0.0) -> list[dict[str, Any]]: ...
    def cancel(self, job_id: str) -> str: ...


class JobFailed(Exception):
    """The job ended without a result: `type` is its ErrorType value, `message` says why."""

    def __init__(self, job_id: str, type: str, message: str, info: dict[str, Any] | None = None):
        super().__init__(f"job {job_id} failed ({type}): {message}")
        self.job_id, self.type, self.message, self.info = job_id, type, message, info or {}


class BrokerError(Exception):
    """The broker refused a request (bad arguments, unknown command)."""

    def __init__(self, type: str, message: str):
        super().__init__(f"{type}: {message}")
        self.type, self.message = type, message


def failure(info: dict[str, Any]) -> JobFailed:
    """The JobFailed that an ended, unsuccessful job's info stands for."""
    err = info.get("error") or {}
    return JobFailed(
        info["id"],
        str(err.get("type", ErrorType.CANCELLED.value)),
        str(err.get("message", info["status"])),
        info,
    )


def ended(info: dict[str, Any]) -> bool:
    """Whether the broker's view says the job will not change any more (or is unknown)."""
    status = JobStatus(info["status"])
    return status.terminal or status is JobStatus.UNKNOWN


class Job(Future[Any]):
    """A handle on a job: a Future completed by its client's waiter thread when the job ends.

    `result(timeout)` returns the task's value, or raises JobFailed if it failed and
    TimeoutError if it has not ended in time; a job cancelled (here or anywhere) is
    `cancelled()` and its result raises CancelledError. `unserved` is True when, as the job
    was submitted, no connected worker served its queue: it waits until one does. `final` is
    the broker's view of the job (as `info()` gives it) once the Future is complete, else None.
    """

    def __init__(self, client: Client, job_id: str, unserved: bool = False) -> None:
        super().__init__()
        self.client, self.id, self.unserved = client, job_id, unserved
        self._watched = False
        self.final: dict[str, Any] | None = None
        # concurrent.futures.wait and as_completed install their waiters on this list without
        # calling a method of ours: installing one is when the job must be watched.
        self._waiters = _WatchOnWait(self)
        if client.futures:
            self._watch()

    def __repr__(self) -> str:
        return f"Job({self.id!r})"

    def _watch_now(self) -> None:
        self._watch()

    def _watch(self) -> None:
        if not self._watched:
            self._watched = True
            self.client._watch(self)

    def info(self) -> dict[str, Any]:
        """Everything the broker knows: status, attempts, worker, timings, result or error."""
        return self.client.infos([self.id])[0]

    def status(self) -> str:
        return str(self.info()["status"])

    # -- the Future interface: each method makes sure the job is watched ----------------------

    def done(self) -> bool:
        self._watch()
        return super().done()

    def result(self, timeout: float | None = None) -> Any:
        self._watch()
        return super().result(None if timeout is None else _seconds(timeout, "timeout"))

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._watch()
        return super().exception(None if timeout is None else _seconds(timeout, "timeout"))

    def add_done_callback(self, fn: Any) -> None:
        self._watch()
        super().add_done_callback(fn)

    def running(self) -> bool:
        """Whether a worker runs the job now (asks the broker)."""
        return not super().done() and self.status() == JobStatus.RUNNING.value

    def cancel(self) -> bool:
        """Ask the broker to cancel the job; True once it is cancelled, False if it had
        already ended otherwise."""
        if super().done():
            return self.cancelled()
        if self.client.cancel(self.id) == JobStatus.CANCELLED.value:
            self.settle({"id": self.id, "status": JobStatus.CANCELLED.value})
        self._watch()
        return self.cancelled()

    def settle(self, info: dict[str, Any]) -> None:
        """Complete the Future from the broker's view of the ended job (once; later calls and
        races with cancel() are no-ops)."""
        status = JobStatus(info["status"])
        if not Future.done(self):
            self.final = info  # before the callbacks, which may read it
        try:
            if status is JobStatus.SUCCEEDED:
                self.set_result(info.get("result"))
            elif status is JobStatus.CANCELLED:
                with self._condition:  # a reentrant lock: cancel() below takes it too
                    if not Future.done(self):
                        Future.cancel(self)
                        self.set_running_or_notify_cancel()  # wakes as_completed and wait
            elif status is JobStatus.UNKNOWN:
                self.set_exception(
                    JobFailed(self.id, "unknown", "the broker does not know this job", info)
                )
            else:
                self.set_exception(failure(info))
        except InvalidStateError:
            pass  # completed already, by the other of the waiter and cancel()

    def reopen(self) -> None:
        """The job was put back in line (Client.retry): pending again, watched anew. A Future
        completes once; this handle's retried job is the exception."""
        with self._condition:
            if not Future.done(self):
                return
            # The states are concurrent.futures' own; an executor's future never goes back.
            self._state = "PENDING"
            self._result = None
            self._exception = None
            self.final = None
        self._watched = False
        self._watch()

    def abandon(self, why: str) -> None:
        """The client closed before the job ended: waiting on it would never end."""
        with contextlib.suppress(InvalidStateError):
            self.set_exception(RuntimeError(f"job {self.id}: {why}"))


class _WatchOnWait(list[Any]):
    """A Future's list of waiters that has its job watched when one is added."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    def append(self, waiter: Any) -> None:
        super().append(waiter)
        self._job._watch_now()
