"""docmill's whole wire vocabulary: MDP/0.1 framing, MMI, docmill commands, topics, and the codec.

docs/PROTOCOL.md is the normative text; this module is its only implementation. Every other
module builds and reads frames through the helpers here, so handlers never see raw bytes.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from typing import Any

import msgpack

# -- MDP/0.1 (ZeroMQ RFC 7) --------------------------------------------------------------------

MDPC = b"MDPC01"
MDPW = b"MDPW01"


class WorkerCommand(bytes, enum.Enum):
    READY = b"\x01"
    REQUEST = b"\x02"
    REPLY = b"\x03"
    HEARTBEAT = b"\x04"
    DISCONNECT = b"\x05"


HEARTBEAT_INTERVAL = 1.0  # seconds between heartbeats, both directions
HEARTBEAT_LIVENESS = 3  # intervals of silence before a peer is taken for dead

# -- RFC 8 (MMI) and docmill's broker-internal services ----------------------------------------

MMI_PREFIX = b"mmi."
MMI_SERVICE = b"mmi.service"
MMI_FOUND, MMI_NOT_FOUND, MMI_NOT_IMPLEMENTED = b"200", b"404", b"501"

COMMAND_PREFIX = b"docmill."


class Command(enum.StrEnum):
    """docmill's own services; each takes one msgpack map and answers one."""

    SUBMIT = "docmill.submit"
    RESULT = "docmill.result"
    STATUS = "docmill.status"
    CANCEL = "docmill.cancel"
    DEAD = "docmill.dead"
    RETRY = "docmill.retry"
    PURGE = "docmill.purge"
    SNAPSHOT = "docmill.snapshot"
    PAUSE = "docmill.pause"
    RESUME = "docmill.resume"
    WORKER_STATS = "docmill.worker_stats"
    SCALE = "docmill.scale"
    WATCHER_STATS = "docmill.watcher_stats"
    WORKER_GONE = "docmill.worker_gone"
    STOP = "docmill.stop"
    JOBS = "docmill.jobs"
    HISTORY = "docmill.history"


DEFAULT_QUEUE = "documents"  # where a job goes when it names no queue
DEFAULT_QUEUES = ("documents", "analysis", "maintenance", "ocr")


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRY_SCHEDULED = "retry_scheduled"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELLED})


class ErrorType(enum.StrEnum):
    """What went wrong, as a client or the retry policy needs to know it."""

    # the request itself
    BAD_REQUEST = "bad_request"
    UNAVAILABLE = "unavailable"  # the broker is stopping; submit again later
    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_TASK = "unknown_task"
    CANCELLED = "cancelled"
    # the process that ran the job
    WORKER_DIED = "worker_died"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    # the document
    NOT_FOUND = "not_found"
    PERMISSION = "permission"
    UNSUPPORTED = "unsupported"
    ENCRYPTED = "encrypted"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    LOCKED = "locked"  # in use by another program, or still being written
    FORBIDDEN = "forbidden"  # outside the folders this worker may read (or write)
    # the machine
    DISK_FULL = "disk_full"
    # anything else a task raised
    TASK_ERROR = "task_error"


# Worth another attempt: the failure says nothing about the job itself.
RETRYABLE = frozenset(
    {
        ErrorType.WORKER_DIED,
        ErrorType.TIMEOUT,
        ErrorType.MEMORY,
        ErrorType.LOCKED,
        ErrorType.DISK_FULL,
    }
)


class Topic(enum.StrEnum):
    """Status stream topics; subscribers filter on the prefix (`job.`, `worker.`)."""

    JOB_SUBMITTED = "job.submitted"
    JOB_STARTED = "job.started"
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    JOB_REQUEUED = "job.requeued"
    JOB_RETRY_SCHEDULED = "job.retry_scheduled"
    JOB_DEAD = "job.dead"
    JOB_CANCELLED = "job.cancelled"
    WORKER_READY = "worker.ready"
    WORKER_GONE = "worker.gone"
    BROKER_STARTED = "broker.started"
    BROKER_STOPPING = "broker.stopping"
    BROKER_STATE = "broker.state"  # the whole state (as docmill.snapshot), every few seconds
    QUEUE_PAUSED = "queue.paused"
    QUEUE_RESUMED = "queue.resumed"
    ALERT = "alert"  # a periodic check found a critical condition
    WATCHER_SEEN = "watcher.seen"  # a complete new or changed file
    WATCHER_SUBMITTED = "watcher.submitted"
    WATCHER_DUPLICATE = "watcher.duplicate"  # same content as a file already processed
    WATCHER_ERROR = "watcher.error"
    SYSTEM_STOP = "system.stop"  # `docmill stop`: run_all stops the whole system in order


# -- codec ------------------------------------------------------------------------------------

