"""What every `docmill` command shares: its exit codes and how it prints (a table, or --json:
one JSON document, or JSON Lines where a command reports jobs as they end)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

from docmill.protocol import JobStatus

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


def emit(args: argparse.Namespace, data: Any, table: str) -> None:
    """Print `data` as JSON under --json, else the human-readable `table`. A reader that
    stopped reading (`| head -1`) is no error: the rest goes nowhere, the command goes on."""
    try:
        print(json.dumps(data, indent=2, default=jsonable) if args.json else table)
    except BrokenPipeError:
        stdout_closed()


def emit_line(data: Any) -> None:
    """Print `data` as one JSON line, at once (JSON Lines: a reader gets each as it comes). A
    reader that stopped reading is no error, as for emit()."""
    try:
        print(json.dumps(data, default=jsonable), flush=True)
    except BrokenPipeError:
        stdout_closed()


def outcome(info: dict[str, Any]) -> str:
    """One line about a job: what it produced, or why it failed."""
    if info["status"] == JobStatus.SUCCEEDED.value:
        result = info.get("result")
        if isinstance(result, dict) and "text" in result:
            return f"{result.get('kind', '?')}, {len(result['text'])} chars"
        return json.dumps(result, default=jsonable)[:60]
    error = info.get("error") or {}
    return f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")


def exit_code(infos: list[dict[str, Any]], waited: bool = True) -> int:
    """1 if a job ended unsuccessfully; else, if `waited`, 3 while one has not ended."""
    states = [JobStatus(info["status"]) for info in infos]
    if any(s.terminal and s is not JobStatus.SUCCEEDED for s in states):
        return EXIT_FAILED
    if waited and not all(s is JobStatus.SUCCEEDED for s in states):
        return EXIT_TIMEOUT  # still queued or running when the wait ended
    return EXIT_OK


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
