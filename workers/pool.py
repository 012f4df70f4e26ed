"""The supervisor: keeps N worker processes alive, says why each one died, stops them in order.

A reconcile loop: compare the slots with the processes, reap the dead, report each death (and
the job it held) to the broker so the job is requeued at once, and respawn, backing off when a
slot keeps dying at start. Stopping is ordered and bounded: SIGTERM (each worker finishes its
job in hand), a grace period, then SIGKILL.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess

from broker.waker import Waker
from workers.agent import WorkerSettings, worker_main
from workers.executor import describe_exit

log = logging.getLogger(__name__)

# A worker that dies sooner than this after its start is failing to start, not crashing at work.
_QUICK_DEATH = 2.0
_MAX_BACKOFF = 30.0

Reporter = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class PoolSettings:
    worker: WorkerSettings  # the template; each slot gets its own identity
    concurrency: int = 2
    grace: float = 10.0  # seconds a stopping worker may take to finish its job


@dataclass
class Slot:
    index: int
    generation: int = 0
    process: BaseProcess | None = None
    identity: str = ""
    started: float = 0.0
    failures: int = 0  # quick deaths in a row
    restart_at: float = 0.0


class Pool:
    def __init__(self, settings: PoolSettings, report: Reporter | None = None) -> None:
        """`report(worker, reason)` tells the broker of a death and returns the job it held."""
        self.settings = settings
        self.report = report
        self.slots = [Slot(i) for i in range(settings.concurrency)]
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = False
        self._waker = Waker()

    def request_stop(self, *_: object) -> None:
        self._stop = True
        self._waker.wake()

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.request_stop)

    def pids(self) -> list[int]:
        return [s.process.pid for s in self.slots if s.process and s.process.pid]

    def run(self) -> None:
        log.info(
            "pool %d: %d worker(s) for %s",
            os.getpid(),
            len(self.slots),
            self.settings.worker.queues,
        )
        try:
            while not self._stop:
                self._reconcile()
                self._wait()
        finally:
            self._shutdown()

    def _spawn(self, slot: Slot) -> None:
        slot.generation += 1
        host = socket.gethostname()
        slot.identity = f"{host}/{os.getpid()}/{slot.index}.{slot.generation}"
        settings = replace(self.settings.worker, identity=slot.identity)
        slot.process = self._ctx.Process(
            target=worker_main, args=(settings, os.getpid()), name=f"docmill-worker-{slot.index}"
        )
        slot.process.start()
        slot.started = time.monotonic()
        log.info("started worker %s (pid %s)", slot.identity, slot.process.pid)

    def _reconcile(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if slot.process is not None and not slot.process.is_alive():
                self._reap(slot, now)
            if slot.process is None and now >= slot.restart_at:
                self._spawn(slot)

    def _reap(self, slot: Slot, now: float) -> None:
        assert slot.process is not None
        slot.process.join()
        reason = describe_exit(slot.process.exitcode)
        pid = slot.process.pid
        slot.process.close()
        slot.process = None
        held = None
        if self.report is not None:
            try:
                held = self.report(slot.identity, f"pid {pid} {reason}")
            except (TimeoutError, OSError) as exc:
                log.warning("could not tell the broker that %s died: %s", slot.identity, exc)
        log.warning(
            "worker %s (pid %s) %s%s",
            slot.identity,
            pid,
            reason,
            f" holding job {held}, which is requeued" if held else "",
        )
        if now - slot.started < _QUICK_DEATH:
            slot.failures += 1
            slot.restart_at = now + min(_MAX_BACKOFF, 0.5 * 2**slot.failures)
        else:
            slot.failures, slot.restart_at = 0, now

    def _wait(self) -> None:
        """Sleep until a worker dies, a stop is asked for, or a delayed respawn is due."""
        waitables: list = [s.process.sentinel for s in self.slots if s.process is not None]
        waitables.append(self._waker.reader)
        pending = [s.restart_at for s in self.slots if s.process is None]
        timeout = max(0.0, min(pending) - time.monotonic()) if pending else None
        for ready in multiprocessing.connection.wait(waitables, timeout):
            if ready is self._waker.reader:
                self._waker.clear()

    def _shutdown(self) -> None:
        live = [s.process for s in self.slots if s.process is not None and s.process.is_alive()]
        log.info("stopping %d worker(s), %gs grace", len(live), self.settings.grace)
        for process in live:
            process.terminate()  # SIGTERM: finish the job in hand, then leave
        deadline = time.monotonic() + self.settings.grace
        for process in live:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in live:
            if process.is_alive():
                log.warning("worker pid %s did not stop in time; killing it", process.pid)
                process.kill()
                process.join(5)
        self._waker.close()
