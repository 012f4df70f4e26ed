"""Read-only queries of the job store: what a page of `docmill.jobs` asks for (the store answers
it on the broker's connection, SqliteStore.listing), and the summaries a report reads from
another process (WAL lets it read while the broker writes)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from broker.jobs import Job
from docmill.protocol import ProtocolError, unpack


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
        if self.status is not None and job.status != self.status:
            return False  # stored with it, changed since in memory
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
