"""The broker's status snapshot as typed records: the answer to `docmill.status` and
`docmill.snapshot`, and the `state` of each `broker.state` event (docs/PROTOCOL.md §6.4).

The records are TypedDicts, so a snapshot is the very msgpack map on the wire: the broker builds
one, health, the monitor and the `docmill` command read one, and mypy checks every key each of
them uses. A received map becomes a record through `decode_snapshot` alone, which checks every
value's type against these declarations and fills a key an older broker did not send with its
type's empty value (0, "", False, None, [] or {}), so readers never need `.get`.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping
from typing import Any, TypedDict, Union, cast, get_args, get_origin, get_type_hints, is_typeddict

from docmill.protocol import ProtocolError


class BrokerInfo(TypedDict):
    pid: int
    endpoint: str  # the ROUTER's endpoint
    events: str  # the status stream's endpoint
    started: float  # Unix time
    uptime: float  # seconds
    malformed: int  # messages dropped as malformed
    oversized: int  # messages dropped for their size
    curve: bool
    auth_refused: int  # connections CURVE refused
    events_published: int
    events_unwatched: int  # numbered but not sent: no subscriber wanted them
    longest_pass: float  # seconds: the longest pass of the loop since the broker started
    draining: bool


class StoreInfo(TypedDict):
    path: str
    commits: int
    commit_seconds: float
    errors: int  # failed commits


class HostStats(TypedDict):
    cpu_percent: float
    memory_percent: float
    memory_available: int  # bytes
    disk_percent: float  # of the disk holding the home folder
    disk_free: int  # bytes


class QueueState(TypedDict):
    queued: int  # ids in its line, cancelled ones among them until their turn
    due: int  # queued jobs whose time has come
    workers: int
    paused: bool
    oldest_age: float  # seconds the oldest due job has waited


class RunningJob(TypedDict):
    job: str
    task: str
    queue: str
    worker: str
    attempt: int
    elapsed: float  # seconds
    timeout: float | None
    path: str | None


class WorkerMeasures(TypedDict, total=False):
    """What a worker's pool measured (docmill.worker_stats); absent until its first report."""

    cpu_percent: float
    rss: float  # bytes, the worker and its job process
    job_rss: float
    job_pid: float


class WorkerState(WorkerMeasures):
    id: str
    pid: int | None
    host: str | None
    pool: str | None  # its pool's id ("host/pid") from READY; None for a plain MDP worker
    queues: list[str]
    state: str  # "idle", "busy", or "suspect" (a worker of its pool died: no job until it speaks)
    job: str | None
    jobs_done: int
    last_seen: float


class PoolState(TypedDict):
    concurrency: int
    wanted: int | None  # the size docmill.scale asked for, until the pool has it
    seen: float


class WatcherState(TypedDict):
    counters: dict[str, int]
    seen: float


class RetryInfo(TypedDict):
    id: str
    task: str
    attempts: int
    max_attempts: int
    next_run: float | None
    error: dict[str, Any] | None  # the error map of the attempt that failed (§6.7)


Throughput = TypedDict("Throughput", {"1m": float, "5m": float, "15m": float})


class Latency(TypedDict):
    p50: float | None
    p95: float | None
    n: int


class Failure(TypedDict):
    ts: float
    job: str
    task: str
    status: str
    error: str | None
    message: str | None
    path: str | None


class Metrics(TypedDict):
    throughput_per_min: Throughput
    spark: list[int]  # jobs ended per half-minute, oldest first
    latency: dict[str, Latency]  # by task, over recent successes
    ended: dict[str, int]  # by outcome, and "retried"
    errors: dict[str, int]  # by error type
    failures: list[Failure]  # the most recent first
    by_task: dict[str, dict[str, int]]  # jobs ended since the broker started, by task and state


