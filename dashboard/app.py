"""The dashboard's web application: pages, the live stream, the job browser's API, quick
actions, /metrics and the outbox's files."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from string import Template
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dashboard import guard
from dashboard.feed import Feed
from dashboard.metrics import CONTENT_TYPE, exposition
from dashboard.settings import DashboardSettings
from docmill.client import BrokerError, Client
from docmill.protocol import Command, JobStatus

STATIC = Path(__file__).with_name("static")
# Every page's head, header and body, once; a page is its title and its script (static/NAME.js).
PAGE = Path(__file__).with_name("page.html")
PAGES = {
    "overview": "Overview",
    "history": "History",
    "jobs": "Jobs",
    "job": "Job",
    "dead": "Dead letters",
}
RANGES = {"1h": 3600, "24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
MIN_GAP = 1.0  # seconds between two updates of one page, at least
_ID = re.compile(r"[0-9a-f]{32}")
_NAME = 256  # characters of a queue, task or text filter
_SHOWN = 2000  # characters of a result's text shown on a job's page


class Invalid(ValueError):
    """A request's input the dashboard refuses before asking the broker anything."""


def _job_id(text: object) -> str:
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise Invalid("a job id is 32 lowercase hex digits")
    return text


def _name(text: object, what: str) -> str:
    if not isinstance(text, str) or not 0 < len(text) <= _NAME:
        raise Invalid(f"'{what}' must be 1 to {_NAME} characters")
    return text


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, separators=(",", ":"), default=str, allow_nan=False)
    return Response(body, status, media_type="application/json")


def pages() -> dict[str, bytes]:
    """Each page's HTML: the one template with the page's name and title filled in."""
    template = Template(PAGE.read_text(encoding="utf-8"))
    return {
        name: template.substitute(page=name, title=title).encode() for name, title in PAGES.items()
    }


