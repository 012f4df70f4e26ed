"""The per-home action token: created on first start in home/run, readable by its owner alone.

The page runs quick actions (retry, cancel, pause, scale, purge) only with it; without it the
dashboard is read-only. Whoever can read home/run can already reach the broker's ipc sockets,
so the token gives nobody more than they have.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from docmill.home import Home

NAME = "dashboard.token"


def path_of(home: Home) -> Path:
    return home.run / NAME


def ensure(home: Home) -> str:
    """The home's token, created (mode 0600, never wider) if there is none."""
    path = path_of(home)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text().strip()
        if len(token) >= 32:
            return token
        path.unlink()  # empty or cut short (a crash while writing it): make a new one
        return ensure(home)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    return token


def same(given: str | None, token: str) -> bool:
    """Compared in constant time, so the answer's timing tells nothing of the token."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())