# Bounds for every decode: a hostile or corrupt body can cost at most this much memory.
MAX_MESSAGE_BYTES = 65 * 1024 * 1024  # 64 MiB of inline content, and the rest of its message
MAX_PARTS = 10_000  # children of one job: a batch's files, a fanned-out job's parts
_UNPACK_LIMITS = dict(
    max_str_len=MAX_MESSAGE_BYTES,
    max_bin_len=MAX_MESSAGE_BYTES,
    max_array_len=1_000_000,
    max_map_len=1_000_000,
    max_ext_len=0,
)


class ProtocolError(ValueError):
    """A message that does not follow docs/PROTOCOL.md."""


class BadRequest(ValueError):
    """A well-formed docmill command the broker refuses: answered with `bad_request`."""


# -- the numbers a job carries -----------------------------------------------------------------

# Every number of a job lies within ±NUMBER_LIMIT: well inside msgpack's and SQLite's 64-bit
# integers, and a Unix time until 2038. The broker refuses anything else with `bad_request`; the
# Python client refuses it before sending, with the same message.
NUMBER_LIMIT = 2**31


@dataclass(frozen=True, slots=True)
class Bound:
    """What a numeric field takes: an int (not bool) or any number, from `low` to NUMBER_LIMIT."""

    integer: bool
    low: float = -NUMBER_LIMIT
    low_open: bool = False  # `low` itself is refused: the value must lie above it

    def check(self, key: str, value: Any) -> None:
        """Raise BadRequest, saying what `key` takes, unless `value` is within this bound."""
        kind = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            what = "an integer" if self.integer else "a number"
            raise BadRequest(f"{key!r} must be {what}, not {type(value).__name__}")
        if value != value or value in (math.inf, -math.inf):
            raise BadRequest(f"{key!r} must be a finite number, not {value!r}")
        low_ok = value > self.low if self.low_open else value >= self.low
        if not (low_ok and value <= NUMBER_LIMIT):
            span = (
                f"above {_shown(self.low)} and at most {NUMBER_LIMIT}"
                if self.low_open
                else f"from {_shown(self.low)} to {NUMBER_LIMIT}"
            )
            raise BadRequest(f"{key!r} must be {span}, not {_shown(value)}")

    def get(self, spec: dict[str, Any], key: str, default: Any) -> Any:
        """`spec[key]` checked against this bound, or `default` when it is absent (None)."""
        value = spec.get(key)
        if value is None:
            return default
        self.check(key, value)
        return value


def _shown(value: float) -> str:
    text = repr(value)
    return text if len(text) <= 20 else f"{value:.3g}"


JOB_NUMBERS: dict[str, Bound] = {
    "priority": Bound(integer=True),
    "max_attempts": Bound(integer=True, low=1),
    "timeout": Bound(integer=False, low=0, low_open=True),
    "countdown": Bound(integer=False),
    "not_before": Bound(integer=False),
    "backoff": Bound(integer=False, low=0),
    "backoff_max": Bound(integer=False, low=0),
}


def check_job_numbers(spec: dict[str, Any]) -> None:
    """Raise BadRequest for the first numeric job field of `spec` out of its bound (None: unset)."""
    for key, bound in JOB_NUMBERS.items():
        if spec.get(key) is not None:
            bound.check(key, spec[key])


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def unpack(data: bytes | memoryview) -> Any:
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True, **_UNPACK_LIMITS)
    except (ValueError, msgpack.UnpackException) as exc:  # incl. ExtraData, FormatError
        raise ProtocolError(f"undecodable body: {exc}") from exc


def unpack_map(data: bytes | memoryview) -> dict[str, Any]:
    obj = unpack(data)
    if not isinstance(obj, dict):
        raise ProtocolError(f"body is a {type(obj).__name__}, not a map")
    return obj


# -- messages as plain data -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientRequest:
    """C: REQUEST — frames [sender, b"", MDPC01, service, body...] on the broker's ROUTER."""

    sender: bytes
    service: bytes
    body: list[bytes]


@dataclass(frozen=True, slots=True)
class WorkerMessage:
    """Any MDP/Worker command: READY carries `service` (and optional metadata), REPLY `job_id`."""

    sender: bytes
    command: WorkerCommand
    service: bytes = b""
    job_id: bytes = b""
    body: tuple[bytes, ...] = ()


