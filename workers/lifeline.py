"""Tie a child process's life to its parent's, so a killed supervisor leaves no orphans behind."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """On Linux the kernel sends SIGKILL when the parent dies; elsewhere this is best effort.

    Call it first thing in the child: if the parent already died before the request was made,
    the process exits at once instead of living on as an orphan.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; only the supervisor decides what it means."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
