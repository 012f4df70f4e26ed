"""Tasks the tests add to a pool with `--tasks tests.tasks`, the way a user adds their own."""

from __future__ import annotations

import os
import time
from typing import Any


def _c_loop(n: int) -> int:
    # One C call that holds the GIL throughout: no Python thread can run until it returns.
    return sum(range(n))


def burn(seconds: float, mode: str = "python") -> dict[str, Any]:
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
        while (left := seconds - (time.perf_counter() - start)) > 0:
            t0 = time.perf_counter()
            _c_loop(int(rate * left) + 1)
            longest = max(longest, time.perf_counter() - t0)
    else:
        x = 0
        while time.perf_counter() - start < seconds:
            x += 1
    return {"pid": os.getpid(), "elapsed": time.perf_counter() - start, "longest_c_call": longest}


def crash(code: int = 3) -> None:
    """Leave the job process at once, as a segfault in a C extension would."""
    os._exit(code)


def hog(megabytes: int, seconds: float = 5.0) -> int:
    """Hold `megabytes` of memory for a while."""
    block = b"\x01" * (megabytes * 1024 * 1024)  # written, so every page counts in RSS
    time.sleep(seconds)
    return len(block)


TASKS = {"burn": burn, "crash": crash, "hog": hog}
