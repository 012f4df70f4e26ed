"""Stopping the broker in order: on a stop request (SIGTERM, SIGINT) no new job starts and no
submit is taken; running jobs may end within `drain_grace`; those still running then go back in
line, their attempt uncounted, and every worker is told to disconnect."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from broker import lifecycle
from docmill.protocol import JobStatus, Topic, WorkerCommand, to_worker

if TYPE_CHECKING:
    from broker.broker import Broker

log = logging.getLogger(__name__)


def drained(broker: Broker) -> bool:
    """Called on each pass once a stop is asked for: true once running jobs end or the grace
    runs out (the first call starts the drain)."""
    if not broker.draining:
        broker.draining = True
        broker.drain_deadline = time.monotonic() + broker.settings.drain_grace
        busy = sum(w.job is not None for w in broker.workers.values())
        log.info("draining: %d running job(s), %gs grace", busy, broker.settings.drain_grace)
        broker.events.publish(Topic.BROKER_STOPPING, running=busy)
    running = [w for w in broker.workers.values() if w.job is not None]
    if running and time.monotonic() < broker.drain_deadline:
        return False
    for worker in running:  # out of time: back in line for the next start
        job = broker.store.get(worker.job) if worker.job else None
        worker.job = None
        if job is not None and job.status is JobStatus.RUNNING:
            lifecycle.requeue(broker, job, "the broker stopped", count_attempt=False)
    return True


def shutdown(broker: Broker) -> None:
    """After the drain: workers told to disconnect, sockets closed, endpoints file removed."""
    log.info("broker stopping: %d worker(s) told to disconnect", len(broker.workers))
    for worker in list(broker.workers.values()):
        broker.send(to_worker(worker.identity, WorkerCommand.DISCONNECT))
    broker.close()
    broker.settings.home.endpoints_file.unlink(missing_ok=True)