def build(feed: Feed, settings: DashboardSettings, action_token: str) -> Any:
    outbox = settings.home.outbox.resolve()
    html = pages()

    async def broker(action: Callable[[Client], Any]) -> Response:
        try:
            return _json({"ok": True, **await feed.call(action)})
        except Invalid as exc:
            return _json({"ok": False, "error": str(exc)}, 400)
        except BrokerError as exc:
            return _json({"ok": False, "error": exc.message, "type": exc.type}, 400)
        except TimeoutError as exc:
            return _json({"ok": False, "error": str(exc)}, 503)

    def page(name: str) -> Callable[[Request], Any]:
        async def serve(request: Request) -> Response:
            return HTMLResponse(html[name], headers={"cache-control": "no-cache"})

        return serve

    async def state(request: Request) -> Response:
        return _json({**feed.picture(), "depths": feed.depth_series()})

    async def stream(request: Request) -> Response:
        async def updates() -> AsyncIterator[str]:
            loop = asyncio.get_running_loop()
            version, last = 0, 0.0
            while True:
                version = await feed.changed_since(version)
                # At most one update a second: a burst of states is sent as the latest one.
                if (wait := last + MIN_GAP - loop.time()) > 0:
                    await asyncio.sleep(wait)
                last = loop.time()
                body = json.dumps(feed.picture(), separators=(",", ":"), default=str)
                yield f"event: state\ndata: {body}\n\n"

        headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
        return StreamingResponse(updates(), media_type="text/event-stream", headers=headers)

    async def jobs(request: Request) -> Response:
        q = request.query_params
        state_ = q.get("state") or None
        if state_ is not None and state_ not in {s.value for s in JobStatus}:
            return _json({"ok": False, "error": f"no job state {state_!r}"}, 400)
        filters = {k: q.get(k) or None for k in ("queue", "task", "text")}
        if any(v is not None and len(v) > _NAME for v in filters.values()):
            return _json({"ok": False, "error": f"filters are at most {_NAME} characters"}, 400)
        try:
            before = float(q["before"]) if q.get("before") else None
            after = float(q["after"]) if q.get("after") else None
            limit = min(max(int(q.get("limit") or 50), 1), 200)
            cursor = q.get("cursor") or None
        except ValueError:
            return _json({"ok": False, "error": "'before', 'after': times; 'limit': a number"}, 400)
        if any(t is not None and not 0 <= t < 1e10 for t in (before, after)):
            return _json({"ok": False, "error": "'before' and 'after' are Unix times"}, 400)

        def listing(client: Client) -> dict[str, Any]:
            found, following = client.jobs(
                state_, before=before, after=after, limit=limit, cursor=cursor, **filters
            )
            return {"jobs": found, "next": following}

        return await broker(listing)

    async def job(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        if not _ID.fullmatch(job_id):
            return _json({"ok": False, "error": "a job id is 32 lowercase hex digits"}, 400)

        def info(client: Client) -> dict[str, Any]:
            view = _shown(client.infos([job_id])[0], outbox)
            lines = client.job_lines([job_id])
            return {"job": {**view, "args": lines[0]["args"] if lines else None}}

        return await broker(info)

    async def history(request: Request) -> Response:
        span = RANGES.get(request.query_params.get("range", "1h"))
        if span is None:
            return _json({"ok": False, "error": f"range is one of {', '.join(RANGES)}"}, 400)
        return await broker(lambda client: client.history(span))

    async def dead(request: Request) -> Response:
        return await broker(lambda client: {"jobs": client.dead(limit=200)})

    async def act(request: Request) -> Response:
        refused = guard.action_allowed(request.scope, action_token)
        if refused is not None:
            return _json({"ok": False, "error": refused}, 403)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _json({"ok": False, "error": "an action takes a JSON object"}, 400)
        try:
            action = _action(request.path_params["name"], body)
        except Invalid as exc:
            return _json({"ok": False, "error": str(exc)}, 400)
        return await broker(action)

    async def metrics(request: Request) -> Response:
        return Response(exposition(feed.state), media_type=CONTENT_TYPE)

    async def output(request: Request) -> Response:
        name = request.path_params["name"]
        path = (outbox / name).resolve()
        # Only a file directly in the outbox, after links are followed: no '..', no escape.
        if "/" in name or "\\" in name or path.parent != outbox or not path.is_file():
            return _json({"ok": False, "error": "no such output in the outbox"}, 404)
        return FileResponse(path, media_type="application/json")

    routes = [
        Route("/", page("overview")),
        Route("/history", page("history")),
        Route("/jobs", page("jobs")),
        Route("/jobs/{job_id}", page("job")),
        Route("/dead", page("dead")),
        Route("/api/state", state),
        Route("/api/stream", stream),
        Route("/api/jobs", jobs),
        Route("/api/jobs/{job_id}", job),
        Route("/api/history", history),
        Route("/api/dead", dead),
        Route("/api/actions/{name}", act, methods=["POST"]),
        Route("/metrics", metrics),
        Route("/outbox/{name}", output),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return guard.Guard(Starlette(routes=routes), settings)


def _action(name: str, body: dict[str, Any]) -> Callable[[Client], dict[str, Any]]:
    """The broker call of a quick action, its input checked."""
    if name == "retry":
        if body.get("all_dead") is True:
            return lambda c: {"ids": c.retry(all_dead=True)}
        job_id = _job_id(body.get("id"))
        return lambda c: {"ids": c.retry(job_id)}
    if name == "cancel":
        job_id = _job_id(body.get("id"))
        return lambda c: {"status": c.cancel(job_id)}
    if name in ("pause", "resume"):
        queue = _name(body.get("queue"), "queue")
        command = Command.PAUSE if name == "pause" else Command.RESUME
        return lambda c: c.call(command, {"queue": queue})
    if name == "scale":
        delta = body.get("delta")
        if isinstance(delta, bool) or not isinstance(delta, int) or not -16 <= delta <= 16:
            raise Invalid("'delta' is a number of workers to add or remove, -16 to 16")
        return lambda c: {"pools": c.call(Command.SCALE, {"delta": delta})["pools"]}
    if name == "purge":
        if body.get("dead") is not True:
            raise Invalid("give 'dead': true")
        return lambda c: {"deleted": c.purge_dead()}
    raise Invalid(f"no action {name!r}")


def _shown(view: dict[str, Any], outbox: Path) -> dict[str, Any]:
    """A job's view for its page: long text cut, outputs linked when they lie in the outbox."""
    result = view.get("result")
    if isinstance(result, dict):
        shown: dict[str, Any] = {}
        for key, value in result.items():
            if isinstance(value, str) and len(value) > _SHOWN:
                shown[key] = value[:_SHOWN]
                shown[f"{key}_chars"] = len(value)
            else:
                shown[key] = value
        links = []
        for key in ("json_path", "chunks_path"):
            path = result.get(key)
            if isinstance(path, str) and Path(path).resolve().parent == outbox:
                links.append({"name": Path(path).name, "href": f"/outbox/{Path(path).name}"})
        view = {**view, "result": shown, "outputs": links}
    elif isinstance(result, list):  # a plain MDP worker's frames
        view = {**view, "result": [repr(frame)[:_SHOWN] for frame in result]}
    return view
