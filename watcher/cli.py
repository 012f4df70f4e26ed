"""python -m watcher [--home DIR] [--folder PATH ...] [folder options]

Without --folder, the folders come from docmill.toml's [[watcher.folders]], else the inbox.
The folder options given here apply to every --folder; one left out takes the default of
FolderSettings (docmill/watch_settings.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from docmill import lifeline, logs
from docmill.home import Home, resolve_home
from docmill.instance import AlreadyRunning, Instance
from docmill.logs import setup_logging
from docmill.settings import SettingsError, load_settings, override
from docmill.watch_settings import AFTER_CHOICES, FolderSettings
from watcher.watcher import Watcher

log = logging.getLogger("watcher")

# The options that apply to every --folder, named as FolderSettings' fields.
FOLDER_OPTIONS = (
    *("recursive", "include", "exclude", "queue", "task", "settle"),
    *("polling", "batch_window", "batch_size", "after"),
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m watcher", description="Watch folders for files.")
    p.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    p.add_argument("--folder", action="append", default=[], help="folder to watch (repeatable)")
    # Unset (None) unless given: a folder option left out takes FolderSettings' default.
    p.add_argument("--recursive", action="store_const", const=True, help="watch sub-folders too")
    p.add_argument("--include", action="append", help="glob of names to take (default: all)")
    p.add_argument("--exclude", action="append", help="glob of names to skip")
    p.add_argument("--queue", help="queue the jobs go to (default: the broker's)")
    p.add_argument("--task", help="task run on each file (default: process_document)")
    p.add_argument("--settle", type=float, help="seconds a file must be quiet (default: 1)")
    p.add_argument("--polling", action="store_const", const=True, help="poll, not native events")
    p.add_argument("--batch-window", type=float, help="gather files this long (s) into a batch")
    p.add_argument("--batch-size", type=int, help="at most this many files per batch")
    p.add_argument("--after", choices=AFTER_CHOICES, help="leave (default) or move done files")
    logs.add_options(p)
    lifeline.add_option(p)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home)).ensure()
    try:
        everything = load_settings(home)
        setup_logging(target=logs.target_of(args, everything.logs))
        settings = everything.watcher
        if args.folder:
            given = {name: getattr(args, name) for name in FOLDER_OPTIONS}
            folders = tuple(
                override(FolderSettings(Path(f), chunking=settings.chunking), **given)
                for f in args.folder
            )
            settings = dataclasses.replace(settings, folders=folders)
    except SettingsError as exc:
        parser.error(str(exc))

    try:
        # One watcher per home: two would submit every file twice.
        instance = Instance(home, "watcher").acquire(supervised=args.lifeline)
    except AlreadyRunning as exc:
        parser.exit(2, f"watcher: {exc}\n")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only record intent: the loop stops itself. A second signal means "now".
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if args.lifeline:
        lifeline.watch(stop.set)
    watcher = Watcher(settings)
    try:
        watcher.run(stop)
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.critical("watcher crashed", exc_info=True)
        raise
    finally:
        instance.release()
    log.info("watcher stopped: %s", watcher.counters())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
