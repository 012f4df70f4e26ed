"""docmill.jobs and docmill.history: what the store keeps, listed a page at a time.

`docmill.jobs` pages through jobs newest first (filters: state, queue, task, file-name text,
a time range), through the store's indexed, bounded query; `docmill.history` answers the
per-minute aggregates the broker keeps (broker/history.py). Both read, neither changes a job.
"""

from __future__ import annotations

from typing import Any

from broker.flow import JobFlow
from broker.jobs import Job
from broker.queries import JobQuery
from docmill.protocol import BadRequest, Bound, ClientRequest, JobStatus

LIST_LIMIT = 200  # jobs in one page of docmill.jobs
_TEXT = 200  # characters of file-name text a listing may look for


def jobs(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A page of jobs from the store, newest first, filtered by state, queue, task and the
    file name's text, and created in [`after`, `before`); `next` (or null) is the `cursor` of
    the following page. With `ids`, those
    jobs' lines instead (their arguments, which `docmill.result` does not give)."""
    if "ids" in body:
        ids = body["ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BadRequest("'ids' must be a list of job id strings")
        if len(ids) > LIST_LIMIT:
            raise BadRequest(f"'ids' lists at most {LIST_LIMIT} jobs")
        return {"ok": True, "jobs": [_listed(j) for j in flow.store.get_many(ids)], "next": None}
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
        before=float(Bound(integer=False, low=0).get(body, "before", float("inf"))),
        after=float(Bound(integer=False, low=0).get(body, "after", 0.0)),
        limit=min(Bound(integer=True, low=1).get(body, "limit", 50), LIST_LIMIT),
        cursor=_cursor(body),
    )
    found, following = flow.store.listing(query)
    cursor = f"{following[0]!r}/{following[1]}" if following else None
    return {"ok": True, "jobs": [_listed(job) for job in found], "next": cursor}


def _cursor(body: dict[str, Any]) -> tuple[float, str] | None:
    """The `cursor` a previous page gave as its `next`: "CREATED/ID"."""
    text = body.get("cursor")
    if text is None:
        return None
    created, _, job_id = str(text).partition("/") if isinstance(text, str) else ("", "", "")
    try:
        return float(created), job_id
    except ValueError:
        raise BadRequest("'cursor' must be the `next` of a previous page") from None


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


def history(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """The per-minute history of the last `span` seconds (at most its retention, 30 days)."""
    span = Bound(integer=False, low=60).get(body, "span", 3600)
    return {"ok": True, **flow.jobs.history.series(min(float(span), flow.jobs.history.retention))}
