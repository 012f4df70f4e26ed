"""One logging set-up for every docmill process.

Alone, a process logs a line per record on stderr. Under run_all.py (or given `--log-file`),
it writes its own file in home/logs and rotates it by size while it runs (`[logs]` in
docmill.toml: 10 MB x 5 by default), optionally as one JSON object per line. Each process has
a file of its own (the pool's workers and their job processes too: worker-N.log and
worker-N.job.log), so no two processes ever rotate the same file. run_all sends what a child
prints outside logging (a crash's traceback, a C library's notes) to NAME.out beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(process)d] %(name)s: %(message)s"


@dataclass(frozen=True)
class LogSettings:
    """`[logs]` in docmill.toml: how each process's log file rotates, and its format."""

    max_bytes: int = 10 * 1024 * 1024  # a file is rotated when it would grow past this
    backups: int = 5  # rotated files kept: NAME.log.1 (newest) to NAME.log.5
    format: str = "text"  # or "json": one object per line (ts, level, pid, logger, message)


@dataclass(frozen=True)
class LogTarget:
    """Where one process logs: its level, its file (None: stderr) and how that file rotates."""

    level: str = "INFO"
    file: str | None = None
    rotation: LogSettings = LogSettings()

    def beside(self, name: str) -> LogTarget:
        """The target of a helper process: a file of its own named `name` in the same folder."""
        return replace(self, file=str(Path(self.file).with_name(name)) if self.file else None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "INFO", target: LogTarget | None = None) -> None:
    """Log at `level` to stderr, or as `target` says."""
    target = target or LogTarget(level)
    handler: logging.Handler
    if target.file:
        Path(target.file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            target.file,
            maxBytes=target.rotation.max_bytes,
            backupCount=target.rotation.backups,
            encoding="utf-8",
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
    formatter = (
        JsonFormatter() if target.rotation.format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler.setFormatter(formatter)
    logging.basicConfig(
        level=getattr(logging, (target.level or level).upper(), logging.INFO),
        handlers=[handler],
        force=True,
    )


def add_options(parser: argparse.ArgumentParser) -> None:
    """--log-level and --log-file, which every docmill process takes."""
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument(
        "--log-file", help="write the log to this file, rotated by size ([logs] in docmill.toml)"
    )


def target_of(args: argparse.Namespace, rotation: LogSettings | None = None) -> LogTarget:
    return LogTarget(args.log_level, args.log_file, rotation or LogSettings())
