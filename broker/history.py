"""Per-minute history of the job flow, kept by the broker in its store so it survives restarts.

What the snapshot's metrics give for the last 15 minutes, this keeps for 30 days: per minute and
task, the jobs that ended by final state (and the retries, by error type), their summed
durations and a histogram of them (so p50 and p95 can be read over any span), and per minute and
queue the most jobs that waited. Rows are added up in memory and written when the minute turns
(one small transaction a minute at most, none when nothing happens), when `docmill.history`
asks, and when the broker stops; rows older than the retention are deleted as it writes.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from broker.jobs import Job
from docmill.protocol import JobStatus

log = logging.getLogger(__name__)

RETENTION = 30 * 86_400.0  # seconds of history kept
MAX_POINTS = 720  # buckets in one answer: the step grows with the span asked for
# Upper bounds (s) of the duration histogram's buckets; the last one takes everything above.
BOUNDS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, math.inf)
_H = [f"h{i}" for i in range(len(BOUNDS))]
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS history_jobs (
    minute INTEGER NOT NULL, task TEXT NOT NULL, outcome TEXT NOT NULL, error TEXT NOT NULL,
    n INTEGER NOT NULL, seconds REAL NOT NULL, {", ".join(f"{h} INTEGER NOT NULL" for h in _H)},
    PRIMARY KEY (minute, task, outcome, error)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history_queues (
    minute INTEGER NOT NULL, queue TEXT NOT NULL, due INTEGER NOT NULL,
    PRIMARY KEY (minute, queue)
) WITHOUT ROWID;
"""
_ADD_JOBS = (
    f"INSERT INTO history_jobs VALUES ({', '.join('?' * (6 + len(_H)))}) "
    "ON CONFLICT DO UPDATE SET n = n + excluded.n, seconds = seconds + excluded.seconds, "
    + ", ".join(f"{h} = {h} + excluded.{h}" for h in _H)
)
_ADD_QUEUES = (
    "INSERT INTO history_queues VALUES (?, ?, ?) "
    "ON CONFLICT DO UPDATE SET due = MAX(due, excluded.due)"
)


@dataclass
class _Row:
    n: int = 0
    seconds: float = 0.0
    hist: list[int] = field(default_factory=lambda: [0] * len(BOUNDS))


