"""The frames a fuzz test sends a running broker, and what the broker must make of them.

Hypothesis strategies for the broker's two sockets: messages for its ROUTER (random frames,
client requests, worker commands and sessions, docmill commands, watcher reports, and valid
messages mutated), and frames for its PUB status stream (subscriptions of every size, garbage).
Beside them, the two judgements a fuzz run rests on: `harmless` (whether a message may reach
the broker while real jobs run) and `counted_malformed` (whether the broker must count it).

A fuzz message never names a real job (it cannot know their ids). It is kept away from the
pool's queues when it could hold a real worker (a READY there would take real jobs, a known
task could run for minutes), and from the admin commands (pause, scale, ...) when its body is a
valid map. Everything else, including submits of unknown tasks, is fair game.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import strategies as st

from docmill.protocol import (
    COMMAND_PREFIX,
    DEFAULT_QUEUES,
    MDPC,
    MDPW,
    MMI_PREFIX,
    ClientRequest,
    Command,
    ProtocolError,
    WorkerCommand,
    WorkerMessage,
    ok,
    pack,
    parse_router,
    ready,
    reply,
    request,
    unpack,
    unpack_map,
    worker_signal,
)
from tests.tasks import TASKS as TEST_TASKS
from tests.test_protocol import (
    COMMAND_BODIES,
    COMMAND_BYTES,
    HEADERS,
    KEYS,
    MSGPACK_VALUES,
    READY_META,
    REPLY_MAPS,
    SERVICES,
    commands,
    router_messages,
)
from workers.tasks import BUILTIN

# A connection that sends the PUB a frame over 64 KiB is dropped (by libzmq: the broker sets no
# limit there), and the XSUB then reconnects and resends its subscriptions for as long as it
# lives. A subscription of 256 KiB (128 KiB is fine) overflows the stack of *our* process when
# the XSUB is destroyed (libzmq 4.3.5 frees its subscription trie recursively). So huge topics
# stay below that, and a socket that sent one is not probed.
HUGE_TOPIC = 100_000
PUB_DROPS = 65_536

REAL_QUEUES = frozenset(DEFAULT_QUEUES)
# Tasks that would keep a real worker busy (noop sleeps `seconds`, burn/hog run for a while)
# if a fuzz message ran them with random arguments on a real queue. echo returns at once.
HOLDING_TASKS = (frozenset(BUILTIN) | frozenset(TEST_TASKS) | {"process_batch"}) - {"echo"}
# Commands that operate the system: with a valid map body they could pause or shrink the
# real pool, or report its workers gone. Garbage bodies to them are still sent.
ADMIN = frozenset(
    c.value
    for c in (
        Command.PAUSE,
        Command.RESUME,
        Command.SCALE,
        Command.WORKER_GONE,
        Command.WORKER_STATS,
        Command.PURGE,
        Command.RETRY,
    )
)
WATCHER_STATS = Command.WATCHER_STATS.value.encode()
# Found by this fuzzing (test_watcher_event_fields_cannot_break_the_broker in test_fuzz.py):
# the broker once published a watcher event's own keys as keyword arguments, so a key named
# `watcher`, `topic` or `self`, or a bin key, killed it, and `seq`, `ts`, `source` or `pid`
# rewrote the stream's own fields. The fuzzing sends such keys on purpose.
CLASHING_EVENT_KEYS = frozenset({"watcher", "topic", "self", "seq", "ts", "source", "pid"})


# -- what the broker makes of a message --------------------------------------------------------


def _one_map(body: list[bytes]) -> dict[str, Any] | None:
    if len(body) != 1:
        return None
    try:
        return unpack_map(body[0])
    except ProtocolError:
        return None


def _holds_real_worker(queue: Any, task: Any) -> bool:
    return (
        isinstance(queue, str)
        and queue in REAL_QUEUES
        and isinstance(task, str)
        and task in HOLDING_TASKS
    )


def harmless(frames: list[bytes]) -> bool:
    """Whether the broker may get these DEALER frames without touching the real jobs."""
    try:
        msg = parse_router([b"fuzz", *frames])
    except ProtocolError:
        return True
    if isinstance(msg, WorkerMessage):
        if msg.command is not WorkerCommand.READY:
            return True
        names = {msg.service.decode(errors="replace")}
        if msg.body:
            with contextlib.suppress(ProtocolError):
                meta = unpack(msg.body[0])
                if isinstance(meta, dict) and isinstance(meta.get("queues"), list):
                    names |= {q for q in meta["queues"] if isinstance(q, str)}
        return not names & REAL_QUEUES
    if msg.service.startswith(MMI_PREFIX):
        return True
    body = _one_map(msg.body)
    if body is None:
        return True  # refused by the broker, or by the docmill worker as bad_request
    service = msg.service.decode(errors="replace")
    if msg.service.startswith(COMMAND_PREFIX):
        if service in ADMIN:
            return False
        if msg.service == WATCHER_STATS:
            return True
        if service != Command.SUBMIT.value:
            return True
        specs = body.get("jobs", [body])
        if not isinstance(specs, list):
            return True
        return not any(
            _holds_real_worker(spec.get("queue") or "documents", spec.get("task"))
            for spec in specs
            if isinstance(spec, dict)
        )
    return not _holds_real_worker(service, body.get("task"))  # a plain MDP call


def counted_malformed(frames: list[bytes]) -> bool:
    """Whether the broker must count these DEALER frames in `malformed`, whoever sent them."""
    try:
        msg = parse_router([b"fuzz", *frames])
    except ProtocolError:
        return True
    if isinstance(msg, ClientRequest) and msg.service.startswith(COMMAND_PREFIX):
        return _one_map(msg.body) is None
    return False


# -- frames for the ROUTER ---------------------------------------------------------------------

ANY_FRAME = st.binary(max_size=64)
RANDOM_MAPS = st.dictionaries(st.text(max_size=10) | KEYS, MSGPACK_VALUES, max_size=6)
BODY_FRAMES = st.one_of(
    ANY_FRAME, MSGPACK_VALUES.map(pack), RANDOM_MAPS.map(pack), COMMAND_BODIES, REPLY_MAPS
)
FUZZ_QUEUES = st.sampled_from(["fuzz", "fuzz.a", "fuzz.b", ""]) | st.text(max_size=8)
SERVICE_NAMES = st.one_of(
    SERVICES,
    st.sampled_from([c.value.encode() for c in Command]),
    FUZZ_QUEUES.map(str.encode),
    st.binary(max_size=20),
)
JOB_IDS = st.uuids().map(lambda u: u.hex.encode()) | st.binary(max_size=40)


@st.composite
def client_messages(draw: st.DrawFn) -> list[bytes]:
    """An MDP client request, right or wrong in header, service and body."""
    header = draw(st.sampled_from([MDPC, MDPC]) | HEADERS)
    return [b"", header, draw(SERVICE_NAMES), *draw(st.lists(BODY_FRAMES, max_size=3))]


@st.composite
def worker_messages(draw: st.DrawFn) -> list[bytes]:
    """An MDP worker command, any command byte, any frames after it."""
    rest = draw(st.lists(BODY_FRAMES | JOB_IDS, max_size=4))
    return [b"", MDPW, draw(COMMAND_BYTES), *rest]


@st.composite
def worker_sessions(draw: st.DrawFn) -> list[list[bytes]]:
    """READY for a fuzz service, then garbage REPLYs for unknown jobs, HEARTBEATs, ..."""
    meta = draw(
        st.none()
        | READY_META
        | st.fixed_dictionaries(
            {
                "queues": st.lists(FUZZ_QUEUES, max_size=3),
                "pid": st.integers(-(2**63), 2**64 - 1),
                "host": st.text(),
            }
        )
    )
    messages = [ready(draw(FUZZ_QUEUES).encode() or b"fuzz", meta)]
    steps = {
        "reply": st.builds(reply, JOB_IDS, st.lists(BODY_FRAMES, max_size=2)),
        "heartbeat": st.just(worker_signal(WorkerCommand.HEARTBEAT)),
        "disconnect": st.just(worker_signal(WorkerCommand.DISCONNECT)),
        # A worker may not send REQUEST: the broker forgets it and sends DISCONNECT.
        "request": st.just(worker_signal(WorkerCommand.REQUEST)),
        "ready": st.just(messages[0]),
    }
    for _ in range(draw(st.integers(0, 6))):
        messages.append(draw(steps[draw(st.sampled_from(sorted(steps)))]))
    return messages


WATCHER_EVENTS = st.builds(
    lambda kind, fields: {**fields, "event": kind},
    st.sampled_from(["seen", "submitted", "duplicate", "error", "nope"]),
    st.dictionaries(
        st.sampled_from(["path", "job", "reason", *sorted(CLASHING_EVENT_KEYS)])
        | st.text(max_size=6)
        | st.binary(max_size=4),
        MSGPACK_VALUES,
        max_size=3,
    ),
)


def _watcher_stats(events: list[dict[Any, Any]], counters: dict[str, int]) -> list[bytes]:
    report = {"watcher": "fuzz", "counters": counters, "events": events}
    return request(WATCHER_STATS, [pack(report)])


def _submit(queue: str, args: dict[str, Any]) -> list[bytes]:
    return request(b"docmill.submit", [pack({"task": "echo", "queue": queue, "args": args})])


# Watcher reports: the broker publishes their events on the status stream, field by field.
WATCHER_REPORTS = st.builds(
    _watcher_stats,
    st.lists(WATCHER_EVENTS, min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(0, 10), max_size=3),
)

# Real, valid messages of every kind, for the mutations below to start from.
VALID_MESSAGES = st.one_of(
    st.builds(_submit, FUZZ_QUEUES, RANDOM_MAPS),
    st.builds(
        lambda jobs: request(b"docmill.submit", [pack({"jobs": jobs, "rid": 1})]),
        st.lists(
            st.fixed_dictionaries({"task": st.just("nope"), "queue": FUZZ_QUEUES}),
            min_size=1,
            max_size=3,
        ),
    ),
    st.builds(
        lambda ids: request(b"docmill.result", [pack({"ids": ids, "wait": 0})]),
        st.lists(JOB_IDS.map(lambda b: b.decode(errors="replace")), min_size=1, max_size=3),
    ),
    st.just(request(b"docmill.status", [pack({})])),
    WATCHER_REPORTS,
    st.just(request(b"docmill.pause", [pack({"queue": "fuzz"})])),
    st.just(request(b"mmi.service", [b"documents"])),
    st.just(request(b"fuzz", [pack({"task": "echo", "args": {}})])),
    st.just(request(b"documents", [pack({"task": "echo", "args": {"x": 1}})])),
    st.just(ready(b"fuzz", {"queues": ["fuzz.a"], "pid": 1, "host": "h"})),
    st.builds(lambda job: reply(job, [pack(ok(None))]), JOB_IDS),
    st.just(worker_signal(WorkerCommand.HEARTBEAT)),
    st.just(worker_signal(WorkerCommand.DISCONNECT)),
)


@st.composite
def mutated(draw: st.DrawFn) -> list[bytes]:
    """A valid message, or one with bits flipped, frames truncated, dropped, duplicated or moved."""
    frames = list(draw(VALID_MESSAGES))
    for _ in range(draw(st.integers(0, 3))):  # none: the valid message itself
        op = draw(st.sampled_from(["flip", "truncate", "drop", "duplicate", "insert", "swap"]))
        i = draw(st.integers(0, len(frames) - 1))
        if op == "flip" and frames[i]:
            data = bytearray(frames[i])
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
            frames[i] = bytes(data)
        elif op == "truncate":
            frames[i] = frames[i][: draw(st.integers(0, len(frames[i])))]
        elif op == "drop" and len(frames) > 1:
            del frames[i]
        elif op == "duplicate":
            frames.insert(i, frames[i])
        elif op == "insert":
            frames.insert(draw(st.integers(0, len(frames))), draw(ANY_FRAME))
        elif op == "swap":
            j = draw(st.integers(0, len(frames) - 1))
            frames[i], frames[j] = frames[j], frames[i]
    return frames


ROUTER_MESSAGES = st.one_of(
    st.lists(ANY_FRAME, min_size=1, max_size=8),
    router_messages().map(lambda frames: frames[1:]).filter(bool),  # without their identity
    commands(),
    WATCHER_REPORTS,
    client_messages(),
    worker_messages(),
    mutated(),
).filter(harmless)

# -- frames for the PUB ------------------------------------------------------------------------

TOPICS = st.sampled_from([b"", b"job.", b"worker.", b"broker.state", b"alert"]) | st.binary(
    max_size=24
)
PUB_FRAMES = st.one_of(
    ANY_FRAME,
    TOPICS.map(lambda t: b"\x01" + t),  # subscribe
    TOPICS.map(lambda t: b"\x00" + t),  # unsubscribe
    st.builds(
        lambda lead, seed, size: lead + seed * (size // len(seed)),
        st.sampled_from([b"\x01", b"\x00", b"\x02", b""]),
        st.binary(min_size=1, max_size=16),
        st.integers(1_000, HUGE_TOPIC),
    ),
)
