"""The status stream as the monitor consumes it: subscribe, snapshot, apply, resynchronise."""

from __future__ import annotations

from typing import Any

import zmq

from docmill import follow
from docmill.client import Client
from docmill.protocol import ProtocolError
from monitor.model import Model


class Feed:
    def __init__(
        self, client: Client, events_endpoint: str, context: zmq.Context[Any] | None = None
    ):
        self.client = client
        self.model = Model()
        context = context or zmq.Context.instance()
        self.socket = follow.subscribe(context, events_endpoint, client.keys)
        # Subscribed first, then the snapshot (docmill/follow.py says why).
        self.resync()

    def resync(self) -> None:
        try:
            self.model.load(self.client.status())
        except ProtocolError as exc:  # a broker this monitor cannot read: say so, keep going
            self.model.refuse(exc)

    def poll(self, timeout: float) -> int:
        """Apply the events that arrive within `timeout` seconds (at least one wait)."""
        handled = 0
        if not self.socket.poll(int(timeout * 1000)):
            return 0
        while True:
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return handled
            if (event := follow.read(frames)) is None:
                continue
            handled += 1
            if not self.model.apply(*event):
                self.resync()

    def close(self) -> None:
        self.socket.close(0)
