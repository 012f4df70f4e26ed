"""python -m watcher [--home DIR] [--folder PATH ...] [folder options]

Without --folder, the folders come from docmill.toml's [[watcher.folders]], else the inbox.
The folder options given here apply to every --folder.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from docmill import lifeline
from docmill.home import Home, resolve_home
from docmill.instance import AlreadyRunning, Instance
from docmill.logs import setup_logging
from watcher.settings import AFTER_CHOICES, FolderSettings, SettingsError, load_settings
from watcher.watcher import Watcher

log = logging.getLogger("watcher")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m watcher", description="Watch folders for files.")
    p.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    p.add_argument("--folder", action="append", default=[], help="folder to watch (repeatable)")
    p.add_argument("--recursive", action="store_true", help="watch sub-folders too")
    p.add_argument("--include", action="append", default=[], help="glob of names to take")
    p.add_argument("--exclude", action="append", default=[], help="glob of names to skip")
    p.add_argument("--queue", help="queue the jobs go to (default: the broker's)")
    p.add_argument("--task", default="process_document", help="task run on each file")
    p.add_argument("--settle", type=float, default=1.0, help="seconds a file must be quiet")
    p.add_argument("--polling", action="store_true", help="poll instead of native events")
    p.add_argument("--batch-window", type=float, default=0.0, help="gather files this long (s)")
    p.add_argument("--batch-size", type=int, default=0, help="at most this many per batch")
    p.add_argument("--after", choices=AFTER_CHOICES, default="leave")
    p.add_argument("--log-level", default="INFO")
    lifeline.add_option(p)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home)).ensure()
    try:
        settings = load_settings(home.root)
        if args.folder:
            folders = tuple(
                FolderSettings(
                    Path(folder),
                    recursive=args.recursive,
                    include=tuple(args.include) or ("*",),
                    exclude=tuple(args.exclude),
                    queue=args.queue,
                    task=args.task,
                    settle=args.settle,
                    polling=args.polling,
                    batch_window=args.batch_window,
                    batch_size=args.batch_size,
                    after=args.after,
                )
                for folder in args.folder
            )
            settings = type(settings)(**{**settings.__dict__, "folders": folders})
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
