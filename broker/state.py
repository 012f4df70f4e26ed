"""The broker's whole state as one typed record (docmill/status.py): the answer to
`docmill.status` / `docmill.snapshot`, and the body of the periodic `broker.state` event on the
status stream.

It carries the stream's sequence number at the moment it was taken, so a subscriber that
starts (or finds a gap) can take a snapshot and then apply only the events numbered after it.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, cast

import psutil

from broker.records import Worker
from docmill.protocol import JobStatus
from docmill.status import (
    HostStats,
    Metrics,
    PoolState,
    QueueState,
    RetryInfo,
    RunningJob,
    Snapshot,
    WatcherState,
    WorkerMeasures,
    WorkerState,
)

if TYPE_CHECKING:
    from broker.broker import Broker


def host_stats(folder: str) -> HostStats:
    """CPU, memory and the disk holding the home folder: what a health check needs."""
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(folder)
    return {
        "cpu_percent": psutil.cpu_percent(interval=None),
        "memory_percent": memory.percent,
        "memory_available": memory.available,
        "disk_percent": disk.percent,
        "disk_free": disk.free,
    }


def snapshot(broker: Broker) -> Snapshot:
    now = time.time()
    oldest: dict[str, float] = {}
    due: dict[str, int] = {}  # queued jobs whose time has come; a queue's line also holds
    for job in broker.store.live():  # cancelled jobs until their turn comes
        if job.status is JobStatus.QUEUED and (job.not_before or 0) <= now:
            oldest[job.queue] = min(oldest.get(job.queue, now), job.created)
            due[job.queue] = due.get(job.queue, 0) + 1
    running: list[RunningJob] = []
    for worker in broker.workers.values():
        held = broker.store.get(worker.job) if worker.job else None
        if held is not None:
            running.append(
                {
                    "job": held.id,
                    "task": held.task,
                    "queue": held.queue,
                    "worker": worker.name,
                    "attempt": held.attempts,
                    "elapsed": now - (held.started or now),
                    "timeout": held.timeout,
                    "path": held.args.get("path"),
                }
            )
    counts = broker.store.counts()
    return {
        "seq": broker.events.seq,
        "state_seq": broker.state_seq,
        "ts": now,
        "broker": {
            "pid": os.getpid(),
            "endpoint": broker.endpoint,
            "events": broker.events_endpoint,
            "started": broker.started,
            "uptime": now - broker.started,
            "malformed": broker.malformed,
            "oversized": broker.oversized,
            "curve": broker.guard is not None,
            "auth_refused": broker.guard.allow.refused if broker.guard else 0,
            "events_published": broker.events.seq,
            "events_unwatched": broker.events.skipped,
            "draining": broker.draining,
        },
        "store": {
            "path": str(broker.store.path),
            "commits": broker.store.commits,
            "commit_seconds": broker.store.commit_seconds,
            "errors": broker.store_errors,
        },
        "host": host_stats(str(broker.settings.home.root)),
        "counts": counts,
        "dead": counts.get(JobStatus.DEAD.value, 0),
        "queues": {
            name: QueueState(
                queued=len(service.queue),
                due=due.get(name, 0),
                workers=sum(name in w.services for w in broker.workers.values()),
                paused=service.paused,
                oldest_age=now - oldest[name] if name in oldest else 0.0,
            )
            for name, service in sorted(broker.services.items())
        },
        "metrics": _metrics(broker.metrics.summary(now)),
        "running": running,
        "pools": {name: _pool(record) for name, record in broker.pools.items()},
        "watchers": {name: _watcher(record) for name, record in broker.watchers.items()},
        "workers": [_worker(w) for w in broker.workers.values()],
        "retries": [
            RetryInfo(
                id=job.id,
                task=job.task,
                attempts=job.attempts,
                max_attempts=job.max_attempts,
                next_run=job.not_before,
                error=job.error,
            )
            for job in broker.store.waiting_retries(20)
        ],
    }


def _worker(worker: Worker) -> WorkerState:
    # The pool's measures first, as they never replace the broker's own fields.
    measures = {k: v for k, v in worker.stats.items() if k in WorkerMeasures.__optional_keys__}
    return {
        **cast(WorkerMeasures, measures),
        "id": worker.name,
        "pid": worker.pid,
        "host": worker.host,
        "queues": worker.services,
        "state": "busy" if worker.job else "idle",
        "job": worker.job,
        "jobs_done": worker.jobs_done,
        "last_seen": worker.last_seen,
    }


def _pool(record: dict[str, Any]) -> PoolState:
    return {
        "concurrency": record["concurrency"],
        "wanted": record["wanted"],
        "seen": record["seen"],
    }


def _watcher(record: dict[str, Any]) -> WatcherState:
    return {"counters": record["counters"], "seen": record["seen"]}


def _metrics(summary: dict[str, Any]) -> Metrics:
    return {
        "throughput_per_min": summary["throughput_per_min"],
        "spark": summary["spark"],
        "latency": summary["latency"],
        "ended": summary["ended"],
        "errors": summary["errors"],
        "failures": summary["failures"],
        "by_task": summary["by_task"],
    }
