"""docmill's broker-internal services (`docmill.submit`, `docmill.result`, ...), Titanic-style.

Each takes one msgpack map and answers one map: `{"ok": true, ...}` or `{"ok": false, "error":
{"type", "message"}}`. A `rid` in the request comes back in the reply, so a client can tell a late
answer to an earlier request from the one it waits for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from broker import admin, batches, state
from broker.blobs import BadContent
from broker.jobs import (
    DEFAULT_BACKOFF,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_ATTEMPTS,
    Job,
    new_job_id,
)
from broker.store import JobQuery
from docmill.protocol import (
    COMMAND_PREFIX,
    DEFAULT_QUEUE,
    MMI_PREFIX,
    BadRequest,
    Bound,
    ClientRequest,
    Command,
    ErrorType,
    JobStatus,
    ProtocolError,
    check_job_numbers,
    client_reply,
    error,
    pack,
    unpack_map,
)

if TYPE_CHECKING:
    from broker.broker import Broker

PREFIX = COMMAND_PREFIX
MAX_BATCH = 10_000  # jobs in one submit message


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


def _job_from(spec: Any, policies: dict[str, dict[str, Any]]) -> Job:
    """A job from a submit's fields; what the submit leaves out comes from its task's policy."""
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
    if task == batches.TASK:
        try:
            batches.check(args)
        except batches.BadBatch as exc:
            raise BadRequest(str(exc)) from None
    spec = {**policies.get(task, {}), **{k: v for k, v in spec.items() if v is not None}}
    key = spec.get("key")
    if key is not None and (not isinstance(key, str) or not key):
        raise BadRequest("'key' must be a non-empty string")
    check_job_numbers(spec)
    timeout, not_before, countdown = (
        spec.get("timeout"),
        spec.get("not_before"),
        spec.get("countdown"),
    )
    if countdown is not None:
        not_before = max(not_before or 0.0, time.time() + countdown)
    return Job(
        id=new_job_id(),
        task=task,
        queue=queue,
        args=args,
        priority=spec.get("priority", 0),
        max_attempts=spec.get("max_attempts", DEFAULT_MAX_ATTEMPTS),
        timeout=None if timeout is None else float(timeout),
        not_before=None if not_before is None else float(not_before),
        key=key,
        backoff=float(spec.get("backoff", DEFAULT_BACKOFF)),
        backoff_max=float(spec.get("backoff_max", DEFAULT_BACKOFF_MAX)),
    )


def _number(spec: dict[str, Any], key: str, default: Any, bound: Bound) -> Any:
    value = spec.get(key)
    if value is None:
        return default
    bound.check(key, value)
    return value


def submit(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """One job (`task`, `args`, ...) or many (`jobs`); all are validated before any is kept.

    A job whose idempotency `key` is already known is not created again: its id comes back.
    `unserved` lists the jobs' queues that no connected worker serves.
    """
    if broker.draining:
        return error(ErrorType.UNAVAILABLE, "the broker is stopping; submit again shortly")
    many = "jobs" in body
    if many:
        specs = body["jobs"]
        if not isinstance(specs, list) or not 0 < len(specs) <= MAX_BATCH:
            raise BadRequest(f"'jobs' must be a list of 1 to {MAX_BATCH} jobs")
        jobs = [_job_from(spec, broker.settings.task_policies) for spec in specs]
    else:
        jobs = [_job_from(body, broker.settings.task_policies)]
    try:
        for job in jobs:
            broker.blobs.check(job.args)
    except BadContent as exc:
        raise BadRequest(str(exc)) from None
    existing: list[str | None] = []
    first_of: dict[str, str] = {}  # a key twice in one batch is one job too: the first
    for job in jobs:
        known = (first_of.get(job.key) or broker.store.find_key(job.key)) if job.key else None
        if job.key and known is None:
            first_of[job.key] = job.id
        existing.append(known)
    try:
        broker.blobs.keep(job for job, known in zip(jobs, existing, strict=True) if known is None)
    except OSError as exc:
        return error(ErrorType.UNAVAILABLE, f"cannot keep the documents' bytes: {exc}")
    ids = []
    for job, known in zip(jobs, existing, strict=True):
        if known is None:
            broker.enqueue(job)
        ids.append(known or job.id)
    # A queue no connected worker lists: its jobs wait, silently, until one comes. Say so.
    unserved = sorted({job.queue for job in jobs if not broker.registry.serving(job.queue)})
    reply: dict[str, Any] = {"ok": True, "ids": ids} if many else {"ok": True, "id": ids[0]}
    return {**reply, "unserved": unserved}


# -- result ---------------------------------------------------------------------------------------


def _found(broker: Broker, job_ids: list[str]) -> dict[str, Job]:
    """The jobs of `job_ids` that exist, by id; those not in memory read in one query per 500."""
    return {job.id: job for job in broker.store.get_many(job_ids)}


def _views(found: dict[str, Job], job_ids: list[str]) -> list[dict[str, Any]]:
    """Each job's view, in the order of `job_ids`, from the jobs found of them."""
    unknown = JobStatus.UNKNOWN.value
    return [job.view() if (job := found.get(i)) else {"id": i, "status": unknown} for i in job_ids]


