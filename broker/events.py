"""The status stream: every state change goes out on a PUB socket as [topic, msgpack map]."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import zmq

from broker.protocol import Topic, pack

log = logging.getLogger(__name__)


class Publisher:
    """Numbers each event so a subscriber can tell that it missed some."""

    def __init__(self, socket: zmq.Socket[bytes], source: str = "broker") -> None:
        self._socket = socket
        self._source = source
        self._pid = os.getpid()
        self.seq = 0

    def publish(self, topic: Topic, /, **fields: Any) -> None:
        """`fields` may hold any string keys (a watcher's event, say); the stream's own
        `seq`, `ts`, `source` and `pid` are never replaced by them."""
        self.seq += 1
        body = {**fields, "seq": self.seq, "ts": time.time(), "source": self._source}
        body["pid"] = self._pid
        try:
            # PUB drops rather than blocks at its high-water mark; NOBLOCK makes that explicit.
            self._socket.send_multipart([topic.value.encode(), pack(body)], zmq.NOBLOCK)
        except zmq.Again:
            log.debug("status stream full, dropped %s #%d", topic.value, self.seq)
