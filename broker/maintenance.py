"""Periodic maintenance, scheduled by the broker itself (no separate beat process).

Each run is an ordinary job, stored and published like any other, so it shows in `docmill
status`, the status stream and reports:

- `cleanup_jobs` runs inside the broker (only it may touch the job store): it deletes finished
  jobs older than the result TTL, a bounded number per run so the loop never stalls on it;
- `cleanup_outputs` goes to the `maintenance` queue, where a worker removes output files older
  than the retention from the outbox.
"""

from __future__ import annotations

import logging
from typing import Any

from broker.checks import Checks
from broker.flow import JobFlow
from broker.jobs import Job, new_job_id
from docmill.protocol import ErrorType
from docmill.settings import CheckSettings, MaintenanceSettings

log = logging.getLogger(__name__)


class Schedule:
    def __init__(
        self, settings: MaintenanceSettings, checks: CheckSettings | None, now: float
    ) -> None:
        """`now`: the monotonic time the schedule starts from."""
        self.settings = settings
        self.checks = Checks(checks or CheckSettings())
        start = now + settings.first_run_after
        every = self.checks.settings.interval
        self._due = {
            "cleanup_jobs": start if settings.cleanup_jobs_interval > 0 else None,
            "cleanup_outputs": start if settings.cleanup_outputs_interval > 0 else None,
            "health_check": now + every if every > 0 else None,
            "queue_check": now + every if every > 0 else None,
        }

    def next_deadline(self) -> float | None:
        return min((d for d in self._due.values() if d is not None), default=None)

    def run_due(self, flow: JobFlow, now: float) -> None:
        if flow.draining:
            return
        due = self._due["cleanup_jobs"]
        if due is not None and now >= due:
            self._due["cleanup_jobs"] = now + self.settings.cleanup_jobs_interval
            cleanup_jobs(flow, self.settings.result_ttl, self.settings.batch)
        for check in ("health_check", "queue_check"):
            due = self._due[check]
            if due is not None and now >= due:
                self._due[check] = now + self.checks.settings.interval
                self.checks.run(flow, check)
        due = self._due["cleanup_outputs"]
        if due is not None and now >= due:
            self._due["cleanup_outputs"] = now + self.settings.cleanup_outputs_interval
            args = {
                "folder": str(flow.settings.home.outbox),
                "older_than": self.settings.output_retention,
            }
            created = flow.clock.time()
            job = Job(new_job_id(), "cleanup_outputs", "maintenance", args, created=created)
            flow.jobs.accept(job)


def cleanup_jobs(flow: JobFlow, ttl: float, batch: int) -> Job:
    """Delete finished jobs older than `ttl`; a job in the store like any other."""
    now = flow.clock.time()
    job = Job(new_job_id(), "cleanup_jobs", "maintenance", {"older_than": ttl}, created=now)

    def clean() -> dict[str, Any]:
        try:
            expired = flow.store.expired(now - ttl, batch)
            deleted = flow.jobs.delete(expired)
        except Exception as exc:  # a store fault costs this run, not the broker
            log.warning("cleanup_jobs failed: %s", exc, exc_info=True)
            return {"ok": False, "error": {"type": ErrorType.TASK_ERROR.value, "message": str(exc)}}
        if deleted:
            log.info("cleanup_jobs deleted %d job(s) finished over %gs ago", deleted, ttl)
        return {"ok": True, "result": {"deleted": deleted, "more": len(expired) == batch}}

    flow.jobs.run_here(job, clean)
    return job
