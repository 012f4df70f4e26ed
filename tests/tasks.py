"""Tasks the tests add to a pool with `--tasks tests.tasks`, the way a user adds their own.

Each takes the worker's JobContext first (workers.context), then the job's args.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from docmill.protocol import ErrorType
from workers.context import JobContext
from workers.errors import FanOut, TaskError
from workers.outputs import write_atomic


def _c_loop(n: int) -> int:
    # One C call that holds the GIL throughout: no Python thread can run until it returns.
    return sum(range(n))


def burn(context: JobContext, seconds: float, mode: str = "python") -> dict[str, Any]:
    """Keep the CPU busy for `seconds`, in a pure-Python loop or inside long single C calls.

    Returns the elapsed time and the longest stretch spent inside one C call.
    """
    start = time.perf_counter()
    longest = 0.0
    if mode == "c":
        probe = 5_000_000
        t0 = time.perf_counter()
        _c_loop(probe)
        rate = probe / max(time.perf_counter() - t0, 1e-6)
        # Calls planned for the whole span until one lasts most of it: a rate measured while
        # the machine was busier makes a planned call end early, and the test needs one long.
        while (elapsed := time.perf_counter() - start) < 4 * seconds:
            long_enough = longest >= 0.6 * seconds
            if long_enough and elapsed >= seconds:
                break
            n = int(rate * (seconds - elapsed if long_enough else seconds)) + 1
            t0 = time.perf_counter()
            _c_loop(n)
            took = time.perf_counter() - t0
            longest, rate = max(longest, took), n / max(took, 1e-6)
    else:
        x = 0
        while time.perf_counter() - start < seconds:
            x += 1
    return {"pid": os.getpid(), "elapsed": time.perf_counter() - start, "longest_c_call": longest}


def crash(context: JobContext, code: int = 3) -> None:
    """Leave the job process at once, as a segfault in a C extension would."""
    os._exit(code)


def hog(context: JobContext, megabytes: int, seconds: float = 5.0) -> int:
    """Hold `megabytes` of memory for a while."""
    block = b"\x01" * (megabytes * 1024 * 1024)  # written, so every page counts in RSS
    time.sleep(seconds)  # sync-ok: the task holds its memory for a while
    return len(block)


def scribble(context: JobContext, seconds: float = 30.0) -> None:
    """Write a bogus header (a 2 GiB message) on every socket of the job process, its link to
    the worker among them, then hang: a task that corrupts what it should not touch."""
    import stat
    import struct

    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, struct.pack("!i", 2**31 - 1))
        except OSError:
            pass
    time.sleep(seconds)  # sync-ok: the task hangs until the worker acts


def started(context: JobContext, marker: str, seconds: float) -> None:
    """Say the job has reached its job process (the file `marker`), then take a while."""
    Path(marker).touch()
    time.sleep(seconds)  # sync-ok: the task itself is slow work


def whoami(context: JobContext) -> int:
    """The pid of the job process that ran this job."""
    return os.getpid()


def write_once(context: JobContext, folder: str, name: str, seconds: float = 0.0) -> dict[str, Any]:
    """An idempotent output, as process_document writes one: named by content, written atomically
    and only if absent. Each real write is logged, so a test can count writes per output."""
    path = Path(folder) / name
    if seconds:
        time.sleep(seconds)  # sync-ok: the task itself is slow work
    if path.exists():
        return {"written": False}
    write_atomic(path, name.encode())
    with open(Path(folder) / "writes.log", "a") as log:
        log.write(name + "\n")
    return {"written": True}


def write_when_space(
    context: JobContext, folder: str, name: str, full_marker: str
) -> dict[str, Any]:
    """Write a 1 MiB output; while `full_marker` exists the disk is 'full' (a file-size limit)."""
    import resource
    import signal

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    if Path(full_marker).exists():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, limit[1]))
    try:
        write_atomic(Path(folder) / name, b"x" * 2**20)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
    return {"written": name}


def backtrack(context: JobContext, n: int = 40) -> bool:
    """A catastrophic regular expression: exponential time inside one C call of `re`."""
    return re.match(r"(a+)+$", "a" * n + "b") is not None


TASKS = {
    "burn": burn,
    "crash": crash,
    "hog": hog,
    "whoami": whoami,
    "started": started,
    "scribble": scribble,
    "write_once": write_once,
    "write_when_space": write_when_space,
    "backtrack": backtrack,
}


_HELD: list[bytes] = []


def grow(context: JobContext, megabytes: int) -> int:
    """Keep `megabytes` alive in the job process after the job ends (a leaky task)."""
    _HELD.append(b"\x01" * (megabytes * 1024 * 1024))
    return os.getpid()


TASKS["grow"] = grow


def total(
    context: JobContext, numbers: list[int], seconds: float = 0.0, parts: list[int] | None = None
) -> int:
    """Fan out one `square` job per number, then add up what they returned."""
    if parts is None:
        raise FanOut("square", [{"n": n, "seconds": seconds} for n in numbers])
    return sum(parts)


def square(context: JobContext, n: int, seconds: float = 0.0) -> int:
    """n squared, after `seconds` of work; a negative n is a permanent error."""
    time.sleep(seconds)  # sync-ok: the task's own work, which tests wait on by events
    if n < 0:
        raise TaskError(ErrorType.MALFORMED, f"{n} is negative")
    return n * n


TASKS |= {"total": total, "square": square}


def context_of(context: JobContext) -> dict[str, Any]:
    """The JobContext this job was given, as plain data."""
    return {
        "allowed_roots": [str(root) for root in context.allowed_roots],
        "outbox": str(context.outbox) if context.outbox is not None else None,
        "split_pages": context.split_pages,
        "pdf_backend": context.pdf_backend,
        "max_bytes": context.max_bytes,
        "timeout": context.timeout,
        "max_memory_mb": context.max_memory_mb,
    }


TASKS["context_of"] = context_of


def digest(context: JobContext, path: str) -> dict[str, Any]:
    """A file's size and SHA-256: a job that reads its document, and little else."""
    import hashlib

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise TaskError(ErrorType.NOT_FOUND, f"no file {path}") from None
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def gated(context: JobContext, path: str, seconds: float = 60.0) -> str:
    """End once the file `path`.go exists (at most `seconds`): a job the test lets end."""
    gate = Path(path + ".go")
    deadline = time.monotonic() + seconds
    while not gate.exists():
        if time.monotonic() > deadline:
            raise TaskError(ErrorType.TASK_ERROR, f"{gate} never came")
        time.sleep(0.02)  # sync-ok: the task polls its gate with a deadline
    return path


TASKS |= {"digest": digest, "gated": gated}
