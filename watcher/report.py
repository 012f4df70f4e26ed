"""What the watcher tells the broker: its counters and its file events, for the status stream.

Events (seen, submitted, duplicate, error) wait in a bounded list and go out with the counters
at most a second after they happen, or every few seconds when nothing happens; the broker
publishes each as `watcher.<event>` and shows the counters in `docmill status`. A broker that
is away costs nothing but the events that overflow the list.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from typing import Any

from docmill.client import BrokerError, Client
from docmill.protocol import Command

MAX_EVENTS = 1000  # waiting for the broker; the oldest are dropped beyond this
_SOON, _IDLE = 1.0, 5.0  # seconds until the next report, with and without events


class Reporter:
    def __init__(self) -> None:
        self.id = f"{socket.gethostname()}/{os.getpid()}"
        self._events: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)
        self._next = 0.0

    def note(self, event: str, path: str | None = None, **extra: Any) -> None:
        self._events.append({"event": event, "path": path, **extra})

    def next_due(self) -> float:
        return self._next

    def send(self, client: Client, counters: dict[str, int], now: float) -> bool:
        """Report if due; False if the broker did not take it (the events are kept)."""
        if now < self._next:
            return True
        events = list(self._events)
        body = {"watcher": self.id, "counters": counters, "events": events}
        try:
            client.call(Command.WATCHER_STATS, body)
        except (TimeoutError, BrokerError, OSError):
            self._next = now + _IDLE
            return False
        for _ in events:
            self._events.popleft()
        self._next = now + (_SOON if self._events else _IDLE)
        return True

    def soon(self, now: float) -> None:
        """An event happened: report within a second."""
        self._next = min(self._next, now + _SOON)
