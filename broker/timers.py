"""Jobs waiting for their `not_before`: delayed submits and scheduled retries."""

from __future__ import annotations

import heapq

from broker.clock import Clock
from broker.jobs import Job


class Timers:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._heap: list[tuple[float, str]] = []

    def add(self, job: Job) -> None:
        heapq.heappush(self._heap, (job.not_before or 0.0, job.id))

    def next_deadline(self) -> float | None:
        """As a monotonic value, like every other deadline of the loop."""
        if not self._heap:
            return None
        return self._clock.monotonic() + max(0.0, self._heap[0][0] - self._clock.time())

    def due(self, now: float) -> list[str]:
        """The ids whose wall-clock time `now` has reached, soonest first."""
        ready = []
        while self._heap and self._heap[0][0] <= now:
            ready.append(heapq.heappop(self._heap)[1])
        return ready

    def ids(self) -> set[str]:
        return {entry[1] for entry in self._heap}

    def __len__(self) -> int:
        return len(self._heap)
