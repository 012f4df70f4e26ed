"""`docmill report`: task statistics from the job store, read directly and read-only.

The report reads home/state/jobs.db itself (SQLite in WAL mode lets it read while the broker
writes), so a long report never costs the broker's loop anything.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

from broker.metrics import percentile
from broker.protocol import ProtocolError, unpack

_SPAN = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> float:
    """'90s', '15m', '24h', '7d' → seconds."""
    match = _SPAN.match(text.strip())
    if not match:
        raise ValueError(f"--since takes a number and a unit (s, m, h, d), like 24h, not {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _error_type(blob: bytes | None) -> str:
    if not blob:
        return "?"
    try:
        error = unpack(blob)
    except ProtocolError:
        return "?"
    return str(error.get("type", "?")) if isinstance(error, dict) else "?"


def _path(blob: bytes | None) -> str | None:
    try:
        args = unpack(blob) if blob else {}
    except ProtocolError:
        return None
    return args.get("path") if isinstance(args, dict) else None


def report(db_path: Path, since: float, now: float | None = None, slowest: int = 10) -> dict:
    """Counts by task and state, durations, error types and the slowest jobs since `since` s."""
    now = now or time.time()
    start = now - since
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT task, status, started, finished, error, args FROM jobs WHERE created >= ?",
            (start,),
        ).fetchall()
    finally:
        db.close()
    counts: dict[str, Counter[str]] = {}
    durations: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    timed: list[tuple[float, str, str | None]] = []
    for task, status, started, finished, error, args in rows:
        counts.setdefault(task, Counter())[status] += 1
        if status in ("failed", "dead"):
            errors[_error_type(error)] += 1
        if status == "succeeded" and started and finished:
            seconds = finished - started
            durations.setdefault(task, []).append(seconds)
            timed.append((seconds, task, _path(args)))
    timed.sort(reverse=True)
    return {
        "since": start,
        "until": now,
        "jobs": len(rows),
        "tasks": {
            task: {
                "counts": dict(c),
                "p50": percentile(durations.get(task, []), 0.5),
                "p95": percentile(durations.get(task, []), 0.95),
                "max": max(durations.get(task, [0.0]), default=None),
            }
            for task, c in sorted(counts.items())
        },
        "errors": dict(errors.most_common()),
        "slowest": [{"seconds": s, "task": t, "path": p} for s, t, p in timed[:slowest]],
    }
