"""What docmill's own processes report about themselves: each worker pool's size and the size
wanted for it (`docmill.scale`), and each watcher's counters."""

from __future__ import annotations

from typing import Any

MAX_POOL = 4096  # workers in one pool: any more is a typo, and must not overflow a reply


class Fleet:
    def __init__(self) -> None:
        self.pools: dict[str, dict[str, Any]] = {}  # by pool id: concurrency, wanted, seen
        self.watchers: dict[str, dict[str, Any]] = {}  # by watcher id: counters, seen

    def pool_report(self, pool: str, concurrency: int, now: float) -> int | None:
        """A pool's size; the size wanted for it, if it is not that yet."""
        record = self.pools.setdefault(pool, {"wanted": None})
        record.update(concurrency=concurrency, seen=now)
        wanted: int | None = record["wanted"]
        if wanted == concurrency:
            record["wanted"] = None  # done
        return wanted

    def watcher_report(self, name: str, counters: dict[str, Any], now: float) -> None:
        self.watchers[name] = {
            "counters": {k: v for k, v in counters.items() if isinstance(v, int)},
            "seen": now,
        }

    def scale(self, chosen: object, target: int | None, delta: int | None) -> dict[str, int]:
        """Record the size wanted for one pool (or all): `target`, or the current one + `delta`.
        Raises KeyError when no pool (or not `chosen`) has reported."""
        pools = {k: v for k, v in self.pools.items() if chosen in (None, k)}
        if not pools:
            raise KeyError(chosen)
        for record in pools.values():
            current = record["wanted"] if record["wanted"] is not None else record["concurrency"]
            wanted = target if target is not None else current + (delta or 0)
            record["wanted"] = min(MAX_POOL, max(1, wanted))
        return {k: v["wanted"] for k, v in pools.items()}
