"""The paths given to `docmill submit`, checked on this host before any job is made of them.

A path this host cannot read (a symbolic link loop, a link to nothing, no permission) is refused
here, with the reason, and the other paths still go: a worker would fail it anyway, and pathlib
raises RuntimeError for a loop, which once ended the whole command in a traceback. A path that
does not exist at all still goes as a job, for the worker to answer `not_found` as for any job.
"""

from __future__ import annotations

import os
from pathlib import Path


class Unreadable(Exception):
    """A path given on the command line that this host cannot read; str() says why."""

    def __init__(self, given: str, why: str) -> None:
        super().__init__(f"{given}: {why}")
        self.given, self.why = given, why


def checked(given: str) -> Path:
    """The absolute, resolved form of `given`, or Unreadable saying why it cannot be read."""
    path = Path(given).expanduser()
    try:
        resolved = path.resolve()
    except RuntimeError:  # a loop, before Python 3.13; later ones fail at os.stat below
        raise Unreadable(given, "a loop of symbolic links") from None
    except OSError as exc:
        raise Unreadable(given, _why(exc)) from None
    try:
        os.stat(path)  # through every link: a loop fails here on any Python version
    except (FileNotFoundError, NotADirectoryError):
        if path.is_symlink():
            raise Unreadable(
                given, f"a symbolic link to {resolved}, which does not exist"
            ) from None
        return resolved  # missing: the worker answers not_found, as for any job
    except OSError as exc:
        raise Unreadable(given, _why(exc)) from None
    try:
        if resolved.is_file():
            with resolved.open("rb"):
                pass
    except OSError as exc:
        raise Unreadable(given, _why(exc)) from None
    return resolved


def _why(exc: OSError) -> str:
    if exc.errno is not None and exc.errno == getattr(os, "ELOOP", None):
        return "a loop of symbolic links"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)
