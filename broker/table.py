"""The job store's table: its layout, and a job as a row and back.

Only the store's modules (`store.py`, `queries.py` and this one) know the layout; the
broker's other modules see `Job` records.
"""

from __future__ import annotations

from typing import Any

from broker.jobs import Job
from docmill.protocol import JobStatus, pack, unpack

COLUMNS = (
    "id", "task", "queue", "status", "priority", "attempts", "max_attempts", "timeout",
    "not_before", "key", "parent", "worker", "backoff", "backoff_max",
    "created", "started", "finished", "args", "body", "result", "error",
)  # fmt: skip
BLOBS = {"args", "body", "result", "error"}
SCHEMA = """
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
INSERT = (
    f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}"
)
SELECT = f"SELECT {', '.join(COLUMNS)} FROM jobs"
# A listing reads neither the request body nor the result (a whole document's text).
LIST = f"SELECT {', '.join('NULL' if c in ('body', 'result') else c for c in COLUMNS)} FROM jobs"
TERMINAL = tuple(s.value for s in JobStatus if s.terminal)
UNFINISHED = tuple(s.value for s in JobStatus if not s.terminal)


def to_row(job: Job) -> tuple[Any, ...]:
    values = []
    for name in COLUMNS:
        value = getattr(job, name)
        if name == "status":
            value = value.value
        elif name in BLOBS:
            value = None if value is None else pack(value)
        values.append(value)
    return tuple(values)


def from_row(row: tuple[Any, ...]) -> Job:
    fields = dict(zip(COLUMNS, row, strict=True))
    for name in BLOBS:
        if fields[name] is not None:
            fields[name] = unpack(fields[name])
    fields["status"] = JobStatus(fields["status"])
    fields["args"] = fields["args"] or {}
    job = Job(**fields)
    job.counted = job.status  # as the store's counts know it
    return job
