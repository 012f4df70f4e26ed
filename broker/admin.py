"""Commands that operate the system rather than its jobs: pause and resume a queue, scale the
worker pools, and the reports docmill's own processes send (worker measures and deaths, watcher
counters and events)."""

from __future__ import annotations

from typing import Any

from broker.fleet import MAX_POOL
from broker.flow import JobFlow
from docmill.protocol import BadRequest, ClientRequest, Topic


def pause(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    return _set_paused(flow, body, True)


def resume(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    return _set_paused(flow, body, False)


def _set_paused(flow: JobFlow, body: dict[str, Any], paused: bool) -> dict[str, Any]:
    """Pause a queue (its jobs wait; running ones finish) or resume it."""
    name = body.get("queue")
    if not isinstance(name, str) or not name:
        raise BadRequest("give the 'queue' to pause or resume")
    flow.pause(name, paused)
    return {"ok": True, "queue": name, "paused": paused}


def worker_stats(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A supervisor's periodic measures of its workers: {"workers": {id: {cpu, rss, ...}}}."""
    stats = body.get("workers")
    if not isinstance(stats, dict):
        raise BadRequest("give 'workers': a map of worker id to measures")
    pool, concurrency = body.get("pool"), body.get("concurrency")
    wanted = None
    if isinstance(concurrency, int) and not 0 <= concurrency <= MAX_POOL:
        raise BadRequest(f"'concurrency' is a number of workers, 0 to {MAX_POOL}")
    if isinstance(pool, str) and isinstance(concurrency, int):
        wanted = flow.fleet.pool_report(pool, concurrency, flow.clock.time())
    known = sum(flow.registry.measured(name, measures) for name, measures in stats.items())
    return {"ok": True, "known": known, "concurrency": wanted}


_WATCHER_TOPICS = {
    t.value.removeprefix("watcher."): t for t in Topic if t.value.startswith("watcher.")
}


def watcher_stats(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A watcher's counters, and its file events to publish on the status stream."""
    name, counters, events = body.get("watcher"), body.get("counters"), body.get("events", [])
    if not isinstance(name, str) or not isinstance(counters, dict) or not isinstance(events, list):
        raise BadRequest("give 'watcher' (its id), 'counters' (a map) and 'events' (a list)")
    flow.fleet.watcher_report(name, counters, flow.clock.time())
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        topic = _WATCHER_TOPICS.get(kind) if isinstance(kind, str) else None
        if topic is not None:
            fields = {k: v for k, v in event.items() if isinstance(k, str) and k != "event"}
            flow.publish(topic, **{**fields, "watcher": name})
    return {"ok": True}


def scale(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Ask worker pools to grow or shrink: `concurrency` N, or `delta` +k/-k; one `pool` or all.

    Each pool hears it with its next report (every 2 s) and answers by resizing itself.
    """
    target, delta = body.get("concurrency"), body.get("delta")
    if not isinstance(target, int) and not isinstance(delta, int):
        raise BadRequest("give 'concurrency' (a number of workers) or 'delta' (+k or -k)")
    if any(isinstance(n, int) and abs(n) > MAX_POOL for n in (target, delta)):
        raise BadRequest(f"a pool has at most {MAX_POOL} workers")
    chosen = body.get("pool")
    try:
        pools = flow.fleet.scale(
            chosen,
            target if isinstance(target, int) else None,
            delta if isinstance(delta, int) else None,
        )
    except KeyError:
        raise BadRequest(
            "no worker pool has reported to this broker" if chosen is None else f"no pool {chosen}"
        ) from None
    return {"ok": True, "pools": pools}


def worker_gone(flow: JobFlow, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A supervisor reports that one of its workers died; its job is requeued at once."""
    name, reason = body.get("worker"), body.get("reason") or "died"
    if not isinstance(name, str) or not isinstance(reason, str):
        raise BadRequest("give 'worker' and 'reason' as strings")
    worker = flow.registry.by_name(name)
    held = flow.remove_worker(worker, reason) if worker is not None else None
    return {"ok": True, "job": held}
