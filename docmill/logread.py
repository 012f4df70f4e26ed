"""`docmill logs [--follow] [--process NAME] [--since SPAN]`: the logs of a home, merged.

Each docmill process writes home/logs/NAME.log (docmill/logs.py), rotated to NAME.log.1 ...;
this reads them all, oldest rotation first, in text or JSON lines, keeps the records of the
processes asked for (NAME and what starts with it: `worker` is the pool and every worker),
since a time, merges them by time and prints each with its process's name. `--follow` then
prints what is added, following a file across its rotation, until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

_TEXT_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ")
_SPAN = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
FOLLOW_INTERVAL = 0.5  # seconds between looks at the files while following


@dataclass(frozen=True)
class Record:
    when: datetime
    process: str
    text: str  # the record's lines: a traceback stays with the line that logged it


def since(text: str, now: datetime | None = None) -> datetime:
    """'90s', '15m', '24h', '7d' ago, or an ISO 8601 time (local when it names no zone)."""
    now = now or datetime.now(UTC)
    if match := _SPAN.match(text.strip()):
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since takes a span like 15m or 2h, or a time, not {text!r}") from None
    return when.astimezone(UTC)


def files(folder: Path, process: str | None) -> dict[str, list[Path]]:
    """Each process's log files, oldest rotation first."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in folder.glob("*.log*"):
        name, _, rotation = path.name.partition(".log")
        number = rotation.lstrip(".")
        if number and not number.isdigit():
            continue
        if process is None or name.startswith(process):
            found.setdefault(name, []).append((int(number or 0), path))
    return {
        name: [path for _, path in sorted(paths, reverse=True)]  # NAME.log.5 ... NAME.log
        for name, paths in sorted(found.items())
    }


def records(name: str, lines: Iterator[str]) -> Iterator[Record]:
    """The records of one file's lines; lines without a time of their own join the last."""
    current: Record | None = None
    for line in lines:
        when = _time_of(line)
        if when is None:
            if current is not None:
                current = Record(current.when, name, current.text + line)
            continue
        if current is not None:
            yield current
        current = Record(when, name, line)
    if current is not None:
        yield current


def _time_of(line: str) -> datetime | None:
    if line.startswith("{"):
        try:
            return datetime.fromisoformat(json.loads(line)["ts"]).astimezone(UTC)
        except (ValueError, KeyError, TypeError):
            return None
    if match := _TEXT_TIME.match(line):
        local = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
        return local.replace(microsecond=int(match.group(2)) * 1000).astimezone(UTC)
    return None


Position = tuple[int, int]  # a file's identity (inode) and how far it was read


def show(
    folder: Path, process: str | None, after: datetime | None, out: TextIO
) -> dict[Path, Position]:
    """Print the matching records, merged by time; returns how far each file was read."""
    found: list[Record] = []
    read: dict[Path, Position] = {}
    for name, paths in files(folder, process).items():
        for path in paths:
            with path.open(encoding="utf-8", errors="replace") as fh:
                found.extend(r for r in records(name, fh) if after is None or r.when >= after)
                read[path] = (path.stat().st_ino, fh.tell())
    width = max((len(r.process) for r in found), default=0)
    for record in sorted(found, key=lambda r: r.when):
        out.write(f"{record.process:<{width}} | {record.text}")
        if not record.text.endswith("\n"):
            out.write("\n")
    out.flush()
    return read


def follow(folder: Path, process: str | None, read: dict[Path, Position], out: TextIO) -> None:
    """Print what the current files gain, until interrupted; a rotated file starts afresh."""
    while True:
        for name, paths in files(folder, process).items():
            path = paths[-1]  # the live file, NAME.log
            try:
                stat = path.stat()
            except FileNotFoundError:  # between the rename of a rotation and the new file
                continue
            inode, start = read.get(path, (stat.st_ino, 0))
            if inode != stat.st_ino or stat.st_size < start:  # rotated: the new file afresh
                start = 0
            if stat.st_size > start:
                with path.open(encoding="utf-8", errors="replace") as fh:
                    fh.seek(start)
                    for line in fh:
                        out.write(f"{name} | {line}")
                    start = fh.tell()
                out.flush()
            read[path] = (stat.st_ino, start)
        time.sleep(FOLLOW_INTERVAL)  # files give no event to wait on, portably


def main(folder: Path, process: str | None, since_text: str | None, follow_on: bool) -> int:
    try:
        after = since(since_text) if since_text else None
    except ValueError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return 2
    if not folder.is_dir():
        print(f"docmill: no logs in {folder}", file=sys.stderr)
        return 2
    read = show(folder, process, after, sys.stdout)
    if follow_on:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends following, not an error
            follow(folder, process, read, sys.stdout)
    return 0
