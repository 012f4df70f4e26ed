"""python -m dashboard [--home DIR] [--bind HOST:PORT] [--lifeline]: the web dashboard."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys

import uvicorn

from dashboard import token as tokens
from dashboard.app import build
from dashboard.feed import Feed
from dashboard.settings import DashboardSettings, SettingsError, load_settings
from docmill import lifeline, logs
from docmill.home import Home, resolve_home
from docmill.logs import setup_logging
from docmill.settings import SettingsError as DocmillSettingsError
from docmill.settings import load_settings as load_docmill_settings

log = logging.getLogger("dashboard")
ADDRESS_FILE = "dashboard.json"  # in home/run: the address taken, for run_all and the tests


def listen(settings: DashboardSettings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


async def serve(settings: DashboardSettings, sock: socket.socket, use_lifeline: bool) -> None:
    home = settings.home
    feed = Feed(home)
    app = build(feed, settings, tokens.ensure(home))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    if use_lifeline:
        lifeline.watch(lambda: setattr(server, "should_exit", True))
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    address = home.run / ADDRESS_FILE
    address.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    log.info("dashboard on %s (actions: the token in %s)", url, tokens.path_of(home))
    print(f"dashboard on {url}", flush=True)
    following = asyncio.create_task(feed.run())
    try:
        await server.serve(sockets=[sock])
    finally:
        following.cancel()
        with_address = json.loads(address.read_text()) if address.exists() else {}
        if with_address.get("pid") == os.getpid():
            address.unlink(missing_ok=True)
        feed.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    parser.add_argument("--bind", help="HOST:PORT (default 127.0.0.1:8765; port 0: any free)")
    lifeline.add_option(parser)
    logs.add_options(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home)).ensure()
    with contextlib.suppress(DocmillSettingsError):  # load_settings below says what is wrong
        setup_logging(target=logs.target_of(args, load_docmill_settings(home).logs))
    try:
        settings = load_settings(home, args.bind)
    except SettingsError as exc:
        print(f"dashboard: {exc}", file=sys.stderr)
        return 2
    try:
        sock = listen(settings)
    except OSError as exc:
        print(
            f"dashboard: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr
        )
        return 2
    # uvicorn takes SIGINT and SIGTERM for a graceful stop, then raises them again once it has
    # stopped; these handlers make that second raise harmless, so the clean-up above runs.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    asyncio.run(serve(settings, sock, args.lifeline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
