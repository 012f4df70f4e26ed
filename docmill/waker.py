"""A self-pipe: wake a process's poll from a signal handler or another thread.

Every long-running docmill process blocks in one poll whose timeout is its next deadline; a
stop request must end that wait at once rather than at the next deadline. `wake()` is safe in
a signal handler; `reader` goes into a zmq.Poller, select() or multiprocessing's wait().
`StopOnSignal` is the stop request itself, shared by the processes that stop on SIGINT/SIGTERM.
"""

from __future__ import annotations

import contextlib
import signal
import socket


class Waker:
    def __init__(self) -> None:
        self.reader, self._writer = socket.socketpair()
        self.reader.setblocking(False)
        self._writer.setblocking(False)

    @property
    def fd(self) -> int:
        """What to register in a zmq.Poller, and to look for in its answer: pyzmq reports a
        native socket by its file descriptor, not by the object that was registered."""
        return self.reader.fileno()

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


class StopOnSignal:
    """Mixin for a process's main object: a stop request records intent and wakes its poll.

    The class sets `_stop = False` and `_waker = Waker()`, polls `_waker.reader`, and acts on
    `_stop` in its loop; the handler itself does nothing more (STYLE.md habit 6).
    """

    _stop: bool
    _waker: Waker

    def request_stop(self, *_: object) -> None:
        """Safe from a signal handler or another thread: record intent, wake the loop."""
        self._stop = True
        self._waker.wake()

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.request_stop)
