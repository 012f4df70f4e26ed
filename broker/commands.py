"""docmill's broker-internal services (`docmill.submit`, `docmill.result`, ...), Titanic-style.

Each takes one msgpack map and answers one map: `{"ok": true, ...}` or `{"ok": false, "error":
{"type", "message"}}`. A `rid` in the request comes back in the reply, so a client can tell a late
answer to an earlier request from the one it waits for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from broker.jobs import DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, Job, new_job_id
from broker.protocol import (
    COMMAND_PREFIX,
    MMI_PREFIX,
    ClientRequest,
    Command,
    ErrorType,
    JobStatus,
    ProtocolError,
    client_reply,
    error,
    pack,
    unpack_map,
)

if TYPE_CHECKING:
    from broker.broker import Broker

PREFIX = COMMAND_PREFIX
MAX_BATCH = 10_000  # jobs in one submit message


class BadRequest(ValueError):
    pass


def dispatch(broker: Broker, req: ClientRequest) -> dict[str, Any] | None:
    """Run one command; None means the answer comes later (a result waiter)."""
    try:
        if len(req.body) != 1:
            raise ProtocolError("a docmill command takes exactly one body frame")
        body = unpack_map(req.body[0])
    except ProtocolError as exc:
        broker.malformed += 1
        return error(ErrorType.BAD_REQUEST, str(exc))
    handler = _HANDLERS.get(req.service.decode(errors="replace"))
    rid = body.get("rid")
    if handler is None:
        reply: dict[str, Any] | None = error(
            ErrorType.UNKNOWN_COMMAND, f"no command {req.service.decode(errors='replace')!r}"
        )
    else:
        try:
            reply = handler(broker, req, body)
        except BadRequest as exc:
            reply = error(ErrorType.BAD_REQUEST, str(exc))
    if reply is not None and rid is not None:
        reply["rid"] = rid
    return reply


# -- submit ---------------------------------------------------------------------------------------


def _job_from(spec: Any) -> Job:
    if not isinstance(spec, dict):
        raise BadRequest("a job is a map")
    task, queue = spec.get("task"), spec.get("queue") or DEFAULT_QUEUE
    if not isinstance(task, str) or not task:
        raise BadRequest("'task' must be a non-empty string")
    if not isinstance(queue, str) or queue.encode().startswith((MMI_PREFIX, PREFIX)):
        raise BadRequest(f"'queue' must name a user queue, not {queue!r}")
    args = spec.get("args") or {}
    if not isinstance(args, dict):
        raise BadRequest("'args' must be a map")
    priority = _number(spec, "priority", 0, int)
    max_attempts = _number(spec, "max_attempts", DEFAULT_MAX_ATTEMPTS, int)
    timeout = spec.get("timeout")
    if timeout is not None:
        timeout = float(_number(spec, "timeout", 0.0, (int, float)))
    if max_attempts < 1 or (timeout is not None and timeout <= 0):
        raise BadRequest("'max_attempts' must be at least 1 and 'timeout' positive")
    return Job(
        id=new_job_id(),
        task=task,
        queue=queue,
        args=args,
        priority=priority,
        max_attempts=max_attempts,
        timeout=timeout,
    )


def _number(spec: dict[str, Any], key: str, default: Any, kind: Any) -> Any:
    value = spec.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, kind):
        raise BadRequest(f"{key!r} must be a number")
    return value


def submit(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """One job (`task`, `args`, ...) or many (`jobs`); all are validated before any is kept."""
    if "jobs" in body:
        specs = body["jobs"]
        if not isinstance(specs, list) or not 0 < len(specs) <= MAX_BATCH:
            raise BadRequest(f"'jobs' must be a list of 1 to {MAX_BATCH} jobs")
        jobs = [_job_from(spec) for spec in specs]
    else:
        jobs = [_job_from(body)]
    for job in jobs:
        broker.enqueue(job)
    if "jobs" in body:
        return {"ok": True, "ids": [job.id for job in jobs]}
    return {"ok": True, "id": jobs[0].id}


# -- result ---------------------------------------------------------------------------------------


def _view(broker: Broker, job_id: str) -> dict[str, Any]:
    job = broker.store.get(job_id)
    return job.view() if job else {"id": job_id, "status": JobStatus.UNKNOWN.value}


def result(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any] | None:
    """The state of one job (`id`) or many (`ids`); with `wait`, answer once all have ended."""
    ids = body.get("ids", [body.get("id")])
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise BadRequest("give 'id' or 'ids' as job id strings")
    wait = body.get("wait") or 0
    if isinstance(wait, bool) or not isinstance(wait, int | float):
        raise BadRequest("'wait' must be a number of seconds")
    pending = {
        i for i in ids if (job := broker.store.get(i)) is not None and not job.status.terminal
    }
    if wait > 0 and pending:
        deadline = time.monotonic() + min(float(wait), broker.settings.max_result_wait)
        broker.waiters.add(Waiter(req.sender, req.service, ids, pending, deadline, body.get("rid")))
        return None
    return {"ok": True, "jobs": [_view(broker, i) for i in ids]}


@dataclass(eq=False)
class Waiter:
    client: bytes
    service: bytes
    ids: list[str]
    pending: set[str]
    deadline: float
    rid: Any = None
    done: bool = False


@dataclass
class Waiters:
    """Long-polling `docmill.result` calls, answered when their jobs end or their time is up."""

    by_job: dict[str, list[Waiter]] = field(default_factory=dict)
    active: set[Waiter] = field(default_factory=set)

    def add(self, waiter: Waiter) -> None:
        self.active.add(waiter)
        for job_id in waiter.pending:
            self.by_job.setdefault(job_id, []).append(waiter)

    def settled(self, broker: Broker, job: Job) -> None:
        for waiter in self.by_job.pop(job.id, []):
            waiter.pending.discard(job.id)
            if not waiter.pending and not waiter.done:
                self._answer(broker, waiter)

    def expire(self, broker: Broker, now: float) -> None:
        for waiter in [w for w in self.active if w.deadline <= now]:
            self._answer(broker, waiter)

    def next_deadline(self) -> float | None:
        return min((w.deadline for w in self.active), default=None)

    def _answer(self, broker: Broker, waiter: Waiter) -> None:
        waiter.done = True
        self.active.discard(waiter)
        for job_id in waiter.pending:  # jobs still running: drop the index entries
            entries = self.by_job.get(job_id, [])
            if waiter in entries:
                entries.remove(waiter)
                if not entries:
                    del self.by_job[job_id]
        reply: dict[str, Any] = {"ok": True, "jobs": [_view(broker, i) for i in waiter.ids]}
        if waiter.rid is not None:
            reply["rid"] = waiter.rid
        broker.send(client_reply(waiter.client, waiter.service, [pack(reply)]))


# -- status, cancel, worker_gone ------------------------------------------------------------------


def status(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    queues = {
        name: {
            "queued": len(service.queue),
            "workers": sum(name in w.services for w in broker.workers.values()),
        }
        for name, service in sorted(broker.services.items())
    }
    return {
        "ok": True,
        "broker": {
            "pid": os.getpid(),
            "endpoint": broker.endpoint,
            "events": broker.events_endpoint,
            "started": broker.started,
            "uptime": time.time() - broker.started,
            "malformed": broker.malformed,
            "events_published": broker.events.seq,
        },
        "counts": broker.store.counts(),
        "queues": queues,
        "workers": [w.view() for w in broker.workers.values()],
    }


def cancel(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel a queued job, or a running one: its worker is disconnected and drops the job."""
    job_id = body.get("id")
    if not isinstance(job_id, str):
        raise BadRequest("give the job's 'id'")
    job = broker.store.get(job_id)
    if job is None:
        return {"ok": True, "status": JobStatus.UNKNOWN.value}
    if job.status.terminal:
        return {"ok": True, "status": job.status.value}
    holder = next((w for w in broker.workers.values() if w.job == job.id), None)
    broker.cancel(job)
    if holder is not None:
        broker.remove_worker(holder, f"cancelled job {job.id}", disconnect=True)
    return {"ok": True, "status": job.status.value}


def worker_gone(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A supervisor reports that one of its workers died; its job is requeued at once."""
    name, reason = body.get("worker"), body.get("reason") or "died"
    if not isinstance(name, str) or not isinstance(reason, str):
        raise BadRequest("give 'worker' and 'reason' as strings")
    worker = broker.worker_by_name(name)
    held = broker.remove_worker(worker, reason) if worker is not None else None
    return {"ok": True, "job": held}


_Handler = Callable[["Broker", ClientRequest, dict[str, Any]], "dict[str, Any] | None"]
_HANDLERS: dict[str, _Handler] = {
    Command.SUBMIT.value: submit,
    Command.RESULT.value: result,
    Command.STATUS.value: status,
    Command.CANCEL.value: cancel,
    Command.WORKER_GONE.value: worker_gone,
}