class Snapshot(TypedDict):
    seq: int  # the last status stream event numbered when the state was taken
    state_seq: int  # the number of the last broker.state event
    ts: float
    broker: BrokerInfo
    store: StoreInfo
    host: HostStats
    counts: dict[str, int]  # jobs in the store by status
    dead: int
    queues: dict[str, QueueState]
    metrics: Metrics
    running: list[RunningJob]
    pools: dict[str, PoolState]
    watchers: dict[str, WatcherState]
    workers: list[WorkerState]
    retries: list[RetryInfo]


def decode_snapshot(body: Mapping[str, Any]) -> Snapshot:
    """A received status map as a Snapshot; ProtocolError names the first value of a wrong type.

    Keys the records do not declare (a reply's `ok` and `rid`, anything a newer broker adds)
    are left out; declared keys that are missing get their type's empty value.
    """
    try:
        return cast(Snapshot, _decoder(Snapshot)(body))
    except _Wrong as wrong:
        shown = repr(wrong.value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        where = "snapshot" + "".join(reversed(wrong.path))
        raise ProtocolError(
            f"the broker's status is refused: {where} is {shown} ({type(wrong.value).__name__}), "
            f"expected {wrong.expected} (docs/PROTOCOL.md §6.4)"
        ) from None


# Each type gets its decoder once. A decoder checks one value and returns it (a record: only
# its declared keys); the place of a wrong value is gathered on the way out, so a good
# snapshot builds no path strings at all.

_Decode = Callable[[Any], Any]


class _Wrong(Exception):
    def __init__(self, value: Any, expected: str) -> None:
        super().__init__(expected)
        self.value, self.expected = value, expected
        self.path: list[str] = []  # innermost first


@functools.cache
def _decoder(kind: Any) -> _Decode:
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        (inner,) = (a for a in args if a is not type(None))  # only `X | None` is declared
        decode = _decoder(inner)
        return lambda value: None if value is None else decode(value)
    if origin is list:
        return _list(_decoder(args[0]))
    if origin is dict:
        return _dict(_decoder(args[1]))
    if is_typeddict(kind):
        return _record(kind)
    if kind is Any:
        return lambda value: value
    return _scalar(kind)


def _list(item: _Decode) -> _Decode:
    def decode(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _Wrong(value, "list")
        out = []
        for i, element in enumerate(value):
            try:
                out.append(item(element))
            except _Wrong as wrong:
                wrong.path.append(f"[{i}]")
                raise
        return out

    return decode


def _dict(item: _Decode) -> _Decode:
    def decode(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _Wrong(value, "map")
        out = {}
        for key, element in value.items():
            if not isinstance(key, str):
                wrong = _Wrong(key, "str")
                wrong.path.append(" has a key that")
                raise wrong
            try:
                out[key] = item(element)
            except _Wrong as wrong:
                wrong.path.append(f"[{key!r}]")
                raise
        return out

    return decode


def _record(record: type) -> _Decode:
    required: frozenset[str] = record.__required_keys__  # type: ignore[attr-defined]
    fields = [
        (name, _decoder(kind), kind, name in required)
        for name, kind in get_type_hints(record).items()
    ]

    def decode(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _Wrong(value, f"{record.__name__} map")
        out: dict[str, Any] = {}
        for name, field, kind, needed in fields:
            if name in value:
                try:
                    out[name] = field(value[name])
                except _Wrong as wrong:
                    wrong.path.append(f".{name}")
                    raise
            elif needed:
                out[name] = _empty(kind)
        return out

    return decode


def _scalar(kind: type) -> _Decode:
    def decode(value: Any) -> Any:
        if kind is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        else:  # bool, or int and str, which a bool is not
            ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if not ok:
            raise _Wrong(value, kind.__name__)
        return value

    return decode


def _empty(kind: Any) -> Any:
    """The value of a key a broker did not send: fresh, as the record is the caller's."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType) and type(None) in args:
        return None
    if origin in (list, dict):
        return origin()
    if is_typeddict(kind):
        return _decoder(kind)({})
    return None if kind is Any else kind()
