"""A self-pipe: wake a process's poll from a signal handler or another thread.

Every long-running docmill process blocks in one poll whose timeout is its next deadline; a
stop request must end that wait at once rather than at the next deadline. `wake()` is safe in
a signal handler; `reader` goes into a zmq.Poller, select() or multiprocessing's wait().
"""

from __future__ import annotations

import contextlib
import socket


class Waker:
    def __init__(self) -> None:
        self.reader, self._writer = socket.socketpair()
        self.reader.setblocking(False)
        self._writer.setblocking(False)

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # full: a wake-up is already pending
            self._writer.send(b"\0")

    def clear(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self.reader.recv(4096):
                pass

    def close(self) -> None:
        self.reader.close()
        self._writer.close()