def parse_router(frames: list[bytes]) -> ClientRequest | WorkerMessage:
    """Read one message as the broker's ROUTER delivers it; raise ProtocolError if malformed."""
    if len(frames) < 4 or frames[1] != b"":
        raise ProtocolError("expected [identity, empty, header, ...]")
    sender, header = frames[0], frames[2]
    if header == MDPC:
        if not frames[3]:
            raise ProtocolError("client request without a service name")
        if len(frames) < 5:
            raise ProtocolError("client request without a body (RFC 7: frames 3+)")
        return ClientRequest(sender, frames[3], frames[4:])
    if header != MDPW:
        raise ProtocolError(f"unknown header {header[:16]!r}")
    try:
        command = WorkerCommand(frames[3])
    except ValueError:
        raise ProtocolError(f"unknown worker command {frames[3][:8]!r}") from None
    rest = frames[4:]
    if command is WorkerCommand.READY:
        if not rest or not rest[0] or len(rest) > 2:
            raise ProtocolError("READY takes a service name and optional metadata")
        return WorkerMessage(sender, command, service=rest[0], body=tuple(rest[1:]))
    if command is WorkerCommand.REPLY:
        if len(rest) < 2 or rest[1] != b"":
            raise ProtocolError("REPLY takes [address, empty, body...]")
        return WorkerMessage(sender, command, job_id=rest[0], body=tuple(rest[2:]))
    if rest:
        raise ProtocolError(f"{command.name} takes no further frames")
    return WorkerMessage(sender, command)


def client_reply(client: bytes, service: bytes, body: list[bytes]) -> list[bytes]:
    return [client, b"", MDPC, service, *body]


def worker_request(worker: bytes, job_id: bytes, body: list[bytes]) -> list[bytes]:
    return [worker, b"", MDPW, WorkerCommand.REQUEST.value, job_id, b"", *body]


def to_worker(worker: bytes, command: WorkerCommand) -> list[bytes]:
    return [worker, b"", MDPW, command.value]


# Frames as a DEALER worker or client sends them (its ROUTER identity is added by ZeroMQ).


def ready(service: bytes, metadata: dict[str, Any] | None = None) -> list[bytes]:
    frames = [b"", MDPW, WorkerCommand.READY.value, service]
    return [*frames, pack(metadata)] if metadata is not None else frames


def reply(job_id: bytes, body: list[bytes]) -> list[bytes]:
    return [b"", MDPW, WorkerCommand.REPLY.value, job_id, b"", *body]


def worker_signal(command: WorkerCommand) -> list[bytes]:
    return [b"", MDPW, command.value]


def request(service: bytes, body: list[bytes]) -> list[bytes]:
    return [b"", MDPC, service, *body]


# -- docmill task replies ---------------------------------------------------------------------


def ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def fan_out(task: str, parts: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    """A worker's reply handing its job back in parts (workers.errors.FanOut), with any of
    FAN_OUT_OPTIONS: the parts' queue, arg of their results, time limit, failures let pass."""
    return {"ok": True, "fan_out": {"task": task, "parts": parts, **options}}


FAN_OUT_OPTIONS = ("queue", "into", "timeout", "partial")
_INTO = re.compile(r"([a-z][a-z0-9]*_)?parts")  # `parts`, or `<name>_parts`


def _check_fan_out(spec: Any) -> None:
    spec = spec if isinstance(spec, dict) else {}
    parts, queue, timeout = spec.get("parts"), spec.get("queue", "q"), spec.get("timeout", 1)
    maps = isinstance(parts, list) and all(isinstance(part, dict) for part in parts)
    if not maps or not 0 < len(parts) <= MAX_PARTS or not isinstance(spec.get("task"), str):
        raise ProtocolError(f"fan_out needs a 'task' and 1 to {MAX_PARTS} 'parts' maps")
    if not isinstance(queue, str) or not queue or queue.startswith(("mmi.", "docmill.")):
        raise ProtocolError(f"fan_out 'queue' must name a user queue, not {queue!r}")
    if not isinstance(into := spec.get("into", "parts"), str) or not _INTO.fullmatch(into):
        raise ProtocolError(f"fan_out 'into' is 'parts' or '<name>_parts', not {into!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ProtocolError(f"fan_out 'timeout' is a number of seconds, not {timeout!r}")
    if not isinstance(spec.get("partial", False), bool):
        raise ProtocolError("fan_out 'partial' is true or false")


def error(kind: ErrorType | str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"type": str(ErrorType(kind).value), "message": message, **extra}}


def parse_reply(body: tuple[bytes, ...] | list[bytes]) -> dict[str, Any]:
    """A native worker's REPLY body: exactly one frame, an ok/error map with a typed error."""
    if len(body) != 1:
        raise ProtocolError(f"native REPLY has {len(body)} body frames, not 1")
    decoded = unpack(body[0])
    if not isinstance(decoded, dict) or not isinstance(decoded.get("ok"), bool):
        raise ProtocolError("native REPLY is not an ok/error map")
    if not decoded["ok"]:
        err = decoded.get("error")
        if not isinstance(err, dict) or not isinstance(err.get("type"), str):
            raise ProtocolError("native error REPLY has no error type")
    elif "fan_out" in decoded:
        _check_fan_out(decoded["fan_out"])
    return decoded


def error_of(reply_map: dict[str, Any]) -> tuple[str, str]:
    err = reply_map.get("error") or {}
    return str(err.get("type", ErrorType.TASK_ERROR.value)), str(err.get("message", ""))
