"""Jobs the broker holds open while child jobs run: batches, and jobs a worker fanned out.

Two ways in, one mechanism:

- `process_batch` (submitted by a client): the broker fans it out itself into one child job per
  document, and the parent succeeds, when the last child ends, with a summary: counts by state
  and each file's status.
- a job whose worker replied `fan_out` (workers.errors.FanOut, e.g. a long PDF read in page
  ranges): the broker runs one child job per part on any worker, then puts the parent back in
  line with `parts`, the children's results in order, so that a worker finishes it. A part
  that does not succeed ends the parent with that part's error.

While its children run the parent is `running` with the broker as its worker, and its child
ids are kept in its record, so a restarted broker picks up where it was: the children are in
the store, and the count of those still to end is rebuilt from them.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from broker.jobs import Job, new_job_id
from docmill.protocol import MAX_PARTS, ErrorType, JobStatus

if TYPE_CHECKING:
    from broker.broker import Broker

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


def fan_out_batch(broker: Broker, parent: Job) -> None:
    extra = parent.args.get("args", {})
    task = parent.args.get("task", DEFAULT_CHILD_TASK)
    fan_out(broker, parent, task, [{**extra, "path": path} for path in parent.args["paths"]])


def fan_out(broker: Broker, parent: Job, task: str, parts: list[dict[str, Any]]) -> None:
    """Hold `parent` open and line up one child job of `task` per args map in `parts`."""
    from broker import lifecycle

    created = time.time()
    if parent.status is JobStatus.RUNNING:  # a started job's parts take its place in line
        created = parent.created
    else:  # a batch: the broker starts it itself, and its files queue as new jobs
        parent.status, parent.started, parent.attempts = JobStatus.RUNNING, created, 1
    children = [
        Job(
            id=new_job_id(),
            task=task,
            queue=parent.queue,
            args=args,
            priority=parent.priority,
            max_attempts=parent.max_attempts,
            timeout=parent.timeout,
            parent=parent.id,
            backoff=parent.backoff,
            backoff_max=parent.backoff_max,
            created=created,
        )
        for args in parts
    ]
    parent.worker, parent.result = HOLDER, {"children": [child.id for child in children]}
    broker.store.save(parent)
    broker.batches[parent.id] = len(children)
    for child in children:
        lifecycle.accept(broker, child)


def child_settled(broker: Broker, child: Job) -> None:
    assert child.parent is not None
    left = broker.batches.get(child.parent)
    if left is None:
        return
    if left > 1:
        broker.batches[child.parent] = left - 1
        return
    del broker.batches[child.parent]
    parent = broker.store.get(child.parent)
    if parent is not None and parent.status is JobStatus.RUNNING:
        _complete(broker, parent)


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


def children(broker: Broker, parent: Job) -> list[Job]:
    """The child jobs of a parent the broker holds open, in the order of its parts."""
    return broker.store.get_many((parent.result or {}).get("children") or [])


def _complete(broker: Broker, parent: Job) -> None:
    from broker import lifecycle

    parts = children(broker, parent)
    if parent.task == TASK:
        lifecycle.finish(broker, parent, {"ok": True, "result": summary(parts)})
        return
    failed = next((c for c in parts if c.status is not JobStatus.SUCCEEDED), None)
    if failed is not None or not parts:
        err = dict((failed.error if failed else None) or {"type": ErrorType.TASK_ERROR.value})
        err["message"] = f"part {failed.id if failed else '?'}: {err.get('message', '')}"
        parent.attempts = parent.max_attempts  # retrying the whole would only repeat the parts
        lifecycle.finish(broker, parent, {"ok": False, "error": err})
        return
    parent.args = {**parent.args, "parts": [child.result for child in parts]}
    parent.result = None
    lifecycle.requeue(broker, parent, "its parts are done", count_attempt=False)


def held(job: Job) -> bool:
    """Whether the last run left `job` open for its children (or a batch not yet fanned out)."""
    return job.worker == HOLDER or (job.task == TASK and job.status is JobStatus.QUEUED)


def recover(broker: Broker, parents: list[Job]) -> None:
    """Rebuild the count of unfinished children of each parent the last run left open."""
    for parent in parents:
        if parent.status is JobStatus.QUEUED:
            fan_out_batch(broker, parent)  # stored, but never fanned out
            continue
        left = sum(not child.status.terminal for child in children(broker, parent))
        if left:
            broker.batches[parent.id] = left
        else:
            _complete(broker, parent)
