"""docmill's broker-internal services (`docmill.submit`, `docmill.result`, ...), Titanic-style.

Each takes one msgpack map and answers one map: `{"ok": true, ...}` or `{"ok": false, "error":
{"type", "message"}}`. A `rid` in the request comes back in the reply, so a client can tell a late
answer to an earlier request from the one it waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from broker import admin, batches, listing, state
from broker.blobs import BadContent
from broker.flow import JobFlow
from broker.jobs import (
    DEFAULT_BACKOFF,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_ATTEMPTS,
    Job,
    new_job_id,
)
from broker.waiters import Waiter, views
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
    error,
    unpack_map,
)

PREFIX = COMMAND_PREFIX
MAX_BATCH = 10_000  # jobs in one submit message
MAX_PURGE = 1000  # waiting jobs purged by one message: a page, not a stall of the loop


def dispatch(flow: JobFlow, req: ClientRequest) -> dict[str, Any] | None:
    """Run one command; None means the answer comes later (a result waiter)."""
    try:
        if len(req.body) != 1:
            raise ProtocolError("a docmill command takes exactly one body frame")
        body = unpack_map(req.body[0])
    except ProtocolError as exc:
        flow.note_malformed()
        return error(ErrorType.BAD_REQUEST, str(exc))
    handler = _HANDLERS.get(req.service.decode(errors="replace"))
    rid = body.get("rid")
    if handler is None:
        reply: dict[str, Any] | None = error(
            ErrorType.UNKNOWN_COMMAND, f"no command {req.service.decode(errors='replace')!r}"
        )
    else:
        try:
            reply = handler(flow, req, body)
        except BadRequest as exc:
            reply = error(ErrorType.BAD_REQUEST, str(exc))
    if reply is not None and rid is not None:
        reply["rid"] = rid
    return reply


# -- submit ---------------------------------------------------------------------------------------


def _job_from(spec: Any, policies: dict[str, dict[str, Any]], now: float) -> Job:
    """A job from a submit's fields; what the submit leaves out comes from its task's policy."""
    if not isinstance(spec, dict):
        raise BadRequest("a job is a map")
    task = spec.get("task")
    if not isinstance(task, str) or not task:
        raise BadRequest("'task' must be a non-empty string")
    # The task's policy ([tasks.NAME] of docmill.toml) fills in what the submit leaves out.
    spec = {**policies.get(task, {}), **{k: v for k, v in spec.items() if v is not None}}
    queue = spec.get("queue") or DEFAULT_QUEUE
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
        not_before = max(not_before or 0.0, now + countdown)
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
        created=now,
    )


def submit(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """One job (`task`, `args`, ...) or many (`jobs`); all are validated before any is kept.

    A job whose idempotency `key` is already known is not created again: its id comes back.
    `unserved` lists the jobs' queues that no connected worker serves.
    """
    if flow.draining:
        return error(ErrorType.UNAVAILABLE, "the broker is stopping; submit again shortly")
    many, now = "jobs" in body, flow.clock.time()
    if many:
        specs = body["jobs"]
        if not isinstance(specs, list) or not 0 < len(specs) <= MAX_BATCH:
            raise BadRequest(f"'jobs' must be a list of 1 to {MAX_BATCH} jobs")
        jobs = [_job_from(spec, flow.settings.task_policies, now) for spec in specs]
    else:
        jobs = [_job_from(body, flow.settings.task_policies, now)]
    try:
        for job in jobs:
            flow.jobs.blobs.check(job.args)
    except BadContent as exc:
        raise BadRequest(str(exc)) from None
    existing: list[str | None] = []
    first_of: dict[str, str] = {}  # a key twice in one batch is one job too: the first
    for job in jobs:
        known = (first_of.get(job.key) or flow.store.find_key(job.key)) if job.key else None
        if job.key and known is None:
            first_of[job.key] = job.id
        existing.append(known)
    try:
        flow.jobs.blobs.keep(j for j, known in zip(jobs, existing, strict=True) if known is None)
    except OSError as exc:
        return error(ErrorType.UNAVAILABLE, f"cannot keep the documents' bytes: {exc}")
    ids = []
    for job, known in zip(jobs, existing, strict=True):
        if known is None:
            flow.jobs.accept(job)
        ids.append(known or job.id)
    # A queue no connected worker lists: its jobs wait, silently, until one comes. Say so.
    unserved = sorted({job.queue for job in jobs if not flow.registry.serving(job.queue)})
    reply: dict[str, Any] = {"ok": True, "ids": ids} if many else {"ok": True, "id": ids[0]}
    return {**reply, "unserved": unserved}


# -- result ---------------------------------------------------------------------------------------


def _found(flow: JobFlow, job_ids: list[str]) -> dict[str, Job]:
    """The jobs of `job_ids` that exist, by id; those not in memory read in one query per 500."""
    return {job.id: job for job in flow.store.get_many(job_ids)}


def result(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any] | None:
    """The state of one job (`id`) or many (`ids`); with `wait`, answer once all have ended."""
    ids = body.get("ids", [body.get("id")])
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise BadRequest("give 'id' or 'ids' as job id strings")
    wait = body.get("wait") or 0
    if isinstance(wait, bool) or not isinstance(wait, int | float):
        raise BadRequest("'wait' must be a number of seconds")
    found = _found(flow, ids)
    pending = {job_id for job_id, job in found.items() if not job.status.terminal}
    if wait > 0 and pending:
        deadline = flow.clock.monotonic() + min(float(wait), flow.settings.max_result_wait)
        flow.jobs.wait(Waiter(req.sender, req.service, ids, pending, deadline, body.get("rid")))
        return None
    return {"ok": True, "jobs": views(found, ids)}


# -- status, cancel ------------------------------------------------------------------------------


def status(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """The broker's whole state (broker/state.py), with the stream position it matches."""
    return {"ok": True, **state.snapshot(flow)}


