"""The terminal view as text: one function from the monitor's picture to screen lines.

Pure (no terminal, no sockets), so the same frame can be printed once, redrawn live, or
checked in a test. It fits 80x24 and uses more room when there is.
"""

from __future__ import annotations

import time

from tabulate import tabulate

from monitor.model import View

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


def selectable(view: View) -> list[str]:
    """The jobs the arrow keys move through: running ones (in worker order), then failures."""
    running = {r["worker"]: r["job"] for r in view["running"]}
    jobs = [running[w["id"]] for w in view["workers"] if w["id"] in running]
    return jobs + [f["job"] for f in view["failures"]]


def render(
    view: View,
    width: int = 80,
    height: int = 24,
    selected: int = 0,
    paused: bool = False,
    now: float | None = None,
) -> list[str]:
    """Screen lines for `view` (Model.view()), at most `height` lines of at most `width` chars."""
    now = now or time.time()
    broker, host, counts = view["broker"], view["host"], view["counts"]
    rate = view["stats"]["throughput_per_min"]
    lines = [
        "docmill"
        + ("  [PAUSED]" if paused else "")
        + ("  [DRAINING]" if broker["draining"] else "")
        + f"  up {_age(broker['uptime'])}  {broker['endpoint'] or '?'}",
        f"host cpu {host['cpu_percent']:.0f}%  mem {host['memory_percent']:.0f}%"
        f"  disk {host['disk_percent']:.0f}% ({host['disk_free'] / 2**30:.0f}G free)"
        f"  dead {view['dead']}",
        "jobs  "
        + "  ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"   per min: 1m {rate['1m']:.0f} 5m {rate['5m']:.0f} 15m {rate['15m']:.0f}",
        "ended/30s " + sparkline(view["spark"]),
        *([f"refused: {view['refused']}"] if view["refused"] else []),
        "",
    ]
    queues = view["queues"]
    top = max((q["queued"] for q in queues.values()), default=0)
    bar_width = max(6, min(30, width - 50))
    lines += tabulate(
        [
            [
                name + (" (paused)" if q["paused"] else ""),
                _bar(q["queued"], top, bar_width),
                q["queued"],
                _age(q["oldest_age"]),
                q["workers"],
            ]
            for name, q in queues.items()
        ],
        headers=["queue", "", "waiting", "oldest", "workers"],
    ).splitlines()
    lines.append("")
    running = {r["worker"]: r for r in view["running"]}
    choices = selectable(view)
    chosen = choices[selected] if 0 <= selected < len(choices) else None
    rows = []
    for w in view["workers"]:
        run = running.get(w["id"])
        stalled = run and run["elapsed"] > (run["timeout"] or 900) + 30
        state = "stalled" if stalled else w["state"]
        limit = f"/{run['timeout']:g}s" if run and run["timeout"] else ""
        rows.append(
            [
                w["id"],
                w["pid"],
                state,
                ((">" if run["job"] == chosen else "") + run["job"][:8] + " " + str(run["task"]))
                if run
                else "",
                (_age(run["elapsed"]) + limit) if run else "",
                _mib(w.get("rss")),
                f"{w.get('cpu_percent', 0):.0f}%",
                w["jobs_done"],
            ]
        )
    lines += tabulate(
        rows, headers=["worker", "pid", "state", "job", "elapsed", "rss", "cpu", "done"]
    ).splitlines()
    failures = view["failures"]
    if failures:
        lines += ["", "recent failures"]
        for f in failures:
            mark = ">" if f["job"] == chosen else " "
            when = time.strftime("%H:%M:%S", time.localtime(f["ts"] or now))
            what = f["path"] or f["task"]
            lines.append(f"{mark} {when} {f['status']} {f['error']}: {what}")
    footer = "q quit  p pause  ↑↓ select  enter details  r retry  c cancel"
    body = lines[: max(1, height - 1)]
    return [line[:width] for line in [*body, *([""] * (height - 1 - len(body))), footer]]
