"""A child's tie to its supervisor: a pipe on the child's standard input.

run_all.py starts the broker, the pool and the watcher with `--lifeline` and a pipe as their
stdin. The child reads that pipe in a thread. A line `stop` asks for the same ordered stop as
Ctrl-C (stop intake, drain, leave); the end of the pipe means the supervisor is gone, however
it ended (`kill -9` included, since the operating system closes a dead process's end of a pipe),
and the child stops the same way. A pipe behaves alike on Windows and POSIX, where signals,
process groups and prctl(PR_SET_PDEATHSIG) do not, and a stop carried by it lets the child
drain on every platform.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO

log = logging.getLogger(__name__)

STOP = b"stop\n"  # what the supervisor writes to ask for a stop


def watch(on_stop: Callable[[], None], stream: BinaryIO | None = None) -> threading.Thread:
    """Call `on_stop` (once, from a thread: it must be thread-safe) when the supervisor asks
    for a stop or goes away."""

    def run() -> None:
        source = stream if stream is not None else sys.stdin.buffer
        try:
            for line in source:
                if line.strip() == STOP.strip():
                    log.info("the supervisor asked for a stop")
                    break
            else:
                log.warning("the supervisor is gone: stopping")
        except (OSError, ValueError):
            log.warning("the supervisor's pipe broke: stopping")
        on_stop()

    thread = threading.Thread(target=run, name="lifeline", daemon=True)
    thread.start()
    return thread


def add_option(parser: argparse.ArgumentParser) -> None:
    """The `--lifeline` flag every supervised process takes."""
    parser.add_argument(
        "--lifeline",
        action="store_true",
        help="stop (in order) when standard input says `stop` or closes: run_all.py's tie",
    )
