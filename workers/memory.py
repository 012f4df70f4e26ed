"""How much memory a job process holds, read by its worker between jobs and while one runs."""

from __future__ import annotations

import contextlib
import os

import psutil

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class RssReader:
    """The resident memory of one process, read cheaply enough to do after every job.

    On Linux, one open /proc/PID/statm read again from its start: opening and parsing it
    through psutil each time was a seventh of an agent's CPU per no-op job.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._fd: int | None = None
        self._process: psutil.Process | None = None
        try:
            self._fd = os.open(f"/proc/{pid}/statm", os.O_RDONLY)
        except OSError:
            with contextlib.suppress(psutil.Error):
                self._process = psutil.Process(pid)

    def read(self) -> int:
        """Bytes resident now; 0 once the process is gone."""
        try:
            if self._fd is not None:
                return int(os.pread(self._fd, 128, 0).split()[1]) * _PAGE
            if self._process is not None:
                return int(self._process.memory_info().rss)
        except (OSError, ValueError, IndexError, psutil.Error):
            pass
        return 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
