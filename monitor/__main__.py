"""python -m monitor [--home DIR] [--once] [--json]: the live view, or one snapshot."""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys

from docmill.client import Client
from docmill.home import Home, resolve_home
from monitor import live
from monitor.feed import Feed
from monitor.view import render


def show(client: Client, events_endpoint: str, once: bool, as_json: bool) -> int:
    feed = Feed(client, events_endpoint)
    try:
        if once or as_json or not sys.stdout.isatty():
            if feed.model.refused:
                print(f"monitor: {feed.model.refused}", file=sys.stderr)
                return 2
            view = feed.model.view()
            if as_json:
                print(json.dumps(view, indent=2, default=str))
            else:
                size = shutil.get_terminal_size((100, 40))
                print("\n".join(render(view, size.columns, size.lines)))
            return 0
        # Ctrl-C quits the view like q (the terminal is restored on the way out).
        with contextlib.suppress(KeyboardInterrupt):
            live.run(feed)
        return 0
    finally:
        feed.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor", description=__doc__)
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    parser.add_argument("--once", action="store_true", help="print one snapshot and exit")
    parser.add_argument("--json", action="store_true", help="the snapshot as JSON")
    args = parser.parse_args(argv)
    home = Home(resolve_home(args.home))
    if not home.read_endpoints():
        print(f"monitor: no broker is running in {home.root}", file=sys.stderr)
        return 3
    with Client(home=str(home.root), timeout=5) as client:
        try:
            return show(client, home.events_endpoint(), args.once, args.json)
        except TimeoutError as exc:
            print(f"monitor: {exc}", file=sys.stderr)
            return 3


if __name__ == "__main__":
    raise SystemExit(main())
