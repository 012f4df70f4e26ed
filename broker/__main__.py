"""python -m broker [--home DIR] [--bind ENDPOINT] [--events ENDPOINT] [--insecure]"""

from __future__ import annotations

import argparse
import logging

from broker.broker import Broker
from docmill.home import Home, resolve_home
from docmill.logs import setup_logging
from docmill.security import SecurityError
from docmill.settings import SettingsError, add_bind_options, load_broker_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m broker", description="Run the docmill broker.")
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    add_bind_options(parser)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home)).ensure()
    try:
        settings = load_broker_settings(
            home, bind=args.bind, events_bind=args.events, insecure=args.insecure or None
        )
        broker = Broker(settings)
    except (SettingsError, SecurityError) as exc:
        parser.error(str(exc))
    broker.install_signal_handlers()
    try:
        broker.run()
    except Exception:
        logging.getLogger("broker").critical("broker crashed", exc_info=True)
        raise
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
