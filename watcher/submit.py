"""Sending files to the broker: units of submission, batching windows, and backoff.

A `Unit` is one job to create: one file, or one process_batch of several. Its idempotency key is
the content hash (for a batch, the hash of its members' keys), so sending a unit again after a
lost answer, or after a crash, gives back the same job rather than a second one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import zmq

from docmill.client import BrokerError, Client
from docmill.protocol import Command
from docmill.watch_settings import FolderSettings

log = logging.getLogger("watcher.submit")

BATCH_TASK = "process_batch"
DEFAULT_BATCH_WINDOW = 2.0  # a batch_size without a window still flushes stragglers


def content_key(task: str, digest: str) -> str:
    return f"{task}:{digest}"


@dataclass
class Unit:
    key: str
    folder: int
    paths: list[str]  # what the job is about (one path, or a batch's paths)
    rows: list[str] = field(default_factory=list)  # history rows answered by this job
    batch: bool = False

    def spec(self, folder: FolderSettings) -> dict[str, Any]:
        if self.batch:
            args: dict[str, Any] = {"paths": self.paths, "task": folder.task}
            if extra := folder.job_args():
                args["args"] = extra
            spec: dict[str, Any] = {"task": BATCH_TASK, "args": args, "key": self.key}
        else:
            spec = {
                "task": folder.task,
                "args": {**folder.job_args(), "path": self.paths[0]},
                "key": self.key,
            }
        if folder.queue:
            spec["queue"] = folder.queue
        return spec


@dataclass
class BatchBuffer:
    """Files of one batched folder waiting for their window to close."""

    opened: float
    units: dict[str, Unit] = field(default_factory=dict)  # by content key

    def close(self, folder: int) -> Unit:
        keys = sorted(self.units)
        digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()
        members = [self.units[k] for k in keys]
        return Unit(
            key=f"batch:{digest}",
            folder=folder,
            paths=[u.paths[0] for u in members],
            rows=[row for u in members for row in u.rows],
            batch=True,
        )


class Submitter:
    """Units waiting to be sent, sent in chunks; on failure everything waits with backoff."""

    def __init__(
        self,
        folders: tuple[FolderSettings, ...],
        *,
        retry_base: float,
        retry_max: float,
        chunk: int,
    ) -> None:
        self.folders = folders
        self.retry_base, self.retry_max, self.chunk = retry_base, retry_max, chunk
        self.units: dict[str, Unit] = {}  # ready to send, by key, in arrival order
        self.buffers: dict[int, BatchBuffer] = {}
        self.delay = 0.0
        self.retry_at = 0.0
        self.failures = 0
        self.last_error: Exception | None = None

    def __len__(self) -> int:
        return len(self.units) + sum(len(b.units) for b in self.buffers.values())

    def pending_unit(self, key: str) -> Unit | None:
        """The unsent unit a file with this content key can join, if any."""
        if key in self.units:
            return self.units[key]
        for buffer in self.buffers.values():
            if key in buffer.units:
                return buffer.units[key]
        return None

    def add(self, unit: Unit, now: float) -> None:
        folder = self.folders[unit.folder]
        if not folder.batched or unit.batch:
            self.units.setdefault(unit.key, unit)
            return
        buffer = self.buffers.setdefault(unit.folder, BatchBuffer(opened=now))
        buffer.units.setdefault(unit.key, unit)

    def close_batches(self, now: float, force: bool = False) -> list[Unit]:
        """Batches whose window has passed or that are full, moved to the send list."""
        closed: list[Unit] = []
        for index, buffer in list(self.buffers.items()):
            folder = self.folders[index]
            window = folder.batch_window or DEFAULT_BATCH_WINDOW
            full = folder.batch_size and len(buffer.units) >= folder.batch_size
            if force or full or now >= buffer.opened + window:
                del self.buffers[index]
                unit = buffer.close(index)
                self.units[unit.key] = unit
                closed.append(unit)
        return closed

    def next_due(self) -> float | None:
        times = [
            b.opened + (self.folders[i].batch_window or DEFAULT_BATCH_WINDOW)
            for i, b in self.buffers.items()
        ]
        if self.units:
            times.append(self.retry_at)
        return min(times, default=None)

    def send(self, client: Client, now: float, timeout: float) -> list[tuple[Unit, str]]:
        """Send what is due; the acknowledged units with their job ids.

        Raises nothing: a broker that does not answer (or refuses) delays the rest with
        exponential backoff, and `last_error` says why (the caller then drops its client).
        """
        self.last_error = None
        if not self.units or now < self.retry_at:
            return []
        acked: list[tuple[Unit, str]] = []
        while self.units:
            units = list(self.units.values())[: self.chunk]
            specs = [u.spec(self.folders[u.folder]) for u in units]
            try:
                reply = client.call(Command.SUBMIT, {"jobs": specs}, timeout=timeout)
            except (TimeoutError, BrokerError, zmq.ZMQError) as exc:
                self.failures += 1
                self.delay = min(self.retry_max, max(self.retry_base, self.delay * 2))
                self.retry_at = now + self.delay
                log.warning(
                    "submit of %d unit(s) failed (%s); again in %.1fs", len(units), exc, self.delay
                )
                self.last_error = exc
                break
            self.delay, self.retry_at = 0.0, 0.0
            for unit, job_id in zip(units, reply["ids"], strict=True):
                del self.units[unit.key]
                acked.append((unit, str(job_id)))
        return acked
