"""What every `docmill` command shares: its exit codes and how it prints (a table, or --json)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


def emit(args: argparse.Namespace, data: Any, table: str) -> None:
    """Print `data` as JSON under --json, else the human-readable `table`. A reader that
    stopped reading (`| head -1`) is no error: the rest goes nowhere, the command goes on."""
    try:
        print(json.dumps(data, indent=2, default=jsonable) if args.json else table)
    except BrokenPipeError:
        stdout_closed()


def stdout_closed() -> None:
    """Send what is left of stdout nowhere: its reader has gone, and Python would otherwise
    fail again at exit, flushing the buffer into the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def jsonable(value: Any) -> Any:
    """json.dumps's `default`: bytes as text; anything else stays an error."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def when(ts: float) -> str:
    """A Unix time as an ISO 8601 UTC timestamp, to the second."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")