class History:
    def __init__(self, db: sqlite3.Connection, retention: float = RETENTION) -> None:
        self.db, self.retention = db, retention
        self.db.executescript(_SCHEMA)
        # This is the loop's connection, which only reads besides these rows (the store writes
        # on its writer thread): a minute's rows give up after 50 ms behind a long write rather
        # than hold the loop for the default 5 s (WAL reads never wait).
        self.db.execute("PRAGMA busy_timeout = 50")
        self._jobs: dict[tuple[int, str, str, str], _Row] = {}
        self._queues: dict[tuple[int, str], int] = {}
        self._minute = int(time.time() // 60)

    # -- what the broker tells it ---------------------------------------------------------------

    def settled(self, job: Job, now: float | None = None) -> None:
        """A job ended (succeeded, failed, dead or cancelled)."""
        error = ""
        if job.status in (JobStatus.FAILED, JobStatus.DEAD) and job.error:
            error = str(job.error.get("type", ""))
        ran = None
        if job.status is JobStatus.SUCCEEDED and job.started and job.finished:
            ran = max(0.0, job.finished - job.started)
        self._add(now, job.task, job.status.value, error, ran)

    def retried(self, job: Job, error_type: str, now: float | None = None) -> None:
        """An attempt failed and the job will run again."""
        self._add(now, job.task, "retried", error_type, None)

    def sample(self, due: dict[str, int], now: float | None = None) -> None:
        """The jobs waiting in each queue now (the broker's state, every few seconds); an empty
        queue writes nothing, so an idle broker writes no history at all."""
        minute = self._turn(now)
        for queue, n in due.items():
            if n <= 0:
                continue
            key = (minute, queue)
            self._queues[key] = max(self._queues.get(key, 0), n)

    def _add(
        self, now: float | None, task: str, outcome: str, error: str, ran: float | None
    ) -> None:
        row = self._jobs.setdefault((self._turn(now), task, outcome, error), _Row())
        row.n += 1
        if ran is not None:
            row.seconds += ran
            row.hist[next(i for i, bound in enumerate(BOUNDS) if ran <= bound)] += 1

    def _turn(self, now: float | None) -> int:
        minute = int((now or time.time()) // 60)
        if minute != self._minute:
            try:
                self.flush(now)
            except sqlite3.Error as exc:  # a full disk: the minute's history, not the broker
                log.warning("history of the last minute not kept: %s", exc)
                self._jobs.clear()
                self._queues.clear()
            self._minute = minute
        return minute

    def flush(self, now: float | None = None) -> None:
        """Write what was added up since the last flush (added to the stored rows)."""
        if not self._jobs and not self._queues:
            return
        jobs = [(*key, r.n, r.seconds, *r.hist) for key, r in self._jobs.items()]
        queues = [(*key, due) for key, due in self._queues.items()]
        oldest = int(((now or time.time()) - self.retention) // 60)
        self.db.execute("BEGIN")
        try:
            self.db.executemany(_ADD_JOBS, jobs)
            self.db.executemany(_ADD_QUEUES, queues)
            self.db.execute("DELETE FROM history_jobs WHERE minute < ?", (oldest,))
            self.db.execute("DELETE FROM history_queues WHERE minute < ?", (oldest,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._jobs.clear()
        self._queues.clear()

    # -- what docmill.history answers ---------------------------------------------------------

    def series(self, span: float, now: float | None = None) -> dict[str, Any]:
        """The last `span` seconds in at most MAX_POINTS buckets, oldest first."""
        now = now or time.time()
        self.flush(now)
        step = max(1, math.ceil(span / 60 / MAX_POINTS))  # minutes per bucket
        first = int((now - span) // 60)
        buckets: dict[int, dict[str, Any]] = {}

        def bucket(minute: int) -> dict[str, Any]:
            start = (minute - first) // step
            return buckets.setdefault(
                start,
                {
                    "ts": (first + start * step) * 60,
                    "ended": Counter(),
                    "errors": Counter(),
                    "hist": {},
                    "due": {},
                },
            )

        rows = self.db.execute(
            f"SELECT minute, task, outcome, error, n, {', '.join(_H)} FROM history_jobs "
            "WHERE minute >= ?",
            (first,),
        )
        for minute, task, outcome, error, n, *hist in rows:
            b = bucket(minute)
            b["ended"][outcome] += n
            if error:
                b["errors"][error] += n
            if any(hist):
                into = b["hist"].setdefault(task, [0] * len(BOUNDS))
                for i, count in enumerate(hist):
                    into[i] += count
        for minute, queue, due in self.db.execute(
            "SELECT minute, queue, due FROM history_queues WHERE minute >= ?", (first,)
        ):
            b = bucket(minute)
            b["due"][queue] = max(b["due"].get(queue, 0), due)
        points = []
        for _, b in sorted(buckets.items()):
            latency = {task: _quantiles(hist) for task, hist in b.pop("hist").items()}
            points.append({**b, "ended": dict(b["ended"]), "errors": dict(b["errors"]),
                           "latency": latency})  # fmt: skip
        return {"step": step * 60, "since": first * 60, "points": points}


def _quantiles(hist: list[int]) -> dict[str, float | None]:
    """p50 and p95 from a histogram: the upper bound of the bucket each falls in (the last
    bucket, unbounded, reads as its lower bound)."""
    total = sum(hist)

    def at(q: float) -> float | None:
        if not total:
            return None
        seen = 0
        for i, count in enumerate(hist):
            seen += count
            if seen >= q * total:
                return BOUNDS[i] if math.isfinite(BOUNDS[i]) else BOUNDS[i - 1]
        return None

    return {"p50": at(0.5), "p95": at(0.95), "n": total}
