"""Which docmill systems run now, for commands started from any folder.

A broker records its home in a per-user folder (platformdirs' user state folder, e.g.
`~/.local/state/docmill/running` on Linux) when it has published its endpoints, and removes the
record when it stops. `find_home` then takes, in order: `--home`, `$DOCMILL_HOME`, a
`./docmill-home` in the current folder, the one home running for this user (several: the
caller must choose), and last `./docmill-home` as before. A record whose broker was killed is
recognised (its pid is gone, or the home's endpoints name another one) and removed as it is read.

This module works on paths only: docmill/home.py imports it, not the other way round.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import psutil

HOME_ENV = "DOCMILL_HOME"
DEFAULT_HOME = "docmill-home"
RUNNING_ENV = "DOCMILL_RUNNING_DIR"  # where the records live; tests keep theirs apart


class SeveralRunning(Exception):
    """More than one home runs for this user and none was named; str() lists them."""

    def __init__(self, homes: list[dict[str, Any]]) -> None:
        self.homes = homes
        listed = "; ".join(f"{h['home']} (broker pid {h['pid']})" for h in homes)
        super().__init__(
            f"{len(homes)} docmill systems are running: {listed}. "
            "Say which with --home DIR (or $DOCMILL_HOME)"
        )


def records_dir() -> Path:
    """The per-user folder of records: $DOCMILL_RUNNING_DIR, else the user state folder."""
    given = os.environ.get(RUNNING_ENV)
    if given:
        return Path(given)
    import platformdirs

    return platformdirs.user_state_path("docmill", appauthor=False) / "running"


def _record_path(root: Path) -> Path:
    return records_dir() / f"{hashlib.sha256(str(root).encode()).hexdigest()[:16]}.json"


def record(root: Path, endpoints: dict[str, Any]) -> None:
    """Note that the broker of `endpoints` (with its pid) serves the home at `root`. A folder
    that cannot be written costs only the lookup from other folders, never the broker."""
    path = _record_path(root)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"home": str(root), **endpoints}))
        os.replace(tmp, path)


def forget(root: Path) -> None:
    with contextlib.suppress(OSError):
        _record_path(root).unlink(missing_ok=True)


def running_homes() -> list[dict[str, Any]]:
    """The records of brokers alive now, oldest record first; stale ones are removed."""
    alive = []
    try:
        paths = sorted(records_dir().glob("*.json"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return []
    for path in paths:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # being written, or not ours to judge
        if isinstance(data, dict) and _alive(data):
            alive.append(data)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return alive


def _alive(data: dict[str, Any]) -> bool:
    pid, home = data.get("pid"), data.get("home")
    if not isinstance(pid, int) or not isinstance(home, str) or not psutil.pid_exists(pid):
        return False
    try:  # the pid may have been reused: the home's own endpoints must still name it
        published = json.loads((Path(home) / "run" / "endpoints.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(published, dict) and published.get("pid") == pid


def find_home(arg: str | os.PathLike[str] | None = None) -> Path:
    """The home a command run from any folder means (see the module's docstring); raises
    SeveralRunning when it cannot tell. Always absolute."""
    given = arg or os.environ.get(HOME_ENV)
    if given:
        return Path(given).expanduser().resolve()
    local = Path(DEFAULT_HOME).resolve()
    if local.is_dir():
        return local
    homes = running_homes()
    if len(homes) == 1:
        return Path(homes[0]["home"])
    if len(homes) > 1:
        raise SeveralRunning(homes)
    return local
