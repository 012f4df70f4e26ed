"""The watcher's bookkeeping: a complete file in, at most one job per content out.

The ledger decides, for each complete file, whether it is unchanged (nothing to do), a duplicate
of content already known under another name (it points to that job), or new or changed (a
pending row and a unit to submit). It reads and writes the history and fills the submitter; it
never talks to the broker itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from docmill.protocol import JobStatus
from docmill.watch_settings import FolderSettings
from watcher import outcome
from watcher.history import FileStatus, History, Record
from watcher.submit import Submitter, Unit, content_key

log = logging.getLogger("watcher.ledger")

UNCHANGED, DUPLICATE, NEW, CHANGED_MEANWHILE, UNREADABLE = (
    "unchanged",
    "duplicate",
    "new",
    "changed",
    "unreadable",
)


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Ledger:
    def __init__(
        self, folders: tuple[FolderSettings, ...], history: History, submitter: Submitter
    ) -> None:
        self.folders, self.history, self.submitter = folders, history, submitter
        self.outstanding: set[str] = set(history.outstanding_jobs())  # submitted, not ended

    def folder_of(self, path: str) -> int | None:
        """The index of the (innermost) configured folder holding `path`."""
        best: tuple[int, int] | None = None
        for index, folder in enumerate(self.folders):
            if Path(path).is_relative_to(folder.path):
                depth = len(folder.path.parts)
                if best is None or depth > best[0]:
                    best = (depth, index)
        return None if best is None else best[1]

    def load_pending(self, now: float) -> int:
        """Units for the pending rows of the last run: their submits may never have arrived."""
        rows = self.history.pending()
        batches: dict[str, Unit] = {}
        batch_keys: dict[str, set[str]] = {}
        for row in rows:
            index = self.folder_of(row.path)
            if index is None:
                log.warning("pending %s is in no watched folder now; left pending", row.path)
                continue
            if not row.batch:
                self._join_or_add(row.key, index, row.path, now)
                continue
            # Sent, or about to be, as this batch: send it again as the same batch (same key).
            unit = batches.setdefault(row.batch, Unit(row.batch, index, [], batch=True))
            keys = batch_keys.setdefault(row.batch, set())
            if row.key not in keys:
                keys.add(row.key)
                unit.paths.append(row.path)
            unit.rows.append(row.path)
        for unit in batches.values():
            self.submitter.add(unit, now)
        return len(rows)

    def _join_or_add(self, key: str, index: int, path: str, now: float) -> bool:
        """Add `path` to the unsent unit for `key`, or start one; True if it joined."""
        unit = self.submitter.pending_unit(key)
        if unit is not None:
            if path not in unit.rows:
                unit.rows.append(path)
            return True
        self.submitter.add(Unit(key, index, [path], [path]), now)
        return False

    def accept(self, path: str, index: int, st: os.stat_result, now: float) -> str:
        """A complete file: record it and queue its submit, unless its content is known."""
        row = self.history.get(path)
        if row is not None and row.same_file(st.st_size, st.st_mtime_ns):
            if row.status is FileStatus.PENDING:
                self._join_or_add(row.key, index, path, now)
            return UNCHANGED
        try:
            digest = sha256_of(path)
            after = os.stat(path)
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            return UNREADABLE
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            return CHANGED_MEANWHILE  # written while hashed; the caller waits for quiet again
        folder = self.folders[index]
        key = content_key(folder.task, digest)

        def record(status: FileStatus, job: str | None = None) -> Record:
            return Record(path, st.st_size, st.st_mtime_ns, digest, key, job, status)

        if row is not None and row.key == key:
            self.history.touch(path, st.st_size, st.st_mtime_ns)  # same bytes, new stamp
            if row.status is FileStatus.PENDING:
                self._join_or_add(key, index, path, now)
            return UNCHANGED
        if self.submitter.pending_unit(key) is not None:
            self.history.put(record(FileStatus.PENDING))
            self._join_or_add(key, index, path, now)
            return DUPLICATE
        other = self.history.by_key(key)
        if other is not None and other.job and other.status is not FileStatus.PENDING:
            self.history.put(record(other.status, other.job))
            if other.status is FileStatus.SUBMITTED:
                self.outstanding.add(other.job)
            else:
                mine = self.history.get(path)
                if mine is not None:
                    outcome.move_after(folder, self.history, mine, other.status)
            return DUPLICATE
        self.history.put(record(FileStatus.PENDING))
        self._join_or_add(key, index, path, now)
        return NEW

    def acked(self, unit: Unit, job: str) -> None:
        self.history.submitted(unit.rows, job)
        self.outstanding.add(job)

    def ended(self, info: dict[str, Any], now: float) -> tuple[int, int]:
        """Apply one polled job state; (done, failed) file counts for the ones that ended."""
        job = str(info["id"])
        status = JobStatus(info["status"])
        if status is JobStatus.UNKNOWN:
            # The broker's store has no such job (a new home, a wiped store): send it again.
            log.warning("the broker does not know job %s; submitting its files again", job)
            self.history.resubmit(job)
            self.outstanding.discard(job)
            self.load_pending(now)
            return 0, 0
        if not status.terminal:
            return 0, 0
        self.outstanding.discard(job)
        rows = self.history.by_job(job)
        done = failed = 0
        statuses = outcome.file_statuses(info, rows)
        for row in rows:
            file_status, error = statuses[row.path]
            self.history.ended(row.path, file_status, error or None)
            done += file_status is FileStatus.DONE
            failed += file_status is FileStatus.FAILED
            index = self.folder_of(row.path)
            if index is not None:
                outcome.move_after(self.folders[index], self.history, row, file_status)
        return done, failed

    def pending_count(self) -> int:
        units = list(self.submitter.units.values())
        units += [u for b in self.submitter.buffers.values() for u in b.units.values()]
        return sum(len(u.rows) for u in units)
