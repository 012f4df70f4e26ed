"""health_check and queue_check: the broker looks at itself on a schedule and raises alerts.

Each run is an ordinary job (stored, published, visible in reports). When a check finds a
critical condition that it did not find last time (all workers gone, a backlog older than its
limit, disk or memory low, dead letters growing), the broker publishes an `alert` event and
runs the configured notification command, with the alert as JSON on its standard input. The
command runs in the background; the loop never waits for it.
"""

from __future__ import annotations

import json
import logging
import re
import shlex
import subprocess
from typing import Any

from broker import state
from broker.flow import JobFlow
from broker.jobs import Job, new_job_id
from docmill.health import Thresholds, queue_problems, system_problems
from docmill.protocol import Topic
from docmill.settings import CheckSettings

log = logging.getLogger(__name__)


def _gist(problem: str) -> str:
    """A problem without its figures: a backlog a minute older, or a queue with one more job
    waiting, is the same problem, not a new one to alert about at every run. A number inside
    a name (`q1`, `w-3`) stays."""
    return _FIGURE.sub("#", problem)


_FIGURE = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?=s\b|\W|$)")  # 12, 0.5, 612s


class Checks:
    def __init__(self, settings: CheckSettings) -> None:
        self.settings = settings
        self.limits = Thresholds(backlog_age=settings.backlog_age, disk_free=settings.disk_free)
        self._last: dict[str, frozenset[str]] = {}
        self._dead = 0
        self._children: list[subprocess.Popen[bytes]] = []

    def run(self, flow: JobFlow, name: str) -> None:
        """Run one check as a job; alert on problems it did not report last time."""
        job = Job(id=new_job_id(), task=name, queue="maintenance", created=flow.clock.time())
        found: list[str] = []

        def check() -> dict[str, Any]:
            snapshot = state.snapshot(flow)
            if name == "queue_check":
                found.extend(queue_problems(snapshot, self.limits))
            else:
                found.extend(system_problems(snapshot, self.limits))
                dead = snapshot.get("dead", 0)
                if dead > self._dead:
                    found.append(f"dead letters growing: {dead} (was {self._dead})")
                self._dead = dead
            return {"ok": True, "result": {"problems": found}}

        flow.jobs.run_here(job, check)
        known = self._last.get(name, frozenset())
        new = [problem for problem in found if _gist(problem) not in known]
        self._last[name] = frozenset(map(_gist, found))
        if new:
            self._alert(flow, name, sorted(new), found)
        self._reap()

    def _alert(self, flow: JobFlow, check: str, new: list[str], found: list[str]) -> None:
        now = flow.clock.time()
        alert: dict[str, Any] = {"check": check, "new": new, "problems": found, "ts": now}
        log.warning("alert from %s: %s", check, "; ".join(new))
        flow.publish(Topic.ALERT, **alert)
        if not self.settings.alert_command:
            return
        try:
            child = subprocess.Popen(
                shlex.split(self.settings.alert_command),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
            assert child.stdin is not None
            child.stdin.write(json.dumps(alert).encode())
            child.stdin.close()
            self._children.append(child)
        except OSError as exc:
            log.error("the alert command %r failed: %s", self.settings.alert_command, exc)

    def _reap(self) -> None:
        self._children = [c for c in self._children if c.poll() is None]
