"""When is a file complete? Candidates wait here until it is.

A close-after-write (inotify's IN_CLOSE_WRITE) or a rename into the folder makes a file complete
at once. Otherwise (polling observer, macOS, Windows, a hard link, a file found by a rescan) it is
complete once its size and mtime have not changed for `settle` seconds and it opens for reading
(on Windows a writer's share lock makes that fail).
"""

from __future__ import annotations

import logging
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from docmill.watch_settings import FolderSettings
from watcher.filters import Filter

log = logging.getLogger("watcher.settle")

READY, WAIT, GONE = "ready", "wait", "gone"


@dataclass
class Candidate:
    path: str
    folder: int
    settle: float
    size: int = -1
    mtime_ns: int = -1
    since: float = 0.0  # monotonic time the current (size, mtime) was first seen
    due: float = 0.0  # monotonic time of the next check
    trusted: bool = False  # a close-after-write or rename said it is complete


def _stat(path: str) -> os.stat_result | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _readable(path: str) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False


class Settler:
    """Candidates by path, each with the monotonic time of its next check."""

    def __init__(self) -> None:
        self.candidates: dict[str, Candidate] = {}

    def __len__(self) -> int:
        return len(self.candidates)

    def written(self, path: str, folder: int, settle: float, now: float) -> None:
        """A write (or creation) was seen: wait until the file has been quiet for `settle`."""
        c = self.candidates.get(path)
        if c is None:
            c = self.candidates[path] = Candidate(path, folder, settle)
        c.trusted = False
        st = _stat(path)
        if st is not None and (st.st_size, st.st_mtime_ns) != (c.size, c.mtime_ns):
            c.size, c.mtime_ns, c.since = st.st_size, st.st_mtime_ns, now
        c.due = c.since + settle if st is not None else now

    def complete(self, path: str, folder: int, settle: float, now: float) -> None:
        """The platform says the writer is done (closed after writing, or renamed in)."""
        c = self.candidates.setdefault(path, Candidate(path, folder, settle))
        st = _stat(path)
        if st is not None:
            c.size, c.mtime_ns, c.since = st.st_size, st.st_mtime_ns, now
        c.trusted, c.due = True, now

    def found(self, path: str, folder: int, settle: float, now: float, st: os.stat_result) -> None:
        """A rescan found the file: untouched for `settle` by its mtime, it is checked at once."""
        c = self.candidates.setdefault(path, Candidate(path, folder, settle))
        c.size, c.mtime_ns, c.since = st.st_size, st.st_mtime_ns, now
        quiet = time.time() - st.st_mtime_ns / 1e9
        c.due = now if quiet >= settle else now + settle - max(quiet, 0.0)
        if quiet >= settle:
            c.since = now - settle

    def drop(self, path: str) -> None:
        self.candidates.pop(path, None)

    def next_due(self) -> float | None:
        return min((c.due for c in self.candidates.values()), default=None)

    def check_due(self, now: float) -> list[tuple[Candidate, os.stat_result]]:
        """The candidates now complete, with their stat; those gone are dropped."""
        ready: list[tuple[Candidate, os.stat_result]] = []
        for c in [c for c in self.candidates.values() if c.due <= now]:
            st = _stat(c.path)
            if st is None:
                del self.candidates[c.path]
                continue
            if (st.st_size, st.st_mtime_ns) != (c.size, c.mtime_ns):
                # Written again since the close (or never seen): back to waiting for quiet.
                c.size, c.mtime_ns, c.since = st.st_size, st.st_mtime_ns, now
                c.trusted = False
                c.due = now + c.settle
                continue
            if not c.trusted and now - c.since < c.settle:
                c.due = c.since + c.settle
                continue
            if not _readable(c.path):
                c.due = now + max(c.settle, 0.5)  # locked by its writer (Windows), or no access
                continue
            del self.candidates[c.path]
            ready.append((c, st))
        return ready


def scan_folder(
    root: Path, folder: FolderSettings, keep: Filter, known: dict[str, tuple[int, int, object]]
) -> list[tuple[str, os.stat_result]]:
    """Files under `root` that `keep` takes and `known` (path -> size, mtime, ...) does not
    know as they are now; below `root` too when the folder is recursive."""
    try:
        entries = list(os.scandir(root))
    except OSError as exc:
        log.warning("cannot scan %s: %s", root, exc)
        return []
    found: list[tuple[str, os.stat_result]] = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                hidden = entry.name.startswith(".")
                moved_here = Path(entry.path) in (folder.processed, folder.failed)
                if folder.recursive and not hidden and not moved_here:
                    found += scan_folder(Path(entry.path), folder, keep, known)
                continue
            if not entry.is_file() or not keep(Path(entry.path)):
                continue
            st = entry.stat()
        except OSError:
            continue
        seen = known.get(entry.path)
        if seen is None or (seen[0], seen[1]) != (st.st_size, st.st_mtime_ns):
            found.append((entry.path, st))
    return found
