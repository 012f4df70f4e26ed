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
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess

import psutil

from docmill.client import BrokerError
from docmill.supervise import Child, ProcessHandle, stop_all
from docmill.waker import StopOnSignal, Waker
from workers.agent import worker_main
from workers.settings import WorkerSettings

log = logging.getLogger(__name__)

Reporter = Callable[[str, str], "str | None"]
# report_stats(pool id, concurrency, measures) -> the concurrency the broker asks for, if any
StatsReporter = Callable[[str, int, dict[str, dict[str, float]]], "int | None"]


@dataclass(frozen=True)
class PoolSettings:
    worker: WorkerSettings  # the template; each slot gets its own identity
    concurrency: int  # defaults of these two: docmill.settings.WorkersSettings
    grace: float  # seconds a stopping worker may take to finish its job
    stats_interval: float = 2.0  # seconds between reports of each worker's CPU and memory


@dataclass
class Slot:
    """One place in the pool; its worker process comes and goes (docmill/supervise.py)."""

    index: int
    child: Child
    generation: int = 0
    identity: str = ""
    retiring: bool = False  # the pool is shrinking: stop this one and do not replace it

    @property
    def process(self) -> BaseProcess | None:
        handle = self.child.handle
        return handle.process if isinstance(handle, ProcessHandle) else None


class Pool(StopOnSignal):
    def __init__(
        self,
        settings: PoolSettings,
        report: Reporter | None = None,
        report_stats: StatsReporter | None = None,
    ) -> None:
        """`report(worker, reason)` tells the broker of a death and returns the job it held;
        `report_stats(measures)` sends each worker's CPU and memory every stats_interval."""
        self.report_stats = report_stats
        self._next_stats = time.monotonic() + settings.stats_interval
        self._measured: dict[int, psutil.Process] = {}
        self.settings = settings
        self.report = report
        self.slots = [self._slot(i) for i in range(settings.concurrency)]
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = False
        self._waker = Waker()

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

    def _slot(self, index: int) -> Slot:
        slot = Slot(index, Child(f"worker {index}", lambda: self._spawn(slot)))
        return slot

    def _spawn(self, slot: Slot) -> ProcessHandle:
        slot.generation += 1
        host = socket.gethostname()
        slot.identity = f"{host}/{os.getpid()}/{slot.index}.{slot.generation}"
        worker_log = self.settings.worker.log.beside(f"worker-{slot.index}.log")
        settings = replace(
            self.settings.worker, identity=slot.identity, pool=self.id, log=worker_log
        )
        ours, theirs = socket.socketpair()  # the worker's lifeline (docmill/supervise.py)
        process = self._ctx.Process(
            target=worker_main,
            args=(settings, os.getpid(), theirs),
            name=f"docmill-worker-{slot.index}",
        )
        process.start()
        theirs.close()  # the child has its own copy; its end closes when the child ends
        log.info("started worker %s (pid %s)", slot.identity, process.pid)
        return ProcessHandle(process, ours)

    @property
    def id(self) -> str:
        return f"{socket.gethostname()}/{os.getpid()}"

    def resize(self, concurrency: int) -> None:
        """Grow at once; shrink by letting the last workers finish their job and leave."""
        concurrency = max(1, concurrency)
        active = [s for s in self.slots if not s.retiring]
        if concurrency > len(active):
            log.info("growing the pool from %d to %d workers", len(active), concurrency)
            start = max((s.index for s in self.slots), default=-1) + 1
            self.slots += [self._slot(start + i) for i in range(concurrency - len(active))]
        for slot in active[concurrency:]:
            log.info("retiring worker %s", slot.identity)
            slot.retiring = True
            if slot.child.handle is not None:
                slot.child.handle.ask_to_stop()  # it finishes its job first

    def _reconcile(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            pid = slot.child.handle.pid if slot.child.handle is not None else None
            if (reason := slot.child.reap(now)) is not None:
                self._reported(slot, pid, reason)
            if slot.child.due(now) and not slot.retiring:
                slot.child.start(now)
        self.slots = [s for s in self.slots if not (s.retiring and s.child.handle is None)]

    def _reported(self, slot: Slot, pid: int | None, reason: str) -> None:
        """Tell the broker a worker died, so the job it held is requeued at once."""
        held = None
        if self.report is not None:
            try:
                held = self.report(slot.identity, f"pid {pid} {reason}")
            except (TimeoutError, OSError, BrokerError) as exc:
                log.warning("could not tell the broker that %s died: %s", slot.identity, exc)
        log.warning(
            "worker %s (pid %s) %s%s",
            slot.identity,
            pid,
            reason,
            f" holding job {held}, which is requeued" if held else "",
        )

    def _wait(self) -> None:
        """Sleep until a worker dies, a stop is asked for, or a delayed respawn is due."""
        waitables: list = [s.process.sentinel for s in self.slots if s.process is not None]
        waitables.append(self._waker.reader)
        deadlines = [s.child.restart_at for s in self.slots if s.child.handle is None]
        if self.report_stats is not None:
            deadlines.append(self._next_stats)
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        for ready in multiprocessing.connection.wait(waitables, timeout):
            if ready is self._waker.reader:
                self._waker.clear()
        if self.report_stats is not None and time.monotonic() >= self._next_stats:
            self._next_stats = time.monotonic() + self.settings.stats_interval
            try:
                active = sum(not s.retiring for s in self.slots)
                wanted = self.report_stats(self.id, active, self._measure())
                if wanted is not None and wanted != active:
                    self.resize(wanted)
            except (TimeoutError, OSError, BrokerError) as exc:
                log.debug("could not report worker measures: %s", exc)

    def _measure(self) -> dict[str, dict[str, float]]:
        """CPU % and RSS of each worker and its job process (the job's alone as job_rss)."""
        measures: dict[str, dict[str, float]] = {}
        for slot in self.slots:
            if slot.process is None or slot.process.pid is None:
                continue
            try:
                agent = self._process(slot.process.pid)
                jobs = [self._process(child.pid) for child in agent.children()]
                job_rss = sum(p.memory_info().rss for p in jobs)
                measures[slot.identity] = {
                    "cpu_percent": agent.cpu_percent() + sum(p.cpu_percent() for p in jobs),
                    "rss": agent.memory_info().rss + job_rss,
                    "job_rss": job_rss,
                    "job_pid": jobs[0].pid if jobs else 0,
                }
            except psutil.Error:
                continue  # it just died: the reaper will say why
        alive = {p.pid for p in self._measured.values() if p.is_running()}
        self._measured = {pid: p for pid, p in self._measured.items() if pid in alive}
        return measures

    def _process(self, pid: int) -> psutil.Process:
        # One Process object per pid, so cpu_percent() measures since the previous report.
        if pid not in self._measured:
            self._measured[pid] = psutil.Process(pid)
        return self._measured[pid]

    def _shutdown(self) -> None:
        live = [s.child.handle for s in self.slots if s.child.alive()]
        log.info("stopping %d worker(s), %gs grace", len(live), self.settings.grace)
        # Each worker finishes the job in hand, then leaves; the grace period bounds that.
        stop_all([h for h in live if h is not None], self.settings.grace)
        self._waker.close()
