"""The processing history (state/watcher.db): what was seen, what was submitted, how it ended.

One row per path. A row is written `pending` *before* its submit is sent, so a crash between the
two leaves a row the next start submits again, under the same idempotency key (the content
hash): the broker answers with the first job's id instead of creating a second job.

    pending ──(submit acknowledged)──► submitted ──(job ended)──► done | failed
"""

from __future__ import annotations

import enum
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class FileStatus(enum.StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    DONE = "done"
    FAILED = "failed"


SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL, key TEXT NOT NULL, job TEXT, status TEXT NOT NULL,
    batch TEXT, updated REAL NOT NULL, error TEXT
);
CREATE INDEX IF NOT EXISTS files_key ON files(key);
CREATE INDEX IF NOT EXISTS files_job ON files(job);
CREATE INDEX IF NOT EXISTS files_status ON files(status);
"""
_COLUMNS = "path, size, mtime_ns, hash, key, job, status, batch, updated, error"


@dataclass(frozen=True)
class Record:
    path: str
    size: int
    mtime_ns: int
    hash: str
    key: str  # the idempotency key: task and content hash
    job: str | None
    status: FileStatus
    batch: str | None = None  # rows sent together as one process_batch share this key
    updated: float = 0.0
    error: str | None = None

    def same_file(self, size: int, mtime_ns: int) -> bool:
        return self.size == size and self.mtime_ns == mtime_ns


def _record(row: tuple) -> Record:
    path, size, mtime_ns, digest, key, job, status, batch, updated, error = row
    return Record(path, size, mtime_ns, digest, key, job, FileStatus(status), batch, updated, error)


class History:
    """SQLite in WAL mode; changes are committed in groups with commit(), once per loop pass."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level="DEFERRED")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    def commit(self) -> None:
        self.db.commit()

    # -- reads ----------------------------------------------------------------------------------

    def get(self, path: str) -> Record | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (path,)).fetchone()
        return _record(row) if row else None

    def by_key(self, key: str) -> Record | None:
        """A row with this content (and task), preferring one that already has a job."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM files WHERE key = ? ORDER BY job IS NULL, updated LIMIT 1",
            (key,),
        ).fetchone()
        return _record(row) if row else None

    def known(self) -> dict[str, tuple[int, int, FileStatus]]:
        """path -> (size, mtime_ns, status) of every row: what a rescan compares against."""
        rows = self.db.execute("SELECT path, size, mtime_ns, status FROM files")
        return {p: (s, m, FileStatus(st)) for p, s, m, st in rows}

    def pending(self) -> list[Record]:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM files WHERE status = ? ORDER BY updated",
            (FileStatus.PENDING.value,),
        )
        return [_record(row) for row in rows]

    def outstanding_jobs(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT job FROM files WHERE status = ? AND job IS NOT NULL",
            (FileStatus.SUBMITTED.value,),
        )
        return [row[0] for row in rows]

    def by_job(self, job: str) -> list[Record]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM files WHERE job = ?", (job,))
        return [_record(row) for row in rows]

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) FROM files GROUP BY status")
        return {status: count for status, count in rows}

    # -- writes ---------------------------------------------------------------------------------

    def put(self, record: Record) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO files ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.path,
                record.size,
                record.mtime_ns,
                record.hash,
                record.key,
                record.job,
                record.status.value,
                record.batch,
                record.updated or time.time(),
                record.error,
            ),
        )

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        """Same content, new size/mtime stamp (a `touch`, a copy that kept the bytes)."""
        self.db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def set_batch(self, paths: Iterable[str], batch: str) -> None:
        self.db.executemany(
            "UPDATE files SET batch = ? WHERE path = ? AND status = ?",
            [(batch, p, FileStatus.PENDING.value) for p in paths],
        )

    def submitted(self, paths: Iterable[str], job: str) -> None:
        self.db.executemany(
            "UPDATE files SET job = ?, status = ?, updated = ? WHERE path = ? AND status = ?",
            [
                (job, FileStatus.SUBMITTED.value, time.time(), p, FileStatus.PENDING.value)
                for p in paths
            ],
        )

    def ended(self, path: str, status: FileStatus, error: str | None = None) -> None:
        self.db.execute(
            "UPDATE files SET status = ?, error = ?, updated = ? WHERE path = ?",
            (status.value, error, time.time(), path),
        )

    def resubmit(self, job: str) -> None:
        """The broker does not know `job` (a new job store): its files go back to pending."""
        self.db.execute(
            "UPDATE files SET job = NULL, status = ?, batch = NULL WHERE job = ?",
            (FileStatus.PENDING.value, job),
        )

    def moved(self, path: str, dest: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (dest,))
        self.db.execute("UPDATE files SET path = ? WHERE path = ?", (dest, path))

    def forget(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
