"""The broker's whole state as one plain map: the answer to `docmill.status` / `docmill.snapshot`,
and the body of the periodic `broker.state` event on the status stream.

It carries the stream's sequence number at the moment it was taken, so a subscriber that
starts (or finds a gap) can take a snapshot and then apply only the events numbered after it.
"""

from __future__ import annotations

from typing import Any

import psutil

from broker.flow import JobFlow
from docmill.protocol import JobStatus


def host_stats(folder: str) -> dict[str, Any]:
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


def snapshot(flow: JobFlow) -> dict[str, Any]:
    """The flow's state, with the broker's own facts (`flow.describe()`: `seq`, `state_seq`,
    `broker` (pid, endpoints, counters), `store_errors`) where it has them."""
    now = flow.clock.time()
    about = flow.describe()
    store = flow.store
    oldest: dict[str, float] = {}
    for job in store.live():
        if job.status is JobStatus.QUEUED and (job.not_before or 0) <= now:
            oldest[job.queue] = min(oldest.get(job.queue, now), job.created)
    workers = flow.registry.workers.values()
    running = [
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
        "broker": {
            **about.get("broker", {}),
            "malformed": flow.malformed,
            "draining": flow.draining,
        },
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
            name: {
                "queued": len(service.queue),
                "workers": sum(name in w.services for w in workers),
                "paused": service.paused,
                "oldest_age": now - oldest[name] if name in oldest else 0.0,
            }
            for name, service in sorted(flow.registry.services.items())
        },
        "metrics": flow.jobs.metrics.summary(now),
        "running": running,
        "pools": flow.fleet.pools,
        "watchers": flow.fleet.watchers,
        "workers": [flow.registry.view(w) for w in workers],
        "retries": [
            {
                "id": job.id,
                "task": job.task,
                "attempts": job.attempts,
                "max_attempts": job.max_attempts,
                "next_run": job.not_before,
                "error": job.error,
            }
            for job in store.waiting_retries(20)
        ],
    }
