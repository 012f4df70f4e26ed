"""The watcher: one loop that turns file events into jobs, each complete file exactly once.

    stop = threading.Event()
    Watcher(settings).run(stop)     # returns soon after stop.set()

The loop blocks on the change queue with a timeout equal to its next deadline (a settle check, a
retry, a batch window, a job-state poll, an observer health check); it never polls faster.
Observer threads only put plain `Change` records in that queue; everything else happens here.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.observers.api import BaseObserver

from docmill.client import BrokerError, Client
from docmill.watch_settings import WatcherSettings
from watcher import filters, ledger, observe
from watcher.history import History
from watcher.ledger import Ledger
from watcher.observe import Change
from watcher.report import Reporter
from watcher.settle import Settler, scan_folder
from watcher.submit import Submitter

log = logging.getLogger("watcher")

ClientFactory = Callable[[], Client]
POLL_CHUNK = 500  # job ids per state poll


class Watcher:
    def __init__(
        self,
        settings: WatcherSettings,
        client_factory: ClientFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.folders = settings.folders
        self.client_factory = client_factory or (
            lambda: Client(home=str(settings.home), timeout=settings.submit_timeout)
        )
        self.clock = clock
        self.keep = [
            filters.all_of(
                filters.within(f.path, f.recursive),
                filters.not_hidden_below(f.path),
                filters.not_temporary,
                filters.globs(f.include, f.exclude),
                filters.not_under([f.processed, f.failed]),
            )
            for f in self.folders
        ]
        self._changes = observe.ChangeQueue(settings.queue_limit, self.on_overflow)
        self._lock = threading.Lock()
        self._counters = dict.fromkeys(
            ("seen", "submitted", "duplicates", "errors", "pending", "done", "failed"), 0
        )
        self._counters.update(rescans=0, overflows=0, observer_restarts=0)
        self._rescan_reason = ""
        self._client: Client | None = None
        self._next_poll = 0.0
        self._next_health = 0.0
        self.settler = Settler()
        self.submitter = Submitter(
            self.folders,
            retry_base=settings.retry_base,
            retry_max=settings.retry_max,
            chunk=settings.submit_chunk,
        )
        self.ledger: Ledger | None = None
        self.ready = threading.Event()  # set once the first rescan is done
        self.observers: list[BaseObserver] = []
        self.reporter = Reporter()

    # -- thread-safe entry points ---------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        """seen, submitted, duplicates, errors, pending (now), done, failed, rescans, ..."""
        with self._lock:
            return dict(self._counters)

    def request_rescan(self, reason: str = "requested") -> None:
        """Look at every file again, in the loop's thread, as soon as it wakes."""
        self._changes.wake(Change(observe.RESCAN, reason=reason))

    def on_overflow(self, reason: str) -> None:
        """Events were lost (our queue was full, the kernel's overflowed, an observer died)."""
        with self._lock:
            self._counters["overflows"] += 1
        log.warning("file events lost (%s): rescanning", reason)
        self.request_rescan(reason)

    def _sink(self, change: Change) -> None:
        self._changes.put(change)

    # -- the loop -------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Watch until `stop` is set; state not yet submitted stays pending in the history."""
        history = History(self.settings.history_path)
        self.ledger = Ledger(self.folders, history, self.submitter)
        hook = observe.OverflowHook(self.on_overflow)
        hook.install()

        def wake_on_stop() -> None:
            stop.wait()
            self._changes.wake(Change(observe.STOP))

        waker = threading.Thread(target=wake_on_stop, name="watcher-stop", daemon=True)
        waker.start()
        observers = self.observers
        try:
            loaded = self.ledger.load_pending(self.clock())
            if loaded:
                log.info("%d file(s) pending from the last run", loaded)
            observers.extend(self._observe(i) for i in range(len(self.folders)))
            self._rescan("start")  # after the observers start, so nothing falls in between
            self.ready.set()
            failed = False
            while not stop.is_set():
                now = self.clock()
                timeout = max(0.0, self._next_deadline(now) - now)
                changes = self._changes.take(max(timeout, 1.0) if failed else timeout)
                if stop.is_set():
                    break
                try:
                    self._pass(changes, observers)
                    failed = False
                except Exception:  # the crash barrier of this loop
                    failed = True
                    self._count("errors")
                    log.exception("watcher pass failed; carrying on")
        finally:
            for observer in observers:
                observer.stop()
            for observer in observers:
                observer.join(5)
            hook.remove()
            history.close()
            self._drop_client()

    def _next_deadline(self, now: float) -> float:
        times = [self._next_health, self.reporter.next_due()]
        for due in (self.settler.next_due(), self.submitter.next_due()):
            if due is not None:
                times.append(due)
        if self.ledger is not None and self.ledger.outstanding:
            times.append(self._next_poll)
        return min(times)

    def _pass(self, changes: list[Change], observers: list[BaseObserver]) -> None:
        assert self.ledger is not None
        history, now = self.ledger.history, self.clock()
        for change in changes:
            self._handle(change, now)
        if self._rescan_reason:
            self._rescan(self._rescan_reason)
        for candidate, st in self.settler.check_due(now):
            self._accept(candidate.path, candidate.folder, st, now)
        for unit in self.submitter.close_batches(now):
            history.set_batch(unit.rows, unit.key)
        history.commit()  # pending rows are durable before their submit is sent
        if self.submitter.units and now >= self.submitter.retry_at:
            self._send(now)
        if self.ledger.outstanding and now >= self._next_poll:
            self._poll_jobs(now)
        if now >= self._next_health:
            self._check_observers(observers)
            self._next_health = now + self.settings.health_interval
        history.commit()
        pending = self.ledger.pending_count()
        with self._lock:
            self._counters["pending"] = pending
        if not self.reporter.send(self._client_now(), self.counters(), now):
            self._drop_client()  # send() returns at once when no report is due

    def _accept(self, path: str, index: int, st: os.stat_result, now: float) -> None:
        assert self.ledger is not None
        verdict = self.ledger.accept(path, index, st, now)
        if verdict == ledger.CHANGED_MEANWHILE:
            self.settler.written(path, index, self.folders[index].settle, now)
            return
        if verdict == ledger.UNREADABLE:
            self._count("errors")
            self._note("error", path, now, reason="unreadable")
            return
        if verdict != ledger.UNCHANGED:
            self._count("seen")
            self._note("seen", path, now)
        if verdict == ledger.DUPLICATE:
            self._count("duplicates")
            self._note("duplicate", path, now)

    def _note(self, event: str, path: str | None, now: float, **extra: object) -> None:
        self.reporter.note(event, path, **extra)
        self.reporter.soon(now)

    # -- the broker -----------------------------------------------------------------------------

    def _client_now(self) -> Client:
        if self._client is None:
            self._client = self.client_factory()  # reads the endpoint again: it may have moved
        return self._client

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _send(self, now: float) -> None:
        assert self.ledger is not None
        acked = self.submitter.send(self._client_now(), now, self.settings.submit_timeout)
        for unit, job in acked:
            self.ledger.acked(unit, job)
            for path in unit.paths:
                self._note("submitted", path, now, job=job)
        self._count("submitted", sum(len(u.paths) for u, _ in acked))
        if self.submitter.last_error is not None:
            self._count("errors")
            self._drop_client()

    def _poll_jobs(self, now: float) -> None:
        """Ended jobs: their files become done or failed (and are moved, where asked)."""
        assert self.ledger is not None
        ids = sorted(self.ledger.outstanding)
        self._next_poll = now + self.settings.state_poll
        try:
            client = self._client_now()
            for start in range(0, len(ids), POLL_CHUNK):
                for info in client.infos(ids[start : start + POLL_CHUNK]):
                    done, failed = self.ledger.ended(info, now)
                    self._count("done", done)
                    self._count("failed", failed)
        except (TimeoutError, BrokerError) as exc:
            log.warning("cannot read job states (%s); trying again later", exc)
            self._count("errors")
            self._drop_client()
            self._next_poll = now + max(self.settings.state_poll, self.submitter.delay or 1.0)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counters[name] += n

    # -- events, rescans, observers -------------------------------------------------------------

    def _handle(self, change: Change, now: float) -> None:
        if change.kind == observe.RESCAN:
            self._rescan_reason = self._rescan_reason or change.reason
            return
        if change.folder < 0:
            return
        folder, keep = self.folders[change.folder], self.keep[change.folder]
        path = Path(change.path)
        if change.kind in (observe.CREATED, observe.MODIFIED):
            if keep(path):
                self.settler.written(change.path, change.folder, folder.settle, now)
        elif change.kind == observe.CLOSED:
            if keep(path):
                self.settler.complete(change.path, change.folder, folder.settle, now)
        elif change.kind == observe.MOVED:
            self.settler.drop(change.path)
            if keep(Path(change.dest)):  # the atomic-save pattern: x.tmp renamed to x.pdf
                self.settler.complete(change.dest, change.folder, folder.settle, now)
        elif change.kind == observe.DELETED:
            self.settler.drop(change.path)
        elif change.kind == observe.DIR and folder.recursive:
            self._scan(change.folder, path, now, {})

    def _rescan(self, reason: str) -> None:
        """Every file in every folder that the history does not know as it is now is a candidate."""
        assert self.ledger is not None
        self._rescan_reason = ""
        self._count("rescans")
        known = self.ledger.history.known()
        now = self.clock()
        found = sum(self._scan(i, f.path, now, known) for i, f in enumerate(self.folders))
        log.info("rescan (%s): %d file(s) new or changed", reason, found)

    def _scan(self, index: int, root: Path, now: float, known: dict) -> int:
        folder = self.folders[index]
        found = scan_folder(root, folder, self.keep[index], known)
        for path, st in found:
            self.settler.found(path, index, folder.settle, now, st)
        return len(found)

    def _observe(self, index: int) -> BaseObserver:
        return observe.start_observer(index, self.folders[index], lambda c: self._sink(c))

    def _check_observers(self, observers: list[BaseObserver]) -> None:
        for index, observer in enumerate(observers):
            if observe.healthy(observer):
                continue
            log.error("observer of %s stopped; starting a new one", self.folders[index].path)
            self._count("observer_restarts")
            observer.stop()
            try:
                observers[index] = self._observe(index)
            except OSError as exc:
                log.error("cannot watch %s: %s", self.folders[index].path, exc)
                continue
            self.on_overflow("observer error")
