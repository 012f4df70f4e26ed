"""How submitted files ended: job states read from the broker, and what is then done with a file.

Only the loop's thread calls these; they take the history and a client as arguments.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from docmill.protocol import JobStatus
from docmill.watch_settings import FolderSettings
from watcher.history import FileStatus, History, Record
from watcher.submit import BATCH_TASK

log = logging.getLogger("watcher.outcome")


def file_statuses(info: dict[str, Any], rows: list[Record]) -> dict[str, tuple[FileStatus, str]]:
    """path -> (done|failed, error type) for the rows answered by one ended job."""
    status = JobStatus(info["status"])
    error = str((info.get("error") or {}).get("type", "")) or None
    if info.get("task") == BATCH_TASK and status is JobStatus.SUCCEEDED:
        # The parent succeeds when its last child ends; each file's own end is in the summary.
        files = {f["path"]: f for f in (info.get("result") or {}).get("files", [])}
        by_key = {r.key: files[r.path] for r in rows if r.path in files}
        out: dict[str, tuple[FileStatus, str]] = {}
        for row in rows:
            child = files.get(row.path) or by_key.get(row.key) or {}
            ok = child.get("status") == JobStatus.SUCCEEDED.value
            out[row.path] = (
                FileStatus.DONE if ok else FileStatus.FAILED,
                "" if ok else str(child.get("error") or child.get("status") or "unknown"),
            )
        return out
    ok = status is JobStatus.SUCCEEDED
    return {
        r.path: (FileStatus.DONE if ok else FileStatus.FAILED, "" if ok else error or status.value)
        for r in rows
    }


def _free_name(dest: Path) -> Path:
    n = 1
    candidate = dest
    while candidate.exists():
        candidate = dest.with_name(f"{dest.stem} ({n}){dest.suffix}")
        n += 1
    return candidate


def move_after(folder: FolderSettings, history: History, row: Record, status: FileStatus) -> None:
    """Move a finished file to processed/ or failed/, if it is still the file that was processed."""
    if folder.after != "move" or status not in (FileStatus.DONE, FileStatus.FAILED):
        return
    src = Path(row.path)
    try:
        st = src.stat()
    except OSError:
        return  # moved or deleted by someone else
    if not row.same_file(st.st_size, st.st_mtime_ns):
        return  # changed since it was submitted: it is (or will be) submitted again
    target_root = folder.processed if status is FileStatus.DONE else folder.failed
    try:
        relative = src.relative_to(folder.path)
    except ValueError:
        relative = Path(src.name)
    dest = _free_name(target_root / relative)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
    except OSError as exc:
        log.warning("could not move %s to %s: %s", src, dest, exc)
        return
    history.moved(row.path, str(dest))
    log.info("moved %s to %s", src, dest)
