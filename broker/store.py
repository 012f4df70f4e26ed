"""The durable job store: SQLite in WAL mode at home/state/jobs.db, owned by the broker alone.

The broker changes jobs in memory and calls `save`; every job changed since the last write goes
to the database in one transaction (group commit), and submits are acknowledged only after it.
The broker runs that transaction on a writer thread of its own (`prepare` on the loop, `write`
on the thread, `done` back on the loop), so its loop never waits on the disk; `commit` does
the three at once, where waiting is fine (start, stop, tests). Until a write is done, its jobs
are read from memory. Unfinished jobs stay in memory; finished ones are read back
from the database when asked for, so the broker's memory does not grow with its history.
Only the store's modules (this one, `table.py` with the table's layout and rows, `queries.py`)
know the table: `docmill report`, in a process of its own, reads the history through
`created_since` (read-only) rather than with SQL of its own.

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
from broker.queries import JobQuery
from broker.table import (
    INSERT,
    LIST,
    SCHEMA,
    SELECT,
    TERMINAL,
    UNFINISHED,
    from_row,
    to_row,
)
from docmill.protocol import JobStatus

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Write:
    """One transaction for the writer: what it writes, and what the loop needs back after."""

    rows: list[tuple[Any, ...]]
    deletes: list[str]
    jobs: dict[str, Job]  # the jobs it saves, as the loop left them
    new: dict[str, JobStatus | None]  # the jobs added in it, with their counts before
    seconds: float = 0.0


class SqliteStore:
    def __init__(self, path: Path, synchronous: str = "FULL", cache_size: int = 10_000) -> None:
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = self._connect(synchronous)  # the loop's: reads only, once the schema is made
        self.db.executescript(SCHEMA)
        self._writer = self._connect(synchronous)  # the writer's, one write at a time
        self._live: dict[str, Job] = {}  # unfinished jobs: the broker's working set
        self._recent: OrderedDict[str, Job] = OrderedDict()  # finished, most recent last
        self._cache_size = cache_size
        self._dirty: dict[str, Job] = {}
        self._writing: dict[str, Job] = {}  # handed to the writer, not yet written
        self._gone: set[str] = set()  # deleted, not yet written: no longer found
        self._deletes: list[str] = []  # for the next write
        self._in_flight: Write | None = None
        self._new: set[str] = set()  # added since take_new(), for the broker's acknowledgements
        # Added since the last commit, each with the status it was counted under before (None
        # for a new job), so that a failed commit can give the counts back.
        self._unsaved: dict[str, JobStatus | None] = {}
        self.commits = 0
        self.commit_seconds = 0.0
        self.changes = 0  # jobs added, saved or deleted: whether a command changed anything
        # Jobs by status, kept as jobs are saved: one full count at start, none afterwards, so
        # a status snapshot costs the same with a million finished jobs as with none.
        self._counts: Counter[str] = Counter(
            dict(self.db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())
        )

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        db.execute("PRAGMA busy_timeout=5000")
        return db

    # -- the store contract -----------------------------------------------------------------------

    def add(self, job: Job) -> None:
        """A new job, or an ended one that is unfinished again (a retry by hand)."""
        self._recent.pop(job.id, None)
        self._live[job.id] = job
        self._dirty[job.id] = job
        self._new.add(job.id)
        self.changes += 1
        self._unsaved.setdefault(job.id, job.counted)
        self._count(job)

    def take_new(self) -> set[str]:
        new, self._new = self._new, set()
        return new

    @property
    def unsaved_new(self) -> bool:
        """Jobs were added since the last write began: they may not be acknowledged yet."""
        return bool(self._unsaved)

    def stored(self, job: Job) -> bool:
        """Whether `job` is in the database as a job to run (it may be dispatched)."""
        writing = self._in_flight is not None and job.id in self._in_flight.new
        return job.id not in self._unsaved and not writing

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
        self.changes += 1
        self._count(job)
        if job.status.terminal and self._live.pop(job.id, None) is not None:
            self._recent[job.id] = job
            if len(self._recent) > self._cache_size:
                self._recent.popitem(last=False)

    def _in_memory(self, job_id: str) -> Job | None:
        return (
            self._live.get(job_id)
            or self._dirty.get(job_id)
            or self._writing.get(job_id)
            or self._recent.get(job_id)
        )

    def get(self, job_id: str) -> Job | None:
        if job_id in self._gone:
            return None
        job = self._in_memory(job_id)
        if job is None:
            row = self.db.execute(f"{SELECT} WHERE id = ?", (job_id,)).fetchone()
            job = from_row(row) if row else None
        return job

    def get_many(self, job_ids: list[str]) -> list[Job]:
        """The jobs of `job_ids` that exist, in that order; those not in memory in one query
        per 500 (a batch's thousands of children, not a query each)."""
        found = {job_id: job for job_id in job_ids if (job := self._in_memory(job_id))}
        missing = [i for i in job_ids if i not in found and i not in self._gone]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"{SELECT} WHERE id IN ({marks})", chunk):
                job = from_row(row)
                found[job.id] = job
        return [found[job_id] for job_id in job_ids if job_id in found]

    def prepare(self) -> Write | None:
        """On the loop: the changes since the last write, for the writer (None if there are
        none). Their jobs are read from memory until `done`."""
        assert self._in_flight is None, "one write at a time"
        if not self._dirty and not self._deletes:
            return None
        rows = [to_row(job) for job in self._dirty.values()]
        write = Write(rows, self._deletes, self._dirty, self._unsaved)
        self._writing.update(self._dirty)
        self._dirty, self._unsaved, self._deletes = {}, {}, []
        self._in_flight = write
        return write

    def write(self, write: Write) -> None:
        """On the writer thread: one transaction; raises if the database refuses it."""
        start = time.perf_counter()
        db = self._writer
        db.execute("BEGIN")
        try:
            db.executemany(INSERT, write.rows)
            for begin in range(0, len(write.deletes), 500):
                chunk = write.deletes[begin : begin + 500]
                db.execute(f"DELETE FROM jobs WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            write.seconds = time.perf_counter() - start

    def done(self, write: Write, failure: BaseException | None) -> list[Job]:
        """On the loop, once `write` is over. After a failure, the jobs it added are refused
        (returned: forgotten, never to run) and its other changes wait for the next write."""
        self._in_flight = None
        for job_id, job in write.jobs.items():
            if self._writing.get(job_id) is job:
                del self._writing[job_id]
        if failure is None:
            self._gone.difference_update(write.deletes)
            self.commits += 1
            self.commit_seconds += write.seconds
            return []
        self._deletes = write.deletes + self._deletes
        refused = []
        for job_id, job in write.jobs.items():
            if job_id not in write.new:
                if job_id not in self._gone:
                    self._dirty.setdefault(job_id, job)
                continue
            refused.append(job)
            self._dirty.pop(job_id, None)
            self._unsaved.pop(job_id, None)
            self._live.pop(job_id, None)
            # What the database still holds: nothing for a new job, the ended one for a retry.
            self._uncount(job)
            if (before := write.new[job_id]) is not None:
                self._counts[before.value] += 1
                job.counted = before
        return refused

    def commit(self) -> list[Job]:
        """Prepare, write and finish in one go, waiting (start, stop, tests): returns the jobs
        refused by a failed write, which it raises after."""
        if (write := self.prepare()) is None:
            return []
        try:
            self.write(write)
        except sqlite3.Error as exc:
            self.done(write, exc)
            raise
        return self.done(write, None)

    def counts(self) -> dict[str, int]:
        """Jobs by status, saved or about to be (no query: kept as jobs are saved)."""
        return {status: n for status, n in self._counts.items() if n}

    def unfinished(self) -> list[Job]:
        """Jobs to take back into the broker's hands on start (and keep in memory)."""
        # IN, not NOT IN: read from the status index, not a scan of the whole history.
        placeholders = ", ".join("?" * len(UNFINISHED))
        rows = self.db.execute(
            f"{SELECT} WHERE status IN ({placeholders}) ORDER BY created", UNFINISHED
        ).fetchall()
        jobs = [from_row(row) for row in rows]
        self._live.update((job.id, job) for job in jobs)
        return jobs

    # -- queries beyond the contract --------------------------------------------------------------

    def find_key(self, key: str) -> str | None:
        for job in [*self._dirty.values(), *self._writing.values()]:  # not yet written
            if job.key == key:
                return job.id
        row = self.db.execute("SELECT id FROM jobs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def by_status(self, status: JobStatus, limit: int = 1000) -> list[Job]:
        """Up to `limit` jobs in `status`, the last finished first, as memory has them."""
        rows = self.db.execute(
            f"{SELECT} WHERE status = ? ORDER BY finished DESC LIMIT ?", (status.value, limit)
        ).fetchall()
        jobs = {}
        for row in rows:
            job = from_row(row)
            jobs[job.id] = self._in_memory(job.id) or job
        for job in [*self._writing.values(), *self._dirty.values()]:  # not yet written
            jobs[job.id] = job
        found = [j for i, j in jobs.items() if j.status is status and i not in self._gone]
        return sorted(found, key=lambda j: j.finished or 0.0, reverse=True)[:limit]

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
            f"{LIST} WHERE {' AND '.join(where)} ORDER BY created DESC, id DESC LIMIT ?",
            (*params, query.window),
        ).fetchall()
        found: list[Job] = []
        for row in rows:
            # A job changed since the last write is listed as the loop knows it, as the status
            # snapshot counts it: a page reloaded on a count's change shows that change.
            stored = from_row(row)
            job = self._in_memory(stored.id) or stored
            if stored.id not in self._gone and query.matches(job):
                found.append(job)
                if len(found) == query.limit:
                    return found, (job.created, job.id)
        last = from_row(rows[-1]) if rows else None
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
        ids = [i for i in dict.fromkeys(job_ids) if i not in self._live and i not in self._gone]
        # Each one's status as counted: from memory if it is there, else as stored.
        counted = {job.id: job.counted for i in ids if (job := self._in_memory(i)) is not None}
        stored = [i for i in ids if i not in counted]
        for start in range(0, len(stored), 500):
            chunk = stored[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for job_id, status in self.db.execute(
                f"SELECT id, status FROM jobs WHERE id IN ({marks})", chunk
            ):
                counted[job_id] = JobStatus(status)
        for job_id, status in counted.items():
            if (job := self._in_memory(job_id)) is not None:
                job.counted = None
            if status is not None:
                self._counts[status.value] -= 1
            self._recent.pop(job_id, None)
            self._dirty.pop(job_id, None)
        self.changes += len(counted)
        self._gone.update(counted)
        self._deletes.extend(counted)  # written with the next write, after those before it
        return len(counted)

    def expired(self, finished_before: float, limit: int) -> list[str]:
        """Up to `limit` ids of jobs stored as ended before `finished_before` (one that ended
        again since, by a retry, is left out)."""
        placeholders = ", ".join("?" * len(TERMINAL))
        rows = self.db.execute(
            f"SELECT id FROM jobs WHERE status IN ({placeholders}) AND finished < ? LIMIT ?",
            (*TERMINAL, finished_before, limit),
        )
        ids = [row[0] for row in rows.fetchall()]
        return [
            i
            for i in ids
            if (job := self._in_memory(i)) is None
            or (job.status.terminal and (job.finished or 0.0) < finished_before)
        ]

    def close(self) -> None:
        self.commit()
        self.db.close()
        self._writer.close()
