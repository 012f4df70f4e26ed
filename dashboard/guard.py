"""Who may use the dashboard: the Host check, the access token, and the action token.

- **Host**: bound to loopback, a request must name a loopback host (`127.0.0.1`, `localhost`,
  `[::1]`), so a web page whose name an attacker points at 127.0.0.1 (DNS rebinding) reads
  nothing.
- **Access token** (`[dashboard] access_token`, required to bind beyond loopback): every
  request carries it, as `Authorization: Bearer TOKEN` or the cookie a visit to `/?access=TOKEN`
  sets.
- **Actions**: a POST runs only with the home's token in `X-Docmill-Token` and an `Origin` that
  is this dashboard's own. A page of another origin cannot send the header (it would need a CORS
  preflight the dashboard never grants), and its Origin is refused anyway.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard import token as tokens
from dashboard.settings import DashboardSettings, is_loopback

ACCESS_COOKIE = "docmill_access"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def host_name(host: str) -> str:
    """The name part of a Host header: `[::1]:8765` → `::1`, `localhost:80` → `localhost`."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def action_allowed(scope: Scope, action_token: str) -> str | None:
    """None when a POST may act; else why it may not."""
    host, origin = header(scope, b"host"), header(scope, b"origin")
    if not tokens.same(header(scope, b"x-docmill-token"), action_token):
        return "this action needs the dashboard's token (home/run/dashboard.token)"
    # https: the dashboard behind a TLS proxy that keeps the Host (beyond loopback).
    if origin is None or host is None or origin not in (f"http://{host}", f"https://{host}"):
        return f"refused from origin {origin!r}: actions come from the dashboard's own page"
    return None


class Guard:
    """ASGI middleware: Host and access checks on every request, security headers on every
    answer."""

    def __init__(self, app: ASGIApp, settings: DashboardSettings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = header(scope, b"host") or ""
        if self.settings.loopback and not is_loopback(host_name(host)):
            await _refuse(send, 421, f"this dashboard answers to loopback names, not {host!r}")
            return
        access = self.settings.access_token
        if access is not None and not self._has_access(scope, access):
            if tokens.same(_query(scope, "access"), access):
                await _grant(send, access)
            else:
                await _refuse(send, 401, "give the access token: Bearer, or /?access=TOKEN once")
            return

        async def secured(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, secured)

    @staticmethod
    def _has_access(scope: Scope, access: str) -> bool:
        bearer = header(scope, b"authorization") or ""
        if bearer.startswith("Bearer ") and tokens.same(bearer[7:], access):
            return True
        cookie = SimpleCookie(header(scope, b"cookie") or "")
        found = cookie.get(ACCESS_COOKIE)
        return found is not None and tokens.same(found.value, access)


def _query(scope: Scope, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else None


async def _refuse(send: Send, status: int, why: str) -> None:
    body = json.dumps({"ok": False, "error": why}).encode()
    headers = [(b"content-type", b"application/json"), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _grant(send: Send, access: str) -> None:
    cookie = f"{ACCESS_COOKIE}={access}; Path=/; HttpOnly; SameSite=Strict".encode()
    headers = [(b"location", b"/"), (b"set-cookie", cookie), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
