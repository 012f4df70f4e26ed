"""The terminal the live view draws on and reads keys from, on POSIX and on Windows consoles.

POSIX: cbreak mode through termios, and keys read from stdin's file descriptor, which the
view's zmq.Poller waits on together with the status stream. Windows: no termios and no
pollable console handle, so keys come from msvcrt (kbhit/getwch, the standard library's
console API: no dependency for what four keys need) and the view polls for them every
`Terminal.key_interval` seconds; VT processing is switched on so that the same escape
sequences draw the view. Either way a key arrives as the string POSIX terminals send: arrow
keys as "\\x1b[A" and "\\x1b[B".
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

ALTERNATE_SCREEN, MAIN_SCREEN = "\x1b[?1049h\x1b[?25l", "\x1b[?25h\x1b[?1049l"
# msvcrt's arrow keys: a prefix ("\x00" or "\xe0"), then H (up) or P (down).
_WINDOWS_ARROWS = {"H": "\x1b[A", "P": "\x1b[B"}


class Terminal:
    """Keys from the user, if stdin is a terminal. `fd` is the descriptor to poll (POSIX)."""

    def __init__(self, fd: int | None, windows: bool) -> None:
        self.fd = fd
        self.windows = windows
        # How often the view must look for keys itself: only where it cannot poll for them.
        self.key_interval: float | None = 0.1 if windows and fd is not None else None

    def read_key(self) -> str | None:
        """A key that is waiting, or None."""
        if self.fd is None:
            return None
        if self.windows:
            return _windows_key()
        return os.read(self.fd, 16).decode(errors="replace")


def _windows_key() -> str | None:
    import msvcrt

    if not msvcrt.kbhit():  # type: ignore[attr-defined]
        return None
    key: str = msvcrt.getwch()  # type: ignore[attr-defined]
    if key in ("\x00", "\xe0"):
        return _WINDOWS_ARROWS.get(msvcrt.getwch(), "")  # type: ignore[attr-defined]
    return key


@contextlib.contextmanager
def opened(
    out: TextIO, stdin: TextIO | None = None, windows: bool | None = None
) -> Iterator[Terminal]:
    """Cbreak input, hidden cursor, alternate screen; all restored on the way out. `stdin`
    and `windows` default to this process's own."""
    stdin = stdin or sys.stdin
    fd = stdin.fileno() if stdin.isatty() else None
    windows = sys.platform == "win32" if windows is None else windows
    with contextlib.ExitStack() as restore:
        if fd is not None:
            restore.enter_context(_windows_console() if windows else _cbreak(fd))
        out.write(ALTERNATE_SCREEN)
        try:
            yield Terminal(fd, windows)
        finally:
            out.write(MAIN_SCREEN)
            out.flush()


@contextlib.contextmanager
def _cbreak(fd: int) -> Iterator[None]:
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _windows_console() -> Iterator[None]:
    """Switch on VT processing on the console's output, and restore its mode afterwards."""
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.GetStdHandle(-11)  # STD_OUTPUT_HANDLE
    mode = ctypes.c_uint32()
    if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
        yield
        return
    kernel32.SetConsoleMode(handle, mode.value | 0x0004)  # ENABLE_VIRTUAL_TERMINAL_PROCESSING
    try:
        yield
    finally:
        kernel32.SetConsoleMode(handle, mode.value)
