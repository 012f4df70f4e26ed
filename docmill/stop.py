"""How a running system is told to stop by a message: `docmill stop` asks the broker
(`docmill.stop`), which publishes `system.stop` on its status stream; run_all.py listens for
that topic and stops everything in order, as it does on Ctrl-C. A message, unlike a signal,
means the same on every platform."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import zmq

from docmill.home import Home
from docmill.protocol import Topic
from docmill.security import SecurityError, client_keys

log = logging.getLogger(__name__)


class StopListener:
    """A subscription to `system.stop` on the broker's status stream: how `docmill stop` (the
    broker's docmill.stop command) reaches run_all on every platform, without a signal."""

    def __init__(self, home: Home, context: zmq.Context[Any] | None = None) -> None:
        self.home = home
        self.context = context or zmq.Context.instance()
        self.socket: zmq.Socket[bytes] | None = None
        self.endpoint: str | None = None

    def listen(self) -> None:
        """Subscribe at the broker's events endpoint, again if it has moved."""
        endpoint = self.home.read_endpoints().get("events")
        if not endpoint or endpoint == self.endpoint:
            return
        self.close()
        socket = self.context.socket(zmq.SUB)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.SUBSCRIBE, Topic.SYSTEM_STOP.value.encode())
        socket.setsockopt(zmq.MAXMSGSIZE, 64 * 1024)
        try:
            keys = client_keys(self.home)
        except SecurityError as exc:
            log.warning("cannot listen for `docmill stop`: %s", exc)
            socket.close(0)
            return
        if keys is not None:
            keys.apply(socket)  # the stream is CURVE too when the broker is
        socket.connect(endpoint)
        self.socket, self.endpoint = socket, str(endpoint)

    def wait(self, waker: Any, timeout: float) -> bool:
        """Wait up to `timeout` s for the waker or a stop event; True when a stop came."""
        poller = zmq.Poller()
        poller.register(waker, zmq.POLLIN)
        if self.socket is not None:
            poller.register(self.socket, zmq.POLLIN)
        with contextlib.suppress(InterruptedError, zmq.ZMQError):
            ready = dict(poller.poll(int(timeout * 1000) + 1))
            if self.socket is not None and self.socket in ready:
                return self._stop_event()
        return False

    def _stop_event(self) -> bool:
        assert self.socket is not None
        while True:
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return False
            if frames and frames[0] == Topic.SYSTEM_STOP.value.encode():
                return True

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close(0)
        self.socket, self.endpoint = None, None
