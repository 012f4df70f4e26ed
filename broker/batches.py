"""process_batch: one parent job fanned out into a child job per document, run by the broker.

The parent is `running` while its children run, and succeeds, when the last child ends, with
a summary: counts by state and each file's status. The broker does the fan-out itself (it owns
the jobs), so a batch costs no worker and survives a broker restart: the children are in the
store, and the count of children still to end is rebuilt from them on start.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from broker.jobs import Job, new_job_id
from broker.protocol import JobStatus

if TYPE_CHECKING:
    from broker.broker import Broker

TASK = "process_batch"
DEFAULT_CHILD_TASK = "process_document"
MAX_BATCH = 10_000


class BadBatch(ValueError):
    pass


def check(args: dict[str, Any]) -> None:
    """Refuse a malformed batch at submit time, before anything is stored."""
    paths = args.get("paths")
    if not isinstance(paths, list) or not 0 < len(paths) <= MAX_BATCH:
        raise BadBatch(f"process_batch takes 'paths': a list of 1 to {MAX_BATCH} paths")
    if not all(isinstance(p, str) and p for p in paths):
        raise BadBatch("every path in 'paths' must be a non-empty string")
    if not isinstance(args.get("task", DEFAULT_CHILD_TASK), str):
        raise BadBatch("'task' names the task each child runs")
    if not isinstance(args.get("args", {}), dict):
        raise BadBatch("'args' are extra arguments for each child, a map")


def fan_out(broker: Broker, parent: Job) -> None:
    from broker import lifecycle

    parent.status, parent.started, parent.worker = JobStatus.RUNNING, time.time(), "broker"
    parent.attempts = 1
    broker.store.save(parent)
    task = parent.args.get("task", DEFAULT_CHILD_TASK)
    extra = parent.args.get("args", {})
    children = [
        Job(
            id=new_job_id(),
            task=task,
            queue=parent.queue,
            args={**extra, "path": path},
            priority=parent.priority,
            max_attempts=parent.max_attempts,
            timeout=parent.timeout,
            parent=parent.id,
            backoff=parent.backoff,
            backoff_max=parent.backoff_max,
        )
        for path in parent.args["paths"]
    ]
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


def _complete(broker: Broker, parent: Job) -> None:
    from broker import lifecycle

    result = summary(broker.store.children(parent.id))
    lifecycle.finish(broker, parent, {"ok": True, "result": result})


def recover(broker: Broker, parents: list[Job]) -> None:
    """Rebuild the count of unfinished children of each batch the last run left open."""
    for parent in parents:
        if parent.status is JobStatus.QUEUED:
            fan_out(broker, parent)  # stored, but never fanned out
            continue
        children = broker.store.children(parent.id)
        left = sum(not child.status.terminal for child in children)
        if left:
            broker.batches[parent.id] = left
        else:
            _complete(broker, parent)
