"""The broker's two clocks, injected so that a test can step time instead of waiting for it.

`monotonic` orders the loop's deadlines (heartbeats, expiry, long polls, the drain); `time` is
the wall clock that jobs carry (created, started, not_before) and the store keeps.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()
