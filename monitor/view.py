"""The terminal view as text: one function from the monitor's picture to screen lines.

Pure (no terminal, no sockets), so the same frame can be printed once, redrawn live, or
checked in a test. It fits 80x24 and uses more room when there is.
"""

from __future__ import annotations

import time
from typing import Any

from tabulate import tabulate

_SPARK = " ▁▂▃▄▅▆▇█"


def _bar(value: float, top: float, width: int) -> str:
    filled = 0 if top <= 0 else min(width, round(width * value / top))
    return "█" * filled + "·" * (width - filled)


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _mib(value: float | None) -> str:
    return "" if not value else f"{value / 2**20:.0f}M"


def sparkline(counts: list[int]) -> str:
    top = max(counts, default=0)
    if top == 0:
        return " " * len(counts)
    return "".join(_SPARK[round(c * (len(_SPARK) - 1) / top)] for c in counts)


def selectable(view: dict[str, Any]) -> list[str]:
    """The jobs the arrow keys move through: running ones (in worker order), then failures."""
    running = {r["worker"]: r["job"] for r in view.get("running", [])}
    jobs = [running[w["id"]] for w in view.get("workers", []) if w["id"] in running]
    return jobs + [f["job"] for f in view.get("failures", [])]


def render(
    view: dict[str, Any],
    width: int = 80,
    height: int = 24,
    selected: int = 0,
    paused: bool = False,
    now: float | None = None,
) -> list[str]:
    """Screen lines for `view` (Model.view()), at most `height` lines of at most `width` chars."""
    now = now or time.time()
    broker = view.get("broker", {})
    host = view.get("host", {})
    counts = view.get("counts", {})
    stats = view.get("stats", {})
    rate = stats.get("throughput_per_min", {})
    lines = [
        "docmill"
        + ("  [PAUSED]" if paused else "")
        + ("  [DRAINING]" if broker.get("draining") else "")
        + f"  up {_age(broker.get('uptime', 0))}  {broker.get('endpoint', '?')}",
        f"host cpu {host.get('cpu_percent', 0):.0f}%  mem {host.get('memory_percent', 0):.0f}%"
        f"  disk {host.get('disk_percent', 0):.0f}% ({host.get('disk_free', 0) / 2**30:.0f}G free)"
        f"  dead {view.get('dead', 0)}",
        "jobs  "
        + "  ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"   per min: 1m {rate.get('1m', 0):.0f} 5m {rate.get('5m', 0):.0f}"
        f" 15m {rate.get('15m', 0):.0f}",
        "ended/30s " + sparkline(view.get("spark", [])),
        "",
    ]
    queues = view.get("queues", {})
    top = max((q.get("queued", 0) for q in queues.values()), default=0)
    bar_width = max(6, min(30, width - 50))
    lines += tabulate(
        [
            [
                name + (" (paused)" if q.get("paused") else ""),
                _bar(q.get("queued", 0), top, bar_width),
                q.get("queued", 0),
                _age(q.get("oldest_age", 0)),
                q.get("workers", 0),
            ]
            for name, q in queues.items()
        ],
        headers=["queue", "", "waiting", "oldest", "workers"],
    ).splitlines()
    lines.append("")
    running = {r["worker"]: r for r in view.get("running", [])}
    choices = selectable(view)
    chosen = choices[selected] if 0 <= selected < len(choices) else None
    rows = []
    for w in view.get("workers", []):
        run = running.get(w["id"])
        stalled = run and run["elapsed"] > (run.get("timeout") or 900) + 30
        state = "stalled" if stalled else w["state"]
        limit = f"/{run['timeout']:g}s" if run and run.get("timeout") else ""
        rows.append(
            [
                w["id"],
                w.get("pid"),
                state,
                ((">" if run["job"] == chosen else "") + run["job"][:8] + " " + str(run["task"]))
                if run
                else "",
                (_age(run["elapsed"]) + limit) if run else "",
                _mib(w.get("rss")),
                f"{w.get('cpu_percent', 0):.0f}%",
                w.get("jobs_done", 0),
            ]
        )
    lines += tabulate(
        rows, headers=["worker", "pid", "state", "job", "elapsed", "rss", "cpu", "done"]
    ).splitlines()
    failures = view.get("failures", [])
    if failures:
        lines += ["", "recent failures"]
        for f in failures:
            mark = ">" if f["job"] == chosen else " "
            when = time.strftime("%H:%M:%S", time.localtime(f.get("ts") or now))
            what = f.get("path") or f.get("task") or ""
            lines.append(f"{mark} {when} {f.get('status')} {f.get('error')}: {what}")
    footer = "q quit  p pause  ↑↓ select  enter details  r retry  c cancel"
    body = lines[: max(1, height - 1)]
    return [line[:width] for line in [*body, *([""] * (height - 1 - len(body))), footer]]
