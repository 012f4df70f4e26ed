"""python -m watcher: see watcher/cli.py."""

from watcher.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
