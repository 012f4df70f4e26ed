"""watchdog at the edge: file events become plain `Change` records in one bounded queue.

Nothing here decides anything; the watcher's loop does, in its own thread. When the queue is full,
or watchdog reports that the kernel dropped events, the loop is told to rescan instead.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass

from watchdog.events import (
    DirCreatedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from docmill.watch_settings import FolderSettings

log = logging.getLogger("watcher.observe")

# Kinds of change, as the loop sees them.
CREATED, MODIFIED, CLOSED, MOVED = "created", "modified", "closed", "moved"
DELETED, DIR = "deleted", "dir"
STOP, RESCAN = "stop", "rescan"  # wake-ups the watcher puts in the queue itself


@dataclass(frozen=True)
class Change:
    kind: str
    path: str = ""
    dest: str = ""  # for MOVED: the new name
    folder: int = -1  # index of the folder in the settings
    reason: str = ""  # for RESCAN


def _text(path: bytes | str) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path


class _Handler(FileSystemEventHandler):
    """Turns watchdog events into Changes; never blocks the observer thread."""

    def __init__(self, folder: int, sink: Callable[[Change], None]) -> None:
        self.folder, self.sink = folder, sink

    def dispatch(self, event: FileSystemEvent) -> None:
        src = _text(event.src_path)
        if isinstance(event, FileClosedEvent):
            change = Change(CLOSED, src, folder=self.folder)
        elif isinstance(event, FileMovedEvent):
            change = Change(MOVED, src, _text(event.dest_path), self.folder)
        elif isinstance(event, FileCreatedEvent):
            change = Change(CREATED, src, folder=self.folder)
        elif isinstance(event, FileModifiedEvent):
            change = Change(MODIFIED, src, folder=self.folder)
        elif isinstance(event, FileDeletedEvent):
            change = Change(DELETED, src, folder=self.folder)
        elif isinstance(event, DirMovedEvent):
            change = Change(DIR, _text(event.dest_path), folder=self.folder)
        elif isinstance(event, DirCreatedEvent):
            change = Change(DIR, src, folder=self.folder)
        else:
            return  # opened, closed-without-write, attributes, directory modified
        self.sink(change)


class ChangeQueue:
    """The bounded queue between observer threads and the loop; a full queue is an overflow."""

    def __init__(self, limit: int, on_overflow: Callable[[str], None]) -> None:
        self.queue: queue.Queue[Change] = queue.Queue(maxsize=limit)
        self.on_overflow = on_overflow

    def put(self, change: Change) -> None:
        try:
            self.queue.put_nowait(change)
        except queue.Full:
            self.on_overflow("event queue full")

    def wake(self, change: Change) -> None:
        """A control message; it must arrive even when the queue is full."""
        self.queue.put(change)

    def take(self, timeout: float | None, most: int = 10_000) -> list[Change]:
        """Block up to `timeout` for the first change, then take what is already there."""
        try:
            changes = [self.queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(changes) < most:
            try:
                changes.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return changes


def start_observer(
    index: int, folder: FolderSettings, sink: Callable[[Change], None]
) -> BaseObserver:
    """A started observer for one folder: the native one, or polling when the folder asks."""
    observer: BaseObserver = (
        PollingObserver(timeout=folder.poll_interval) if folder.polling else Observer()
    )
    folder.path.mkdir(parents=True, exist_ok=True)
    observer.schedule(_Handler(index, sink), str(folder.path), recursive=folder.recursive)
    observer.daemon = True
    observer.start()
    return observer


def healthy(observer: BaseObserver) -> bool:
    """False once the observer or one of its emitters has died (an error in watchdog's thread)."""
    return observer.is_alive() and all(e.is_alive() for e in observer.emitters)


class OverflowHook(logging.Handler):
    """watchdog only logs an inotify queue overflow (IN_Q_OVERFLOW); turn that log into a call."""

    LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")

    def __init__(self, on_overflow: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.on_overflow("inotify queue overflow")

    def install(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)

    def remove(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)
