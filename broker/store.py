"""The durable job store: SQLite in WAL mode at home/state/jobs.db, owned by the broker alone.

The broker changes jobs in memory and calls `save`; `commit` writes every job changed since the
last commit in one transaction, once per pass of the broker loop (group commit), and submits
are acknowledged only after it. Unfinished jobs stay in memory; finished ones are read back
from the database when asked for, so the broker's memory does not grow with its history.
This module alone knows the table's layout: `docmill report`, in a process of its own, reads
the history through `created_since` (read-only) rather than with SQL of its own.

Durability (see docs/DURABILITY.md): `synchronous=FULL` (the default) survives power loss and
OS crashes; `synchronous=NORMAL` survives a crash or kill of any docmill process, but an OS crash
or power loss may take back the last transactions before a checkpoint.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broker.jobs import Job
from docmill.protocol import JobStatus, ProtocolError, pack, unpack

log = logging.getLogger(__name__)

_COLUMNS = (
    "id", "task", "queue", "status", "priority", "attempts", "max_attempts", "timeout",
    "not_before", "key", "parent", "worker", "backoff", "backoff_max",
    "created", "started", "finished", "args", "body", "result", "error",
)  # fmt: skip
_BLOBS = {"args", "body", "result", "error"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, task TEXT NOT NULL, queue TEXT NOT NULL, status TEXT NOT NULL,
    priority INTEGER NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL,
    timeout REAL, not_before REAL, key TEXT, parent TEXT, worker TEXT,
    backoff REAL NOT NULL, backoff_max REAL NOT NULL,
    created REAL NOT NULL, started REAL, finished REAL,
    args BLOB, body BLOB, result BLOB, error BLOB
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_key ON jobs(key) WHERE key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, finished);
CREATE INDEX IF NOT EXISTS jobs_parent ON jobs(parent) WHERE parent IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
INSERT OR IGNORE INTO meta VALUES ('schema', '1');
"""
# An upsert changes a known row in place: INSERT OR REPLACE deleted and re-added it, updating
# every index twice (and would delete any other row holding the same key).
_INSERT = (
    f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS[1:])}"
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM jobs"
_TERMINAL = tuple(s.value for s in JobStatus if s.terminal)
_UNFINISHED = tuple(s.value for s in JobStatus if not s.terminal)


def _row(job: Job) -> tuple[Any, ...]:
    values = []
    for name in _COLUMNS:
        value = getattr(job, name)
        if name == "status":
            value = value.value
        elif name in _BLOBS:
            value = None if value is None else pack(value)
        values.append(value)
    return tuple(values)


def _job(row: tuple[Any, ...]) -> Job:
    fields = dict(zip(_COLUMNS, row, strict=True))
    for name in _BLOBS:
        if fields[name] is not None:
            fields[name] = unpack(fields[name])
    fields["status"] = JobStatus(fields["status"])
    fields["args"] = fields["args"] or {}
    job = Job(**fields)
    job.counted = job.status  # as the store's counts know it
    return job


