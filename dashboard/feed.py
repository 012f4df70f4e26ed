"""The broker's state as the dashboard follows it: a snapshot, then the `broker.state` events.

As the monitor does, it reads the stream as docmill/follow.py says, and takes a fresh snapshot
on a gap in the state numbers, on another broker's events (a restart), or when no state has
come for a while (the broker is away). Calls to the broker go through docmill's
Client, which blocks, so they run in one thread of their own and the event loop never waits
on them. Each new state wakes the pages' streams; a short history of queue depths (which the
snapshot holds only as of now) is kept here for the live chart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import zmq
import zmq.asyncio

from docmill import follow
from docmill.client import Client
from docmill.health import problems
from docmill.home import Home
from docmill.protocol import ProtocolError
from docmill.security import client_keys
from docmill.status import Snapshot, decode_snapshot

log = logging.getLogger(__name__)

T = TypeVar("T")
QUIET = 10.0  # seconds without a state event before asking for a snapshot
DEPTH_POINTS = 450  # queue depths kept: 15 minutes at one state every 2 s


class Feed:
    def __init__(self, home: Home, timeout: float = 5.0) -> None:
        self.home = home
        self.timeout = timeout
        self.state: Snapshot | None = None
        self.error: str | None = "no answer from the broker yet"  # why there is no state
        self.version = 0  # +1 per new state: what the streams wait on
        self.depths: deque[tuple[float, dict[str, int]]] = deque(maxlen=DEPTH_POINTS)
        self._tick = asyncio.Event()  # set, and replaced, on each change
        self._calls = ThreadPoolExecutor(1, thread_name_prefix="broker-calls")
        self._client: Client | None = None  # used in the calls thread alone
        self._context = zmq.asyncio.Context()
        self._sub: zmq.asyncio.Socket | None = None
        self._events_endpoint: str | None = None

    # -- calls to the broker ------------------------------------------------------------------

    async def call(self, action: Callable[[Client], T]) -> T:
        """`action(client)` in the calls thread; TimeoutError when no broker answers."""
        return await asyncio.get_running_loop().run_in_executor(self._calls, self._run, action)

    def _run(self, action: Callable[[Client], T]) -> T:
        if self._client is None:
            self._client = Client(home=str(self.home.root), timeout=self.timeout)
        try:
            return action(self._client)
        except TimeoutError:
            # A restarted broker may listen elsewhere: the next call reads the endpoints anew.
            self._client.close()
            self._client = None
            raise

    # -- following the stream -----------------------------------------------------------------

    def _subscribe(self) -> zmq.asyncio.Socket:
        endpoint = self.home.events_endpoint()
        if self._sub is not None and endpoint == self._events_endpoint:
            return self._sub
        if self._sub is not None:
            self._sub.close(0)
        sub = follow.subscribe(self._context, endpoint, client_keys(self.home))
        self._sub, self._events_endpoint = sub, endpoint
        return sub

    async def resync(self) -> None:
        """Subscribe first, then take the snapshot: an event in between is in it or after it."""
        self._subscribe()
        try:
            state = await self.call(lambda client: client.status())
        except (TimeoutError, ProtocolError, OSError, zmq.ZMQError) as exc:
            self.error = str(exc) or type(exc).__name__
            self._notify()
            return
        self._take(state)

    def _take(self, state: Snapshot) -> None:
        self.state, self.error = state, None
        self.depths.append((state["ts"], {n: q["due"] for n, q in state["queues"].items()}))
        self._notify()

    def _notify(self) -> None:
        self.version += 1
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    async def changed_since(self, version: int) -> int:
        """Wait until the picture is newer than `version`; returns the new version."""
        while self.version <= version:
            await self._tick.wait()
        return self.version

    def apply(self, topic: str, body: dict[str, Any]) -> bool:
        """One `broker.*` event; False asks for a snapshot (a gap, or another broker)."""
        current = self.state
        if current is None:
            return False
        found = follow.step(current["broker"]["pid"], current["state_seq"], topic, body)
        if found is not follow.Step.NEXT:
            return found is follow.Step.SAME
        try:
            self._take(decode_snapshot({**body["state"], "state_seq": body["state_seq"]}))
        except ProtocolError as exc:
            self.error = str(exc)
        return True

    async def run(self) -> None:
        """Follow the broker until cancelled."""
        await self.resync()
        while True:
            sub = self._subscribe()
            try:
                frames = await asyncio.wait_for(sub.recv_multipart(), QUIET)
            except TimeoutError:
                await self.resync()
                continue
            if (event := follow.read(frames)) is None:
                continue
            if not self.apply(*event):
                await self.resync()

    def close(self) -> None:
        self._calls.submit(lambda: self._client.close() if self._client else None)
        self._calls.shutdown(wait=True, cancel_futures=True)
        if self._sub is not None:
            self._sub.close(0)
        self._context.term()

    # -- what the page is sent ----------------------------------------------------------------

    def picture(self) -> dict[str, Any]:
        """The current state for a page, with the broker's reachability."""
        alerts = problems(self.state) if self.state is not None else []
        return {
            "version": self.version,
            "error": self.error,
            "state": self.state,
            "alerts": alerts,
            "at": time.time(),
        }

    def depth_series(self) -> list[dict[str, Any]]:
        return [{"ts": ts, "due": due} for ts, due in self.depths]
