"""The status stream: every state change goes out on an XPUB socket as [topic, msgpack map].

An XPUB rather than a PUB, so that the broker hears the subscriptions and does no work for an
event nobody wants: under load the job events are thousands a second, and the monitor
subscribes to `broker.` alone. libzmq passes each prefix on when its first subscriber arrives
and again (as an unsubscription) when its last one leaves or disconnects, so a set of prefixes
is the whole state.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import zmq

from docmill import wire
from docmill.protocol import Topic, pack

log = logging.getLogger(__name__)

_TOPICS = {topic: topic.value.encode() for topic in Topic}


class Publisher:
    """Numbers each event so a subscriber can tell that it missed some, and sends only what
    some subscriber wants (the numbers count every event, sent or not)."""

    def __init__(self, socket: zmq.Socket[bytes], source: str = "broker") -> None:
        self._socket = socket
        self._source = source
        self._pid = os.getpid()
        self.seq = 0
        self.skipped = 0  # events no subscriber wanted, so never packed
        # Only prefixes of some topic can match one: anything else a peer subscribes to is
        # dropped here, so this set stays small whatever is sent to the socket.
        self._prefixes: set[bytes] = set()
        self._wanted = dict.fromkeys(_TOPICS, False)

    def read_subscriptions(self) -> None:
        """Take in the subscriptions that have arrived (call when the socket is readable)."""
        changed = False
        while True:
            try:
                message = self._socket.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            if not message or message[0] not in (0, 1):
                continue  # not a subscription: XPUB passes a subscriber's other messages on
            prefix = message[1:]
            if message[0] == 1 and any(t.startswith(prefix) for t in _TOPICS.values()):
                changed |= prefix not in self._prefixes
                self._prefixes.add(prefix)
            elif message[0] == 0 and prefix in self._prefixes:
                self._prefixes.discard(prefix)
                changed = True
        if changed:
            for topic, name in _TOPICS.items():
                self._wanted[topic] = any(name.startswith(p) for p in self._prefixes)

    def wanted(self, topic: Topic) -> bool:
        """Whether any subscriber would receive `topic`, as of the last subscriptions read."""
        return self._wanted[topic]

    def publish(self, topic: Topic, /, **fields: Any) -> None:
        """`fields` may hold any string keys (a watcher's event, say); the stream's own
        `seq`, `ts`, `source` and `pid` are never replaced by them."""
        self.seq += 1
        if not self.wanted(topic):
            self.skipped += 1
            return
        body = {**fields, "seq": self.seq, "ts": time.time(), "source": self._source}
        body["pid"] = self._pid
        try:
            # XPUB drops rather than blocks at its high-water mark; NOBLOCK makes that explicit.
            wire.send(self._socket, [_TOPICS[topic], pack(body)])
        except zmq.Again:
            log.debug("status stream full, dropped %s #%d", topic.value, self.seq)