def cancel(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel a waiting or running job (a running one's worker drops it); a batch or a job in
    parts, with its children that have not ended."""
    job_id = body.get("id")
    if not isinstance(job_id, str):
        raise BadRequest("give the job's 'id'")
    job = flow.store.get(job_id)
    if job is None:
        return {"ok": True, "status": JobStatus.UNKNOWN.value}
    if job.status.terminal:
        return {"ok": True, "status": job.status.value}
    flow.cancel(job)
    return {"ok": True, "status": job.status.value}


# -- dead letters ---------------------------------------------------------------------------------


def dead(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Jobs that exhausted their attempts, newest first, with their last error."""
    limit = Bound(integer=True, low=0).get(body, "limit", 1000)
    return {
        "ok": True,
        "jobs": [job.view() for job in flow.store.by_status(JobStatus.DEAD, limit)],
    }


def retry(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Put ended jobs (one `id`, or every dead one with `all_dead`) back in line, attempts reset."""
    if body.get("all_dead") is True:
        jobs = flow.store.by_status(JobStatus.DEAD, MAX_BATCH)
    elif isinstance(body.get("id"), str):
        job = flow.store.get(body["id"])
        if job is None:
            raise BadRequest(f"no job {body['id']}")
        if not job.status.terminal or job.status is JobStatus.SUCCEEDED:
            raise BadRequest(f"job {job.id} is {job.status.value}; only ended jobs are retried")
        jobs = [job]
    else:
        raise BadRequest("give 'id', or 'all_dead': true")
    for job in jobs:
        flow.jobs.retry(job)
    return {"ok": True, "ids": [job.id for job in jobs]}


def purge(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Delete a page of dead jobs (`dead`: true, `limit` of them, at most MAX_PURGE) from the
    store, or a page of the waiting jobs of a queue (`queue` and their `ids`, at most
    MAX_PURGE): cancelled, then deleted. Pages keep each message short work for the loop."""
    if body.get("dead") is True:
        limit = min(Bound(integer=True, low=1).get(body, "limit", MAX_PURGE), MAX_PURGE)
        dead = [job.id for job in flow.store.by_status(JobStatus.DEAD, limit)]
        return {"ok": True, "deleted": flow.jobs.delete(dead), "more": len(dead) == limit}
    queue, ids = body.get("queue"), body.get("ids")
    if not isinstance(queue, str) or not queue or not isinstance(ids, list):
        raise BadRequest("give 'dead': true, or 'queue' and the 'ids' of its waiting jobs")
    if not all(isinstance(i, str) for i in ids) or len(ids) > MAX_PURGE:
        raise BadRequest(f"'ids' must be a list of at most {MAX_PURGE} job id strings")
    deleted, kept = flow.purge(queue, ids)
    return {"ok": True, "deleted": len(deleted), "cancelled": len(kept)}


_Handler = Callable[[JobFlow, ClientRequest, dict[str, Any]], "dict[str, Any] | None"]
_HANDLERS: dict[str, _Handler] = {
    Command.SUBMIT.value: submit,
    Command.RESULT.value: result,
    Command.STATUS.value: status,
    Command.CANCEL.value: cancel,
    Command.DEAD.value: dead,
    Command.RETRY.value: retry,
    Command.PURGE.value: purge,
    Command.JOBS.value: listing.jobs,
    Command.HISTORY.value: listing.history,
    Command.SNAPSHOT.value: status,
    Command.PAUSE.value: admin.pause,
    Command.RESUME.value: admin.resume,
    Command.WORKER_STATS.value: admin.worker_stats,
    Command.SCALE.value: admin.scale,
    Command.WATCHER_STATS.value: admin.watcher_stats,
    Command.WORKER_GONE.value: admin.worker_gone,
    Command.STOP.value: admin.stop,
}
