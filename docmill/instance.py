"""One system per home: each docmill role (run_all, broker, the supervised pool, watcher) holds a
lock in home/run for its whole life, so a second one on the same home refuses at once.

The lock is the operating system's (flock on POSIX, msvcrt.locking on Windows): it goes with the
process that holds it, however that process ends, so a killed broker never leaves a stale lock
behind. Beside the lock, `run/ROLE.json` names its holder (pid, start time), for the message a
refused process prints and for a restarted supervisor that finds a leftover to stop.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import IO, Any

import psutil

from docmill.home import Home


def _try_lock(file: IO[bytes]) -> bool:
    """Lock the file without waiting; False if another process holds it. Each platform's module
    is imported here, on that platform only."""
    try:
        if sys.platform == "win32":
            import msvcrt

            file.seek(0)
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class AlreadyRunning(Exception):
    """Another process holds this role's lock on the home."""

    def __init__(self, home: Home, role: str, holder: dict[str, Any]) -> None:
        self.holder = holder
        pid = holder.get("pid", "unknown")
        endpoint = home.read_endpoints().get("broker")
        where = f", broker at {endpoint}" if endpoint else ""
        super().__init__(
            f"a docmill {role} is already running on {home.root} (pid {pid}{where}); "
            "stop it first, or use another --home"
        )


class Instance:
    """The lock of one role on one home, held from `acquire()` until `release()` or the end of
    the process."""

    def __init__(self, home: Home, role: str) -> None:
        self.home, self.role = home, role
        self.lock_path = home.run / f"{role}.lock"
        self.info_path = home.run / f"{role}.json"
        self._file: IO[bytes] | None = None

    def acquire(self, supervised: bool = False) -> Instance:
        """Take the lock, or raise AlreadyRunning naming the process that has it.

        `supervised`: the process runs under run_all.py's lifeline, so once its supervisor is
        gone it is a leftover that stops by itself (and that a new run_all may stop)."""
        self.home.run.mkdir(parents=True, exist_ok=True)
        file = self.lock_path.open("a+b")
        if not _try_lock(file):
            file.close()
            raise AlreadyRunning(self.home, self.role, self.read_holder())
        self._file = file
        me = psutil.Process()
        info = {
            "pid": me.pid,
            "created": me.create_time(),
            "since": time.time(),
            "supervised": supervised,
        }
        tmp = self.info_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.info_path)
        return self

    def release(self) -> None:
        if self._file is not None:
            self.info_path.unlink(missing_ok=True)
            self._file.close()  # closing the file is what unlocks it
            self._file = None

    def held_elsewhere(self) -> dict[str, Any] | None:
        """The holder's record if another process holds the lock now, else None."""
        if self._file is not None:
            return None
        self.home.run.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a+b") as file:
            if _try_lock(file):
                return None  # free: closing the file lets it go again
        return self.read_holder()

    def read_holder(self) -> dict[str, Any]:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.info_path.read_text())
            if isinstance(data, dict):
                return data
        return {}

    def holder_process(self) -> psutil.Process | None:
        """The holding process, checked against its recorded start time (pids are reused)."""
        holder = self.held_elsewhere()
        if not holder or not isinstance(holder.get("pid"), int):
            return None
        try:
            process = psutil.Process(holder["pid"])
            if abs(process.create_time() - float(holder.get("created", 0))) > 1.0:
                return None
            return process
        except (psutil.Error, TypeError, ValueError):
            return None

    def __enter__(self) -> Instance:
        return self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()
