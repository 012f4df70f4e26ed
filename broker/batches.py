"""Jobs the broker holds open while child jobs run: batches, and jobs a worker fanned out.

Two ways in, one mechanism:

- `process_batch` (submitted by a client): the broker fans it out itself into one child job per
  document, and the parent succeeds, when the last child ends, with a summary: counts by state
  and each file's status.
- a job whose worker replied `fan_out` (workers.errors.FanOut, e.g. a long PDF read in page
  ranges, scanned pages read on the `ocr` queue): the broker runs one child job per part, on
  the fan-out's queue (default the job's), then puts the parent back in line with the
  children's results in order, in its arg `parts` (or the fan-out's `into`), so that a worker
  finishes it. A part that does not succeed ends the parent with that part's error, unless
  the fan-out is `partial`: then the part's error takes its place among the results.

While its children run the parent is `running` with the broker as its worker, and its child
ids are kept in its record, so a restarted broker picks up where it was: the children are in
the store, and the count of those still to end is rebuilt from them.

Here are the rules and the count of children still to end; the job flow (flow.py) applies them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from broker.jobs import Job, new_job_id
from docmill.protocol import MAX_PARTS, ErrorType, JobStatus

TASK = "process_batch"
DEFAULT_CHILD_TASK = "process_document"
HOLDER = "broker"  # the `worker` of a parent whose children run


class BadBatch(ValueError):
    pass


def check(args: dict[str, Any]) -> None:
    """Refuse a malformed batch at submit time, before anything is stored."""
    paths = args.get("paths")
    if not isinstance(paths, list) or not 0 < len(paths) <= MAX_PARTS:
        raise BadBatch(f"process_batch takes 'paths': a list of 1 to {MAX_PARTS} paths")
    if not all(isinstance(p, str) and p for p in paths):
        raise BadBatch("every path in 'paths' must be a non-empty string")
    if not isinstance(args.get("task", DEFAULT_CHILD_TASK), str):
        raise BadBatch("'task' names the task each child runs")
    if not isinstance(args.get("args", {}), dict):
        raise BadBatch("'args' are extra arguments for each child, a map")


def batch_parts(parent: Job) -> tuple[str, list[dict[str, Any]]]:
    """A batch's child task, and one args map per file."""
    extra = parent.args.get("args", {})
    task = parent.args.get("task", DEFAULT_CHILD_TASK)
    return task, [{**extra, "path": path} for path in parent.args["paths"]]


def make_children(
    parent: Job,
    task: str,
    parts: list[dict[str, Any]],
    created: float,
    options: dict[str, Any] | None = None,
) -> list[Job]:
    """One child job of `task` per args map, with the parent's settings, or those of the
    fan-out's `options` (its `queue` and `timeout`)."""
    options = options or {}
    return [
        Job(
            id=new_job_id(),
            task=task,
            queue=options.get("queue") or parent.queue,
            args=args,
            priority=parent.priority,
            max_attempts=parent.max_attempts,
            timeout=options.get("timeout") or parent.timeout,
            parent=parent.id,
            backoff=parent.backoff,
            backoff_max=parent.backoff_max,
            created=created,
        )
        for args in parts
    ]


def holding(children: list[Job], options: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a held parent keeps as its result: its children's ids, and where their results go
    and whether a failed one may pass (a fan-out's `into` and `partial`), so that a restarted
    broker finishes it the same way."""
    kept = {key: value for key, value in (options or {}).items() if key in ("into", "partial")}
    return {"children": [child.id for child in children], **kept}


def results(parent: Job, children: list[Job]) -> dict[str, Any]:
    """The arg a parent whose parts are done goes back in line with: its children's results in
    order under the fan-out's `into` (default `parts`); a failed part of a `partial` fan-out
    is its error."""
    found = [
        child.result if child.status is JobStatus.SUCCEEDED else {"error": child.error or {}}
        for child in children
    ]
    return {(parent.result or {}).get("into") or "parts": found}


def back_from_parts(job: Job) -> bool:
    """Whether `job` runs again with the results of its parts (its time runs from its first
    run, parts included)."""
    return any(key == "parts" or key.endswith("_parts") for key in job.args)


def child_ids(parent: Job) -> list[str]:
    """The ids of a held parent's children, in the order of its parts."""
    return list((parent.result or {}).get("children") or [])


def summary(children: list[Job]) -> dict[str, Any]:
    counts = Counter(child.status.value for child in children)
    return {
        "total": len(children),
        "counts": dict(counts),
        "files": [
            {
                "path": child.args.get("path"),
                "job": child.id,
                "status": child.status.value,
                "error": (child.error or {}).get("type"),
            }
            for child in children
        ],
    }


def completion(parent: Job, children: list[Job]) -> dict[str, Any] | None:
    """What ends a parent whose children have all ended: an outcome, or None when it goes back
    in line for a worker to finish from its parts' results."""
    if parent.task == TASK:
        return {"ok": True, "result": summary(children)}
    if (parent.result or {}).get("partial") and children:
        return None  # the parts that failed have their errors among the results
    failed = next((c for c in children if c.status is not JobStatus.SUCCEEDED), None)
    if failed is not None or not children:
        err = dict((failed.error if failed else None) or {"type": ErrorType.TASK_ERROR.value})
        err["message"] = f"part {failed.id if failed else '?'}: {err.get('message', '')}"
        return {"ok": False, "error": err}
    return None


def held(job: Job) -> bool:
    """Whether the last run left `job` open for its children (or a batch not yet fanned out)."""
    return job.worker == HOLDER or (job.task == TASK and job.status is JobStatus.QUEUED)


class OpenParents:
    """Parents held open, each with the number of its children still to end."""

    def __init__(self) -> None:
        self._left: dict[str, int] = {}

    def open(self, parent_id: str, children: int) -> None:
        self._left[parent_id] = children

    def child_ended(self, parent_id: str) -> bool:
        """One child of `parent_id` ended; True when it was the last."""
        left = self._left.get(parent_id)
        if left is None:
            return False
        if left > 1:
            self._left[parent_id] = left - 1
            return False
        del self._left[parent_id]
        return True

    def child_again(self, parent_id: str) -> None:
        """An ended child is unfinished again (retried by hand)."""
        if parent_id in self._left:
            self._left[parent_id] += 1

    def close(self, parent_id: str) -> bool:
        """Stop counting for `parent_id` (cancelled); whether it was held open."""
        return self._left.pop(parent_id, None) is not None

    def __contains__(self, parent_id: object) -> bool:
        return parent_id in self._left

    def ids(self) -> set[str]:
        return set(self._left)
