"""Task statistics kept by the broker as jobs end, so every snapshot carries them.

A monitor started (or restarted) in the middle of a run therefore shows throughput, latency
and recent failures at once, instead of rebuilding them from the events it happens to see.
Memory is bounded: per-second buckets for the last 15 minutes, a sample of recent durations
per task, and the last failures.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any

from broker.jobs import Job
from docmill.protocol import JobStatus
from docmill.stats import percentile

WINDOWS = (60, 300, 900)  # seconds: throughput over the last 1, 5 and 15 minutes
_SAMPLES = 500  # recent durations kept per task, for percentiles
_FAILURES = 20
_TASKS = 200  # tasks counted by name; more (a user naming tasks freely) count as "other"


class Metrics:
    def __init__(self) -> None:
        self._ended: deque[list[int]] = deque()  # [second, jobs ended in it]
        self._durations: dict[str, deque[float]] = {}
        self.ended: Counter[str] = Counter()  # by final state, since the broker started
        self.errors: Counter[str] = Counter()  # by error type, failures and retries
        self.failures: deque[dict[str, Any]] = deque(maxlen=_FAILURES)
        self.by_task: dict[str, Counter[str]] = {}  # final states by task, for /metrics

    def settled(self, job: Job, now: float | None = None) -> None:
        now = now or time.time()
        second = int(now)
        if self._ended and self._ended[-1][0] == second:
            self._ended[-1][1] += 1
        else:
            self._ended.append([second, 1])
        while self._ended and self._ended[0][0] < second - WINDOWS[-1]:
            self._ended.popleft()
        self.ended[job.status.value] += 1
        task = job.task if job.task in self.by_task or len(self.by_task) < _TASKS else "other"
        self.by_task.setdefault(task, Counter())[job.status.value] += 1
        if job.status is JobStatus.SUCCEEDED and job.started and job.finished:
            samples = self._durations.setdefault(job.task, deque(maxlen=_SAMPLES))
            samples.append(job.finished - job.started)
        elif job.status in (JobStatus.FAILED, JobStatus.DEAD):
            error = job.error or {}
            self.errors[str(error.get("type"))] += 1
            self.failures.appendleft(
                {
                    "ts": now,
                    "job": job.id,
                    "task": job.task,
                    "status": job.status.value,
                    "error": error.get("type"),
                    "message": error.get("message"),
                    "path": job.args.get("path") if isinstance(job.args, dict) else None,
                }
            )

    def retried(self, error_type: str) -> None:
        self.ended["retried"] += 1
        self.errors[error_type] += 1

    def summary(self, now: float | None = None) -> dict[str, Any]:
        now_s = int(now or time.time())
        return {
            "throughput_per_min": {
                f"{w // 60}m": sum(n for s, n in self._ended if s > now_s - w) * 60.0 / w
                for w in WINDOWS
            },
            "spark": self._spark(now_s),
            "latency": {
                task: {
                    "p50": percentile(list(v), 0.5),
                    "p95": percentile(list(v), 0.95),
                    "n": len(v),
                }
                for task, v in sorted(self._durations.items())
            },
            "ended": dict(self.ended),
            "errors": dict(self.errors),
            "failures": list(self.failures),
            "by_task": {task: dict(ended) for task, ended in sorted(self.by_task.items())},
        }

    def _spark(self, now_s: int, buckets: int = 30, width: int = 30) -> list[int]:
        """Jobs ended in each of the last 30 half-minutes, oldest first."""
        counts = [0] * buckets
        for second, n in self._ended:
            age = (now_s - second) // width
            if 0 <= age < buckets:
                counts[buckets - 1 - age] += n
        return counts