class SqliteStore:
    def __init__(self, path: Path, synchronous: str = "FULL", cache_size: int = 10_000) -> None:
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(_SCHEMA)
        self._live: dict[str, Job] = {}  # unfinished jobs: the broker's working set
        self._recent: OrderedDict[str, Job] = OrderedDict()  # finished, most recent last
        self._cache_size = cache_size
        self._dirty: dict[str, Job] = {}
        self._new: set[str] = set()  # added since take_new(), for the broker's acknowledgements
        # Added since the last commit, each with the status it was counted under before (None
        # for a new job), so that a failed commit can give the counts back.
        self._unsaved: dict[str, JobStatus | None] = {}
        self.commits = 0
        self.commit_seconds = 0.0
        # Jobs by status, kept as jobs are saved: one full count at start, none afterwards, so
        # a status snapshot costs the same with a million finished jobs as with none.
        self._counts: Counter[str] = Counter(
            dict(self.db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())
        )

    # -- the store contract -----------------------------------------------------------------------

    def add(self, job: Job) -> None:
        """A new job, or an ended one that is unfinished again (a retry by hand)."""
        self._recent.pop(job.id, None)
        self._live[job.id] = job
        self._dirty[job.id] = job
        self._new.add(job.id)
        self._unsaved.setdefault(job.id, job.counted)
        self._count(job)

    def take_new(self) -> set[str]:
        new, self._new = self._new, set()
        return new

    def discard_new(self) -> list[Job]:
        """After a failed commit: forget the jobs added since the last good one (refused)."""
        failed = [job for job_id in self._unsaved if (job := self._dirty.pop(job_id, None))]
        for job in failed:
            self._live.pop(job.id, None)
            # What the database still holds: nothing for a new job, the ended one for a retry.
            self._uncount(job)
            if (before := self._unsaved[job.id]) is not None:
                self._counts[before.value] += 1
                job.counted = before
        self._unsaved.clear()
        return failed

    @property
    def unsaved_new(self) -> bool:
        """Jobs were added since the last commit: they may not be acknowledged or run yet."""
        return bool(self._unsaved)

    @property
    def dirty(self) -> int:
        return len(self._dirty)

    def _count(self, job: Job) -> None:
        """Move `job` in the counts from the status it was counted under to its own."""
        if job.counted is not job.status:
            self._uncount(job)
            self._counts[job.status.value] += 1
            job.counted = job.status

    def _uncount(self, job: Job) -> None:
        if job.counted is not None:
            self._counts[job.counted.value] -= 1
            job.counted = None

    def save(self, job: Job) -> None:
        self._dirty[job.id] = job
        self._count(job)
        if job.status.terminal and self._live.pop(job.id, None) is not None:
            self._recent[job.id] = job
            if len(self._recent) > self._cache_size:
                self._recent.popitem(last=False)

    def get(self, job_id: str) -> Job | None:
        job = self._live.get(job_id) or self._dirty.get(job_id) or self._recent.get(job_id)
        if job is None:
            row = self.db.execute(f"{_SELECT} WHERE id = ?", (job_id,)).fetchone()
            job = _job(row) if row else None
        return job

    def get_many(self, job_ids: list[str]) -> list[Job]:
        """The jobs of `job_ids` that exist, in that order; those not in memory in one query
        per 500 (a batch's thousands of children, not a query each)."""
        found = {
            job_id: job
            for job_id in job_ids
            if (
                job := self._live.get(job_id) or self._dirty.get(job_id) or self._recent.get(job_id)
            )
        }
        missing = [job_id for job_id in job_ids if job_id not in found]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"{_SELECT} WHERE id IN ({marks})", chunk):
                job = _job(row)
                found[job.id] = job
        return [found[job_id] for job_id in job_ids if job_id in found]

    def commit(self) -> None:
        """Write every job changed since the last commit, in one transaction."""
        if not self._dirty:
            return
        start = time.perf_counter()
        rows = [_row(job) for job in self._dirty.values()]
        self.db.execute("BEGIN")
        try:
            self.db.executemany(_INSERT, rows)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._dirty.clear()
        self._unsaved.clear()
        self.commits += 1
        self.commit_seconds += time.perf_counter() - start

    def counts(self) -> dict[str, int]:
        """Jobs by status, saved or about to be (no query: kept as jobs are saved)."""
        return {status: n for status, n in self._counts.items() if n}

    def unfinished(self) -> list[Job]:
        """Jobs to take back into the broker's hands on start (and keep in memory)."""
        # IN, not NOT IN: read from the status index, not a scan of the whole history.
        placeholders = ", ".join("?" * len(_UNFINISHED))
        rows = self.db.execute(
            f"{_SELECT} WHERE status IN ({placeholders}) ORDER BY created", _UNFINISHED
        ).fetchall()
        jobs = [_job(row) for row in rows]
        self._live.update((job.id, job) for job in jobs)
        return jobs

    # -- queries beyond the contract --------------------------------------------------------------

    def find_key(self, key: str) -> str | None:
        for job in self._dirty.values():  # submitted in this pass, not yet committed
            if job.key == key:
                return job.id
        row = self.db.execute("SELECT id FROM jobs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def by_status(self, status: JobStatus, limit: int = 1000) -> list[Job]:
        self.commit()
        rows = self.db.execute(
            f"{_SELECT} WHERE status = ? ORDER BY finished DESC LIMIT ?", (status.value, limit)
        ).fetchall()
        return [_job(row) for row in rows]

    def live(self) -> list[Job]:
        """The unfinished jobs (the broker's working set)."""
        return list(self._live.values())

    def waiting_retries(self, limit: int) -> list[Job]:
        """Jobs waiting for a scheduled retry, soonest first."""
        waiting = [j for j in self._live.values() if j.status is JobStatus.RETRY_SCHEDULED]
        return sorted(waiting, key=lambda j: j.not_before or 0.0)[:limit]

    def delete(self, job_ids: Iterable[str]) -> int:
        """Forget finished jobs; unfinished ones are never deleted."""
        ids = [i for i in job_ids if i not in self._live]
        pending: dict[str, Job] = {}  # changed since the last commit: counted as in memory
        for job_id in ids:
            self._recent.pop(job_id, None)
            if (job := self._dirty.pop(job_id, None)) is not None:
                pending[job_id] = job
        gone: list[tuple[str, str]] = []
        self.db.execute("BEGIN")
        try:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"DELETE FROM jobs WHERE id IN ({marks}) RETURNING id, status"
                gone += self.db.execute(sql, chunk).fetchall()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            self._dirty.update(pending)
            raise
        for job in pending.values():
            self._uncount(job)
        for job_id, status in gone:
            if job_id not in pending:
                self._counts[status] -= 1
        return len(gone)

    def expired(self, finished_before: float, limit: int) -> list[str]:
        self.commit()
        placeholders = ", ".join("?" * len(_TERMINAL))
        rows = self.db.execute(
            f"SELECT id FROM jobs WHERE status IN ({placeholders}) AND finished < ? LIMIT ?",
            (*_TERMINAL, finished_before, limit),
        )
        return [row[0] for row in rows.fetchall()]

    def close(self) -> None:
        self.commit()
        self.db.close()


# -- reading history from another process ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobSummary:
    """What a report needs of one job, without its arguments, body or result."""

    id: str
    task: str
    status: str  # a JobStatus value, as stored
    created: float
    started: float | None
    finished: float | None
    error_type: str | None  # the type of its error map, if it has a readable one
    path: str | None  # its `path` argument, if it has one


def created_since(db_path: Path, since: float) -> list[JobSummary]:
    """The jobs created at or after `since` (Unix time), read-only: WAL lets another process
    read while the broker writes, so a long report costs the broker's loop nothing."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT id, task, status, created, started, finished, error, args "
            "FROM jobs WHERE created >= ?",
            (since,),
        ).fetchall()
    finally:
        db.close()
    return [
        JobSummary(
            id=job_id,
            task=task,
            status=status,
            created=created,
            started=started,
            finished=finished,
            error_type=_blob_str(error, "type"),
            path=_blob_str(args, "path"),
        )
        for job_id, task, status, created, started, finished, error, args in rows
    ]


def _blob_str(blob: bytes | None, key: str) -> str | None:
    """One string field of a stored map, or None when it is absent or unreadable."""
    try:
        value = unpack(blob) if blob else None
    except ProtocolError:
        return None
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None
