"""The dashboard's settings: `[dashboard]` in home/docmill.toml, then the command line.

[dashboard]
bind = "127.0.0.1:8765"     # where the page is served (loopback by default)
access_token = "..."        # needed by every request; required to bind beyond loopback
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from docmill.home import Home
from docmill.settings import SettingsError as DocmillSettingsError
from docmill.settings import load_settings as load_docmill_settings

DEFAULT_BIND = "127.0.0.1:8765"


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class DashboardSettings:
    home: Home
    host: str = "127.0.0.1"
    port: int = 8765  # 0: any free port (the one taken is written to home/run/dashboard.json)
    access_token: str | None = None  # asked of every request when set

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or "0.0.0.0": reachable beyond this machine


def parse_bind(text: str) -> tuple[str, int]:
    """`HOST:PORT` (an IPv6 host in brackets) as (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SettingsError(f"bind to HOST:PORT, e.g. {DEFAULT_BIND}, not {text!r}")
    return host.strip("[]"), int(port)


def load_settings(home: Home, bind: str | None = None) -> DashboardSettings:
    """[dashboard] of docmill.toml (read by docmill's one loader), `bind` from the command line
    winning; refuses to bind beyond loopback without an access token, the rule the broker
    applies to CURVE."""
    try:
        section = load_docmill_settings(home).dashboard
    except DocmillSettingsError as exc:
        raise SettingsError(str(exc)) from exc
    token = section.access_token
    if token is not None and len(token) < 16:
        raise SettingsError("[dashboard] access_token must be a string of 16 characters or more")
    host, port = parse_bind(bind or section.bind)
    settings = DashboardSettings(home=home, host=host, port=port, access_token=token)
    if not settings.loopback and token is None:
        raise SettingsError(
            f"refusing to serve the dashboard on {host}, beyond loopback, without an access "
            "token: set [dashboard] access_token in docmill.toml, or bind to 127.0.0.1"
        )
    return settings
