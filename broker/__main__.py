"""python -m broker [--home DIR] [--bind ENDPOINT] [--events ENDPOINT] [--insecure]"""

from __future__ import annotations

import argparse
import logging
import sys

from broker.broker import Broker, EndpointInUse
from docmill import lifeline, logs
from docmill.home import Home, resolve_home
from docmill.instance import AlreadyRunning, Instance
from docmill.logs import setup_logging
from docmill.security import SecurityError
from docmill.settings import SettingsError, add_bind_options, load_broker_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m broker", description="Run the docmill broker.")
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    add_bind_options(parser)
    logs.add_options(parser)
    lifeline.add_option(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home)).ensure()
    try:
        # One broker per home for its whole life: two would serve one job store.
        instance = Instance(home, "broker").acquire(supervised=args.lifeline)
    except AlreadyRunning as exc:
        print(f"broker: {exc}", file=sys.stderr)
        return 2
    try:
        settings = load_broker_settings(
            home, bind=args.bind, events_bind=args.events, insecure=args.insecure or None
        )
        setup_logging(target=logs.target_of(args, settings.logs))
        broker = Broker(settings)
    except (SettingsError, SecurityError, EndpointInUse) as exc:
        parser.error(str(exc))
    broker.install_signal_handlers()
    if args.lifeline:
        lifeline.watch(broker.request_stop)
    try:
        broker.run()
    except Exception:
        logging.getLogger("broker").critical("broker crashed", exc_info=True)
        raise
    finally:
        instance.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
