"""The live, top-like terminal view: redrawn in place about once a second, keys to act.

Drawing goes to the alternate screen; each frame moves the cursor home and overwrites the
lines (clearing each line's rest), so nothing flickers. Keys are read in cbreak mode.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import termios
import time
import tty
from collections.abc import Iterator
from typing import TextIO

import zmq

from docmill.client import BrokerError
from monitor.feed import Feed
from monitor.model import View
from monitor.view import render, selectable

REFRESH = 1.0


@contextlib.contextmanager
def _terminal(out: TextIO) -> Iterator[int | None]:
    """Cbreak input, hidden cursor, alternate screen; all restored on the way out."""
    fd = sys.stdin.fileno() if sys.stdin.isatty() else None
    saved = termios.tcgetattr(fd) if fd is not None else None
    try:
        if fd is not None:
            tty.setcbreak(fd)
        out.write("\x1b[?1049h\x1b[?25l")
        yield fd
    finally:
        out.write("\x1b[?25h\x1b[?1049l")
        out.flush()
        if fd is not None and saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _draw(out: TextIO, lines: list[str]) -> None:
    out.write("\x1b[H" + "".join(f"{line}\x1b[K\r\n" for line in lines[:-1]))
    out.write(lines[-1] + "\x1b[K\x1b[J")
    out.flush()


def _details(feed: Feed, job_id: str) -> list[str]:
    info = feed.client.job(job_id).info()
    error = info.get("error") or {}
    lines = [f"job {info['id']}", ""]
    lines += [f"{k}: {info.get(k)}" for k in ("status", "task", "queue", "attempts", "worker")]
    lines += [f"error: {error.get('type')}: {error.get('message')}", ""]
    lines += str(error.get("traceback") or "").splitlines()
    return [*lines, "", "any key: back"]


def run(feed: Feed, out: TextIO = sys.stdout) -> None:
    paused, selected, message = False, 0, ""
    detail: list[str] | None = None
    frame: View = feed.model.view()
    with _terminal(out) as fd:
        poller = zmq.Poller()
        poller.register(feed.socket, zmq.POLLIN)
        if fd is not None:
            poller.register(fd, zmq.POLLIN)
        next_draw = 0.0
        while True:
            now = time.monotonic()
            if now >= next_draw:
                size = shutil.get_terminal_size((80, 24))
                if not paused:
                    frame = feed.model.view()
                lines = detail or render(frame, size.columns, size.lines, selected, paused)
                if message:
                    lines[-1] = message[: size.columns]
                _draw(out, lines)
                next_draw = now + REFRESH
            feed.poll(0)  # apply what has arrived
            ready = dict(poller.poll(int(max(0.0, next_draw - now) * 1000) + 1))
            if fd is None or fd not in ready:
                continue
            key = os.read(fd, 16).decode(errors="replace")
            next_draw, message = 0.0, ""
            if detail is not None:
                detail = None
                continue
            choices = selectable(frame)
            chosen = choices[selected] if 0 <= selected < len(choices) else None
            if key in ("q", "Q"):
                return
            if key == "p":
                paused = not paused
            elif key == "\x1b[A":
                selected = max(0, selected - 1)
            elif key == "\x1b[B":
                selected = min(max(0, len(choices) - 1), selected + 1)
            elif key in ("\r", "\n") and chosen:
                detail = _details(feed, chosen)
            elif key in ("r", "c") and chosen:
                try:
                    if key == "r":
                        feed.client.retry(chosen)
                        message = f"job {chosen} is back in line"
                    else:
                        message = f"job {chosen}: {feed.client.cancel(chosen)}"
                except BrokerError as exc:
                    message = str(exc)