def result(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any] | None:
    """The state of one job (`id`) or many (`ids`); with `wait`, answer once all have ended."""
    ids = body.get("ids", [body.get("id")])
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise BadRequest("give 'id' or 'ids' as job id strings")
    wait = body.get("wait") or 0
    if isinstance(wait, bool) or not isinstance(wait, int | float):
        raise BadRequest("'wait' must be a number of seconds")
    found = _found(broker, ids)
    pending = {job_id for job_id, job in found.items() if not job.status.terminal}
    if wait > 0 and pending:
        deadline = time.monotonic() + min(float(wait), broker.settings.max_result_wait)
        broker.waiters.add(Waiter(req.sender, req.service, ids, pending, deadline, body.get("rid")))
        return None
    return {"ok": True, "jobs": _views(found, ids)}


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
        reply: dict[str, Any] = {"ok": True, "jobs": _views(_found(broker, waiter.ids), waiter.ids)}
        if waiter.rid is not None:
            reply["rid"] = waiter.rid
        broker.send(client_reply(waiter.client, waiter.service, [pack(reply)]))


# -- status, cancel ------------------------------------------------------------------------------


def status(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """The broker's whole state (broker/state.py), with the stream position it matches."""
    return {"ok": True, **state.snapshot(broker)}


def cancel(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel a waiting or running job (a running one's worker drops it); a batch or a job in
    parts, with its children that have not ended."""
    job_id = body.get("id")
    if not isinstance(job_id, str):
        raise BadRequest("give the job's 'id'")
    job = broker.store.get(job_id)
    if job is None:
        return {"ok": True, "status": JobStatus.UNKNOWN.value}
    if job.status.terminal:
        return {"ok": True, "status": job.status.value}
    children = batches.children(broker, job) if job.id in broker.batches else []
    broker.batches.pop(job.id, None)
    _cancel(broker, job)
    for child in children:
        if not child.status.terminal:
            _cancel(broker, child)
    return {"ok": True, "status": job.status.value}


def _cancel(broker: Broker, job: Job) -> None:
    holder = broker.registry.holder(job.id)
    broker.cancel(job)
    if holder is not None:
        broker.remove_worker(holder, f"cancelled job {job.id}", disconnect=True)


# -- dead letters ---------------------------------------------------------------------------------


def dead(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Jobs that exhausted their attempts, newest first, with their last error."""
    limit = _number(body, "limit", 1000, Bound(integer=True, low=0))
    return {
        "ok": True,
        "jobs": [job.view() for job in broker.store.by_status(JobStatus.DEAD, limit)],
    }


LIST_LIMIT = 200  # jobs in one page of docmill.jobs
_TEXT = 200  # characters of file-name text a listing may look for


def jobs(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A page of jobs from the store, newest first, filtered by state, queue, task and the
    file name's text, and created in [`after`, `before`); `next` (or null) is the `before` of
    the following page. With `ids`, those
    jobs' lines instead (their arguments, which `docmill.result` does not give)."""
    if "ids" in body:
        ids = body["ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BadRequest("'ids' must be a list of job id strings")
        if len(ids) > LIST_LIMIT:
            raise BadRequest(f"'ids' lists at most {LIST_LIMIT} jobs")
        return {"ok": True, "jobs": [_listed(j) for j in broker.store.get_many(ids)], "next": None}
    status = body.get("state")
    if status is not None and status not in {s.value for s in JobStatus} - {"unknown"}:
        raise BadRequest(f"'state' must be a job state, not {status!r}")
    for name, longest in (("queue", 256), ("task", 256), ("text", _TEXT)):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > longest):
            raise BadRequest(f"'{name}' must be a string of at most {longest} characters")
    query = JobQuery(
        status=status,
        queue=body.get("queue") or None,
        task=body.get("task") or None,
        text=body.get("text") or None,
        before=float(_number(body, "before", float("inf"), Bound(integer=False, low=0))),
        after=float(_number(body, "after", 0.0, Bound(integer=False, low=0))),
        limit=min(_number(body, "limit", 50, Bound(integer=True, low=1)), LIST_LIMIT),
    )
    found, after = broker.store.listing(query)
    return {"ok": True, "jobs": [_listed(job) for job in found], "next": after}


def _listed(job: Job) -> dict[str, Any]:
    """A job's line in a listing: its view without result or traceback, with its file."""
    view = job.view()
    view.pop("result", None)
    if view.get("error"):
        view["error"] = {k: v for k, v in view["error"].items() if k in ("type", "message")}
    args = job.args if isinstance(job.args, dict) else {}
    path = args.get("path") or args.get("name")
    view["path"] = path if isinstance(path, str) else None
    view["args"] = _brief(args)
    return view


def _brief(value: Any, depth: int = 0) -> Any:
    """`value` cut down for a listing: bytes as their size, long text and lists shortened."""
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return value if len(value) <= 500 else value[:500] + f"… ({len(value)} characters)"
    if depth >= 4:
        return "…"
    if isinstance(value, dict):
        return {str(k): _brief(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list):
        shown = [_brief(v, depth + 1) for v in value[:20]]
        return shown + ([f"… {len(value) - 20} more"] if len(value) > 20 else [])
    return value


def history(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """The per-minute history of the last `span` seconds (at most its retention, 30 days)."""
    span = _number(body, "span", 3600, Bound(integer=False, low=60))
    return {"ok": True, **broker.history.series(min(float(span), broker.history.retention))}


def retry(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Put ended jobs (one `id`, or every dead one with `all_dead`) back in line, attempts reset."""
    if body.get("all_dead") is True:
        jobs = broker.store.by_status(JobStatus.DEAD, MAX_BATCH)
    elif isinstance(body.get("id"), str):
        job = broker.store.get(body["id"])
        if job is None:
            raise BadRequest(f"no job {body['id']}")
        if not job.status.terminal or job.status is JobStatus.SUCCEEDED:
            raise BadRequest(f"job {job.id} is {job.status.value}; only ended jobs are retried")
        jobs = [job]
    else:
        raise BadRequest("give 'id', or 'all_dead': true")
    for job in jobs:
        broker.retry(job)
    return {"ok": True, "ids": [job.id for job in jobs]}


def purge(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Delete dead jobs (`dead`: true) from the store."""
    if body.get("dead") is not True:
        raise BadRequest("give 'dead': true")
    ids = [job.id for job in broker.store.by_status(JobStatus.DEAD, 1_000_000)]
    broker.blobs.forget(ids)
    return {"ok": True, "deleted": broker.store.delete(ids)}


_Handler = Callable[["Broker", ClientRequest, dict[str, Any]], "dict[str, Any] | None"]
_HANDLERS: dict[str, _Handler] = {
    Command.SUBMIT.value: submit,
    Command.RESULT.value: result,
    Command.STATUS.value: status,
    Command.CANCEL.value: cancel,
    Command.DEAD.value: dead,
    Command.RETRY.value: retry,
    Command.PURGE.value: purge,
    Command.JOBS.value: jobs,
    Command.HISTORY.value: history,
    Command.SNAPSHOT.value: status,
    Command.PAUSE.value: admin.pause,
    Command.RESUME.value: admin.resume,
    Command.WORKER_STATS.value: admin.worker_stats,
    Command.SCALE.value: admin.scale,
    Command.WATCHER_STATS.value: admin.watcher_stats,
    Command.WORKER_GONE.value: admin.worker_gone,
}
