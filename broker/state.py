"""The broker's whole state as one typed record (docmill/status.py): the answer to
`docmill.status` / `docmill.snapshot`, and the body of the periodic `broker.state` event on the
status stream.

It carries the stream's sequence number at the moment it was taken, so a subscriber that
starts (or finds a gap) can take a snapshot and then apply only the events numbered after it.
"""

from __future__ import annotations

from typing import Any, cast

import psutil

from broker.flow import JobFlow
from broker.records import Registry, Worker
from docmill.protocol import JobStatus
from docmill.status import (
    BrokerInfo,
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


def snapshot(flow: JobFlow) -> Snapshot:
    """The flow's state, with the broker's own facts (`flow.describe()`: `seq`, `state_seq`,
    `broker` (pid, endpoints, counters), `store_errors`) where it has them."""
    now = flow.clock.time()
    about = flow.describe()
    store = flow.store
    oldest: dict[str, float] = {}
    due: dict[str, int] = {}  # queued jobs whose time has come; a queue's line also holds
    for job in store.live():  # cancelled jobs until their turn comes
        if job.status is JobStatus.QUEUED and (job.not_before or 0) <= now:
            oldest[job.queue] = min(oldest.get(job.queue, now), job.created)
            due[job.queue] = due.get(job.queue, 0) + 1
    workers = flow.registry.workers.values()
    running: list[RunningJob] = [
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
        for worker, held in flow.registry.running()
    ]
    counts = store.counts()
    return {
        "seq": about.get("seq", 0),
        "state_seq": about.get("state_seq", 0),
        "ts": now,
        "broker": cast(
            BrokerInfo,
            {**about.get("broker", {}), "malformed": flow.malformed, "draining": flow.draining},
        ),
        "store": {
            "path": str(store.path),
            "commits": store.commits,
            "commit_seconds": store.commit_seconds,
            "errors": about.get("store_errors", 0),
        },
        "host": host_stats(str(flow.settings.home.root)),
        "counts": counts,
        "dead": counts.get(JobStatus.DEAD.value, 0),
        "queues": {
            name: QueueState(
                queued=len(service.queue),
                due=due.get(name, 0),
                workers=sum(name in w.services for w in workers),
                paused=service.paused,
                oldest_age=now - oldest[name] if name in oldest else 0.0,
            )
            for name, service in sorted(flow.registry.services.items())
        },
        "metrics": _metrics(flow.jobs.metrics.summary(now)),
        "running": running,
        "pools": {name: _pool(record) for name, record in flow.fleet.pools.items()},
        "watchers": {name: _watcher(record) for name, record in flow.fleet.watchers.items()},
        "workers": [_worker(flow.registry, w) for w in workers],
        "retries": [
            RetryInfo(
                id=job.id,
                task=job.task,
                attempts=job.attempts,
                max_attempts=job.max_attempts,
                next_run=job.not_before,
                error=job.error,
            )
            for job in store.waiting_retries(20)
        ],
    }


def _worker(registry: Registry, worker: Worker) -> WorkerState:
    view = registry.view(worker)
    # The pool's measures, only those the protocol names; never in place of the broker's own.
    measures = {k: v for k, v in view.items() if k in WorkerMeasures.__optional_keys__}
    return {
        **cast(WorkerMeasures, measures),
        "id": view["id"],
        "pid": view["pid"],
        "host": view["host"],
        "pool": view["pool"],
        "queues": view["queues"],
        "state": view["state"],
        "job": view["job"],
        "jobs_done": view["jobs_done"],
        "last_seen": view["last_seen"],
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
