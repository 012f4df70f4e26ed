"""`docmill report` (python -m broker.report): task statistics from the job store, read-only.

The report asks the store for the jobs of its span (broker/store.py reads home/state/jobs.db
in this process, which WAL allows while the broker writes), so a long report never costs the
broker's loop anything, and computes from those records alone.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

from tabulate import tabulate

from broker.queries import created_since
from docmill.cli_output import EXIT_OK, EXIT_USAGE, emit
from docmill.home import Home, resolve_home
from docmill.protocol import JobStatus
from docmill.stats import percentile

_SPAN = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> float:
    """'90s', '15m', '24h', '7d' → seconds."""
    match = _SPAN.match(text.strip())
    if not match:
        raise ValueError(f"--since takes a number and a unit (s, m, h, d), like 24h, not {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def report(db_path: Path, since: float, now: float | None = None, slowest: int = 10) -> dict:
    """Counts by task and state, durations, error types and the slowest jobs since `since` s."""
    now = now or time.time()
    start = now - since
    jobs = created_since(db_path, start)
    counts: dict[str, Counter[str]] = {}
    durations: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    timed: list[tuple[float, str, str | None]] = []
    for job in jobs:
        counts.setdefault(job.task, Counter())[job.status] += 1
        if job.status in (JobStatus.FAILED, JobStatus.DEAD):
            errors[job.error_type or "?"] += 1
        if job.status == JobStatus.SUCCEEDED and job.started and job.finished:
            seconds = job.finished - job.started
            durations.setdefault(job.task, []).append(seconds)
            timed.append((seconds, job.task, job.path))
    timed.sort(reverse=True)
    return {
        "since": start,
        "until": now,
        "jobs": len(jobs),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docmill report", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    parser.add_argument("--since", default="24h", help="a span like 90m, 24h, 7d (default 24h)")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    args = parser.parse_args(argv)
    home = Home(resolve_home(args.home))
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    data = report(home.state / "jobs.db", since)
    tasks = [
        [task, t["counts"].get("succeeded", 0), t["counts"].get("failed", 0),
         t["counts"].get("dead", 0), _secs(t["p50"]), _secs(t["p95"]), _secs(t["max"])]
        for task, t in data["tasks"].items()
    ]  # fmt: skip
    parts = [
        f"{data['jobs']} job(s) in the last {args.since}",
        "",
        tabulate(tasks, headers=["task", "ok", "failed", "dead", "p50", "p95", "max"]),
        "",
        tabulate(sorted(data["errors"].items()), headers=["error", "jobs"]),
        "",
        tabulate(
            [[_secs(s["seconds"]), s["task"], s["path"] or ""] for s in data["slowest"]],
            headers=["slowest", "task", "path"],
        ),
    ]
    emit(args, data, "\n".join(parts))
    return EXIT_OK


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}s"


if __name__ == "__main__":
    raise SystemExit(main())
