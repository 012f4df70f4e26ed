"""The status stream as the monitor consumes it: subscribe, snapshot, apply, resynchronise."""

from __future__ import annotations

from typing import Any

import zmq

from docmill.client import Client
from docmill.protocol import MAX_MESSAGE_BYTES, ProtocolError, unpack_map
from monitor.model import Model


class Feed:
    def __init__(
        self, client: Client, events_endpoint: str, context: zmq.Context[Any] | None = None
    ):
        self.client = client
        self.model = Model()
        self.socket = (context or zmq.Context.instance()).socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"broker.")
        self.socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if client.keys is not None:
            client.keys.apply(self.socket)  # the stream is CURVE too when the broker is
        self.socket.connect(events_endpoint)
        # Subscribed first, then the snapshot: an event published in between is either in the
        # snapshot (its seq is not above the snapshot's) or arrives after it.
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
                topic, body = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return handled
            except ValueError:
                continue  # not two frames: not ours
            try:
                event = unpack_map(body)
            except ProtocolError:
                continue
            handled += 1
            if not self.model.apply(topic.decode(errors="replace"), event):
                self.resync()

    def close(self) -> None:
        self.socket.close(0)
