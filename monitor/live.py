"""The live, top-like terminal view: redrawn in place about once a second, keys to act.

Drawing goes to the alternate screen; each frame moves the cursor home and overwrites the
lines (clearing each line's rest), so nothing flickers. Keys come through monitor/terminal.py,
in cbreak mode on POSIX and through msvcrt on Windows consoles.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

import zmq

from docmill.client import BrokerError
from monitor import terminal
from monitor.feed import Feed
from monitor.model import View
from monitor.view import render, selectable

REFRESH = 1.0


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


def run(
    feed: Feed, out: TextIO = sys.stdout, stdin: TextIO | None = None, windows: bool | None = None
) -> None:
    """Show the view until q; `stdin` and `windows` default to this process's own."""
    paused, selected, message = False, 0, ""
    detail: list[str] | None = None
    frame: View = feed.model.view()
    with terminal.opened(out, stdin, windows) as term:
        poller = zmq.Poller()
        poller.register(feed.socket, zmq.POLLIN)
        if term.fd is not None and term.key_interval is None:
            poller.register(term.fd, zmq.POLLIN)
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
            wait = max(0.0, next_draw - now)
            if term.key_interval is not None:
                wait = min(wait, term.key_interval)
            ready = dict(poller.poll(int(wait * 1000) + 1))
            if term.key_interval is None and term.fd not in ready:
                continue
            key = term.read_key()
            if not key:
                continue
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
