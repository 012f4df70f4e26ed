"""Is the system healthy? A verdict from one snapshot of the broker: for `docmill health`, and
for the broker's own periodic health_check and queue_check (broker/checks.py).

"Alive" is not enough: a worker that heartbeats but whose job has run past its time limit is
stalled, and a queue whose oldest job keeps waiting is not being served, whatever the worker
count says.
"""

from __future__ import annotations

from dataclasses import dataclass

from docmill.status import Snapshot

STALL_AFTER = 900.0  # seconds a job without a time limit may run before its worker is "stalled"


@dataclass(frozen=True)
class Thresholds:
    backlog_age: float = 600.0  # oldest waiting job, seconds
    disk_free: int = 1 << 30  # bytes free on the home folder's disk
    disk_percent: float = 95.0
    memory_percent: float = 95.0
    dead_letters: int | None = None  # more dead jobs than this is unhealthy; None: not checked


def problems(state: Snapshot, limits: Thresholds | None = None) -> list[str]:
    """Every reason the system is unhealthy; empty when it is healthy."""
    limits = limits or Thresholds()
    return system_problems(state, limits) + queue_problems(state, limits)


def system_problems(state: Snapshot, limits: Thresholds) -> list[str]:
    """Workers present and making progress; disk, memory and dead letters within limits."""
    found: list[str] = []
    if not state["workers"]:
        waiting = sum(q["queued"] for q in state["queues"].values())
        found.append(f"no workers are connected ({waiting} job(s) waiting)")
    for run in state["running"]:
        limit = run["timeout"] or STALL_AFTER
        if run["elapsed"] > limit + 30:  # the worker kills a job at its limit
            found.append(
                f"worker {run['worker']} stalled: job {run['job']} has run "
                f"{run['elapsed']:.0f}s, past its {limit:g}s limit"
            )
    host = state["host"]
    if host["disk_free"] < limits.disk_free or host["disk_percent"] > limits.disk_percent:
        found.append(
            f"disk low: {host['disk_free'] / 2**30:.1f} GiB free ({host['disk_percent']:.0f}% used)"
        )
    if host["memory_percent"] > limits.memory_percent:
        found.append(f"memory low: {host['memory_percent']:.0f}% used")
    dead = state["dead"]
    if limits.dead_letters is not None and dead > limits.dead_letters:
        found.append(f"{dead} dead job(s) (limit {limits.dead_letters})")
    return found


def unserved(state: Snapshot) -> dict[str, int]:
    """Queues with waiting jobs that no connected worker serves, and how many jobs wait there.

    A queue with no job is never counted: the default queues need no worker until used. Only
    jobs that could start now count (`due`): not delayed ones, nor cancelled ones still in line.
    """
    return {
        name: queue["due"]
        for name, queue in state["queues"].items()
        if queue["due"] > 0 and not queue["workers"]
    }


def queue_problems(state: Snapshot, limits: Thresholds) -> list[str]:
    """Queues whose oldest waiting job has waited too long (paused queues excepted), and queues
    with waiting jobs that no worker serves (when some worker is connected: with none at all,
    system_problems says so once)."""
    found = []
    if state["workers"]:
        found += [
            f"queue {name} has {waiting} waiting job(s) and no worker"
            for name, waiting in unserved(state).items()
        ]
    for name, queue in state["queues"].items():
        age = queue["oldest_age"]
        if not queue["paused"] and age > limits.backlog_age:
            found.append(
                f"queue {name}: oldest job waiting {age:.0f}s (limit {limits.backlog_age:g}s)"
            )
    return found
