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
from collections import OrderedDict
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
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created);
CREATE INDEX IF NOT EXISTS jobs_status_created ON jobs(status, created);
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
# A listing reads neither the request body nor the result (a whole document's text).
_LIST = f"SELECT {', '.join('NULL' if c in ('body', 'result') else c for c in _COLUMNS)} FROM jobs"
_TERMINAL = tuple(s.value for s in JobStatus if s.terminal)


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
    return Job(**fields)


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
        self._unsaved: set[str] = set()  # added since the last commit
        self.commits = 0
        self.commit_seconds = 0.0

    # -- the store contract -----------------------------------------------------------------------

    def add(self, job: Job) -> None:
        """A new job, or an ended one that is unfinished again (a retry by hand)."""
        self._recent.pop(job.id, None)
        self._live[job.id] = job
        self._dirty[job.id] = job
        self._new.add(job.id)
        self._unsaved.add(job.id)

    def take_new(self) -> set[str]:
        new, self._new = self._new, set()
        return new

    def discard_new(self) -> list[Job]:
        """After a failed commit: forget the jobs added since the last good one (refused)."""
        failed = [job for job_id in self._unsaved if (job := self._dirty.pop(job_id, None))]
        for job in failed:
            self._live.pop(job.id, None)
        self._unsaved.clear()
        return failed

    @property
    def unsaved_new(self) -> bool:
        """Jobs were added since the last commit: they may not be acknowledged or run yet."""
        return bool(self._unsaved)

    @property
    def dirty(self) -> int:
        return len(self._dirty)

    def save(self, job: Job) -> None:
        self._dirty[job.id] = job
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
        self.commit()
        return dict(self.db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())

    def unfinished(self) -> list[Job]:
        """Jobs to take back into the broker's hands on start (and keep in memory)."""
        placeholders = ", ".join("?" * len(_TERMINAL))
        rows = self.db.execute(
            f"{_SELECT} WHERE status NOT IN ({placeholders}) ORDER BY created", _TERMINAL
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

    def listing(self, query: JobQuery) -> tuple[list[Job], tuple[float, str] | None]:
        """Jobs matching `query`, newest first, and where the next page starts (None: no more).

        Bounded: the index on (status, created), or on created, gives at most `query.window`
        rows older than `query.before`; queue, task and file-name text are matched among those
        alone, so a rare match in a long history takes several pages rather than a long scan.
        """
        where: list[str] = ["created < ?", "created >= ?"]
        params: list[Any] = [query.before, query.after]
        if query.cursor is not None:
            where.append("(created < ? OR (created = ? AND id < ?))")
            params += [query.cursor[0], query.cursor[0], query.cursor[1]]
        if query.status is not None:
            where.insert(0, "status = ?")
            params.insert(0, query.status)
        rows = self.db.execute(
            f"{_LIST} WHERE {' AND '.join(where)} ORDER BY created DESC, id DESC LIMIT ?",
            (*params, query.window),
        ).fetchall()
        found: list[Job] = []
        for row in rows:
            job = _job(row)
            if query.matches(job):
                found.append(job)
                if len(found) == query.limit:
                    return found, (job.created, job.id)
        last = _job(rows[-1]) if rows else None
        return found, ((last.created, last.id) if last and len(rows) == query.window else None)

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
        for job_id in ids:
            self._recent.pop(job_id, None)
            self._dirty.pop(job_id, None)
        self.db.execute("BEGIN")
        deleted = self.db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in ids]).rowcount
        self.db.execute("COMMIT")
        return deleted

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


@dataclass(frozen=True, slots=True)
class JobQuery:
    """A page of `docmill.jobs`: filters, where the page starts, and how far it may look."""

    status: str | None = None
    queue: str | None = None
    task: str | None = None
    text: str | None = None  # in the file name of the job's `path` or `name` argument
    before: float = float("inf")  # created before this time (a time range's end)
    after: float = 0.0  # created at or after this time (a time range's start)
    # Where the page starts: after the job (created, id), the last of the previous page. Jobs
    # of one submit share their creation time, so the time alone cannot mark a place.
    cursor: tuple[float, str] | None = None
    limit: int = 50
    window: int = 2000  # rows looked at, at most, for one page

    def matches(self, job: Job) -> bool:
        if (self.queue and job.queue != self.queue) or (self.task and job.task != self.task):
            return False
        if not self.text:
            return True
        args = job.args if isinstance(job.args, dict) else {}
        name = args.get("path") or args.get("name")
        return isinstance(name, str) and self.text.casefold() in Path(name).name.casefold()


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
