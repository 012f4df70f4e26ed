"""What the `docmill` command takes in, checked before anything is sent: numbers within what the
broker takes (argparse types, so a bad one is a usage error, exit 2), and the paths given to
`docmill submit`: what the paths given expand to, and which of them this host can read.

A PATH of `docmill submit` may be a file, a folder (every file under it, recursively, kept by
`--include` and `--exclude` globs on the file name or its path under the folder), a glob pattern
(`**` included, for shells that do not expand it), or `-`: one path per line on stdin.

A path this host cannot read (a symbolic link loop, a link to nothing, no permission) is refused
here, with the reason, and the other paths still go: a worker would fail it anyway, and pathlib
raises RuntimeError for a loop, which once ended the whole command in a traceback. A path that
does not exist at all still goes as a job, for the worker to answer `not_found` as for any job.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from docmill.protocol import JOB_NUMBERS, BadRequest

_GLOB = set("*?[")


def seconds(text: str) -> float:
    """--timeout's type: a positive, finite number of seconds, refused before anything is sent."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"a positive, finite number of seconds, not {text!r} "
            "(without --timeout, --wait waits until the jobs end)"
        )
    return value


def job_number(key: str) -> Callable[[str], float]:
    """The type of the option for job field `key`: a number within what the broker takes."""
    bound = JOB_NUMBERS[key]

    def parse(text: str) -> float:
        try:
            value = int(text) if bound.integer else float(text)
        except ValueError:
            what = "an integer" if bound.integer else "a number"
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        try:
            bound.check(key, value)
        except BadRequest as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    return parse


def expand(
    given: list[str],
    include: list[str] | None,
    exclude: list[str] | None,
    stdin: IO[str] | None = None,
) -> list[str]:
    """The paths `given` stands for, in order, each once: folders walked, globs expanded,
    `-` read from `stdin`. A path that is none of these stays as given (missing: the worker
    says not_found)."""
    found: list[str] = []
    for item in given:
        if item == "-":
            lines = (stdin or sys.stdin).read().splitlines()
            found.extend(line.strip() for line in lines if line.strip())
        elif os.path.isdir(item):
            found.extend(_walk(Path(item), include or ["*"], exclude or []))
        elif _GLOB & set(item) and not os.path.lexists(item):
            found.extend(sorted(glob.glob(os.path.expanduser(item), recursive=True)))
        else:
            found.append(item)
    return list(dict.fromkeys(found))


def _walk(folder: Path, include: list[str], exclude: list[str]) -> list[str]:
    kept = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()

            def matches(patterns: list[str], name: str = name, relative: str = relative) -> bool:
                return any(
                    fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p) for p in patterns
                )

            if matches(include) and not matches(exclude):
                kept.append(str(path))
    return kept


def readable(given: list[str]) -> list[str]:
    """The paths of `given` this host can read, resolved; each other one is reported (stderr)."""
    paths = []
    for raw in given:
        try:
            paths.append(str(checked(raw)))
        except Unreadable as exc:
            print(f"docmill: skipped {exc}", file=sys.stderr)
    return paths


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
