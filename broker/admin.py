"""Commands that operate the system rather than its jobs: pause and resume a queue, scale the
worker pools, and the reports docmill's own processes send (worker measures and deaths, watcher
counters and events)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from docmill.protocol import BadRequest, ClientRequest, Topic

if TYPE_CHECKING:
    from broker.broker import Broker


def pause(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    return _set_paused(broker, body, True)


def resume(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    return _set_paused(broker, body, False)


def _set_paused(broker: Broker, body: dict[str, Any], paused: bool) -> dict[str, Any]:
    """Pause a queue (its jobs wait; running ones finish) or resume it."""
    name = body.get("queue")
    if not isinstance(name, str) or not name:
        raise BadRequest("give the 'queue' to pause or resume")
    service = broker.registry.service(name)
    if service.paused != paused:
        service.paused = paused
        broker.events.publish(Topic.QUEUE_PAUSED if paused else Topic.QUEUE_RESUMED, queue=name)
        if not paused:
            broker.registry.undispatched.add(name)
    return {"ok": True, "queue": name, "paused": paused}


def worker_stats(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A supervisor's periodic measures of its workers: {"workers": {id: {cpu, rss, ...}}}."""
    stats = body.get("workers")
    if not isinstance(stats, dict):
        raise BadRequest("give 'workers': a map of worker id to measures")
    pool, concurrency = body.get("pool"), body.get("concurrency")
    wanted = None
    if isinstance(concurrency, int) and not 0 <= concurrency <= MAX_POOL:
        raise BadRequest(f"'concurrency' is a number of workers, 0 to {MAX_POOL}")
    if isinstance(pool, str) and isinstance(concurrency, int):
        record = broker.pools.setdefault(pool, {"wanted": None})
        record.update(concurrency=concurrency, seen=time.time())
        wanted = record["wanted"]
        if wanted == concurrency:
            record["wanted"] = None  # done
    known = 0
    for name, measures in stats.items():
        worker = broker.registry.by_name(name)
        if worker is not None and isinstance(measures, dict):
            worker.stats = {k: v for k, v in measures.items() if isinstance(v, int | float)}
            known += 1
    return {"ok": True, "known": known, "concurrency": wanted}


MAX_POOL = 4096  # workers in one pool: any more is a typo, and must not overflow a reply

_WATCHER_TOPICS = {
    t.value.removeprefix("watcher."): t for t in Topic if t.value.startswith("watcher.")
}


def watcher_stats(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A watcher's counters, and its file events to publish on the status stream."""
    name, counters, events = body.get("watcher"), body.get("counters"), body.get("events", [])
    if not isinstance(name, str) or not isinstance(counters, dict) or not isinstance(events, list):
        raise BadRequest("give 'watcher' (its id), 'counters' (a map) and 'events' (a list)")
    broker.watchers[name] = {
        "counters": {k: v for k, v in counters.items() if isinstance(v, int)},
        "seen": time.time(),
    }
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        topic = _WATCHER_TOPICS.get(kind) if isinstance(kind, str) else None
        if topic is not None:
            fields = {k: v for k, v in event.items() if isinstance(k, str) and k != "event"}
            broker.events.publish(topic, **{**fields, "watcher": name})
    return {"ok": True}


def scale(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Ask worker pools to grow or shrink: `concurrency` N, or `delta` +k/-k; one `pool` or all.

    Each pool hears it with its next report (every 2 s) and answers by resizing itself.
    """
    target, delta = body.get("concurrency"), body.get("delta")
    if not isinstance(target, int) and not isinstance(delta, int):
        raise BadRequest("give 'concurrency' (a number of workers) or 'delta' (+k or -k)")
    if any(isinstance(n, int) and abs(n) > MAX_POOL for n in (target, delta)):
        raise BadRequest(f"a pool has at most {MAX_POOL} workers")
    chosen = body.get("pool")
    pools = {k: v for k, v in broker.pools.items() if chosen in (None, k)}
    if not pools:
        raise BadRequest(
            "no worker pool has reported to this broker" if chosen is None else f"no pool {chosen}"
        )
    for record in pools.values():
        current = record["wanted"] if record["wanted"] is not None else record["concurrency"]
        wanted = target if isinstance(target, int) else current + delta
        record["wanted"] = min(MAX_POOL, max(1, wanted))
    return {"ok": True, "pools": {k: v["wanted"] for k, v in pools.items()}}


def worker_gone(broker: Broker, req: ClientRequest, body: dict[str, Any]) -> dict[str, Any]:
    """A supervisor reports that one of its workers died; its job is requeued at once."""
    name, reason = body.get("worker"), body.get("reason") or "died"
    if not isinstance(name, str) or not isinstance(reason, str):
        raise BadRequest("give 'worker' and 'reason' as strings")
    worker = broker.registry.by_name(name)
    held = broker.remove_worker(worker, reason) if worker is not None else None
    return {"ok": True, "job": held}
