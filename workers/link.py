"""A worker's connection to its broker: one MDP/0.1 worker (RFC 7) on a DEALER socket.

It says READY with docmill's metadata (docs/PROTOCOL.md §2.3), sends a heartbeat after an
interval in which it sent nothing, takes the broker for gone after a liveness of silence, and
connects again: at once, or after a liveness when sent away right after connecting (a refused
registration). Each connection has a socket and an identity of its own. When ZeroMQ connects
a socket again by itself (the broker restarted on the same endpoint, or a network came back),
it says something at once, so that a broker that does not know it tells it to register. What
the broker asks for is the agent's (workers/agent.py) to carry out.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from docmill import wire
from docmill.protocol import MAX_MESSAGE_BYTES, WorkerCommand, ready, worker_signal
from workers.settings import WorkerSettings

log = logging.getLogger(__name__)

# A frame bigger than this (a job's request with a document in it, up to 64 MiB) is kept as a
# view of the message ZeroMQ received rather than copied: the worker holds one copy of it.
VIEW_OVER = 64 * 1024


class BrokerLink:
    def __init__(self, settings: WorkerSettings, context: zmq.Context[Any]) -> None:
        self.settings = settings
        self.context = context
        self.socket: zmq.Socket[bytes] | None = None
        self.monitor: zmq.Socket[bytes] | None = None  # ZeroMQ's news of the socket's links
        self._links = 0  # times ZeroMQ connected the socket of the moment
        self._next_heartbeat = 0.0
        self._expiry = 0.0  # when the broker is taken for gone, unless heard from
        self._connected_at = 0.0
        self._reconnect_at: float | None = None  # when to connect again, once disconnected
        self._connections = 0  # numbers this worker's connections, in its identity

    def connect(self) -> None:
        self._close(linger=0)
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        # An identity per connection, the worker's name in READY: messages a dead connection
        # still delivers (TCP retransmits after a partition heals) then answer to the old
        # identity, and the broker's reply to them cannot reach, and cut, the new connection.
        self._connections += 1
        identity = f"{self.settings.identity}#{self._connections}"
        self.socket.setsockopt(zmq.IDENTITY, identity.encode())
        if self.settings.keys is not None:
            self.settings.keys.apply(self.socket)
        self.monitor = self.socket.get_monitor_socket(zmq.EVENT_CONNECTED)
        self._links = 0
        self.socket.connect(self.settings.endpoint)
        self._connected_at = time.monotonic()
        self._reconnect_at = None
        queues = list(self.settings.queues)
        meta = {
            "queues": queues,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "name": self.settings.identity,
        }
        if self.settings.pool is not None:
            meta["pool"] = self.settings.pool
        self.send(ready(queues[0].encode(), meta))
        self._expiry = time.monotonic() + self.settings.liveness
        log.info(
            "worker %s ready for %s on %s", self.settings.identity, queues, self.settings.endpoint
        )

    def send(self, frames: list[bytes]) -> None:
        if self.socket is None:
            return
        try:
            wire.send(self.socket, frames)
        except zmq.Again:
            log.warning("broker not reading; dropped %s", frames[2:3])
        self._next_heartbeat = time.monotonic() + self.settings.heartbeat_interval

    def receive(self) -> list[bytes | memoryview] | None:
        """The broker's next message, if one waits (frames over VIEW_OVER bytes as views);
        any message is a sign of its life."""
        if self.socket is None or (frames := wire.receive_views(self.socket, VIEW_OVER)) is None:
            return None
        self._expiry = time.monotonic() + self.settings.liveness
        return frames

    def relinked(self) -> None:
        """ZeroMQ connected the socket. The first time READY is on its way; after that, the
        broker may be a new one that does not know this worker (killed and started again), and
        would hear of it only at its next heartbeat, a second later: a heartbeat now has such a
        broker answer DISCONNECT, and the worker registers again at once. The broker it had,
        back after a network break, takes it as a heartbeat."""
        while self.monitor is not None:
            try:
                event = recv_monitor_message(self.monitor, zmq.NOBLOCK)
            except zmq.Again:
                return
            if event["event"] == zmq.EVENT_CONNECTED:
                self._links += 1
                if self._links > 1:
                    log.info("worker %s connected again; saying so", self.settings.identity)
                    self.send(worker_signal(WorkerCommand.HEARTBEAT))

    def _close(self, linger: int) -> None:
        if self.socket is not None:
            self.socket.disable_monitor()
            self.socket.close(linger=linger)
            self.socket = None
        if self.monitor is not None:
            self.monitor.close(linger=0)
            self.monitor = None

    def drop(self) -> None:
        """Close the connection at once, and connect again when `due`."""
        self._close(linger=0)
        # Sent away right after connecting (a refused registration): do not hammer the broker.
        quick = time.monotonic() - self._connected_at < self.settings.heartbeat_interval
        self._reconnect_at = time.monotonic() + (self.settings.liveness if quick else 0.0)

    def close(self) -> None:
        """Say goodbye (DISCONNECT) and close: the worker is stopping."""
        if self.socket is not None:
            self.send(worker_signal(WorkerCommand.DISCONNECT))
        self._close(linger=500)

    def due(self, now: float) -> bool:
        """Whether it is time to connect (first start, or again after losing the broker)."""
        return self.socket is None and now >= (self._reconnect_at or 0.0)

    def deadlines(self) -> list[float]:
        if self.socket is not None:
            return [self._next_heartbeat, self._expiry]
        return [self._reconnect_at] if self._reconnect_at is not None else []

    def tick(self, now: float) -> bool:
        """A heartbeat, if one is due; False if the broker has been silent for a liveness."""
        if self.socket is None:
            return True
        if now >= self._expiry:
            return False
        if now >= self._next_heartbeat:
            self.send(worker_signal(WorkerCommand.HEARTBEAT))
        return True
