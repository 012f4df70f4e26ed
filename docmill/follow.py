"""Following the broker's state, as the monitor and the dashboard do: the subscription to its
`broker.*` events, each message of the stream read, and the rule that tells the next state from
a gap.

A follower subscribes first, then takes a snapshot (docmill.status): an event published in
between is either in the snapshot (its number is not above the snapshot's) or arrives after it.
It subscribes to `broker.*` alone: the job events, thousands a second under load, would cost it
(and the machine) CPU for nothing, since every state carries the statistics the broker keeps.
Each `broker.state` event is the broker's whole state, numbered by `state_seq`: a missing
number is a gap, and an event of another broker (a restart) is one too; after either, the
follower takes a fresh snapshot.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

import zmq

from docmill.protocol import MAX_MESSAGE_BYTES, ProtocolError, Topic, unpack_map
from docmill.security import ClientKeys

SocketT = TypeVar("SocketT", bound="zmq.Socket[Any]")

PREFIX = b"broker."  # the topics a follower subscribes to


def subscribe(context: zmq.Context[SocketT], endpoint: str, keys: ClientKeys | None) -> SocketT:
    """A SUB socket on `context` (plain or asyncio) to the `broker.*` events at `endpoint`."""
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    socket.setsockopt(zmq.SUBSCRIBE, PREFIX)
    if keys is not None:
        keys.apply(socket)  # the stream is CURVE too when the broker is
    socket.connect(endpoint)
    return socket


def read(frames: list[bytes]) -> tuple[str, dict[str, Any]] | None:
    """One message of the stream as (topic, body); None for one that is not the broker's (not
    two frames, or a body that is no msgpack map), which a follower skips."""
    if len(frames) != 2:
        return None
    topic, body = frames
    try:
        return topic.decode(errors="replace"), unpack_map(body)
    except ProtocolError:
        return None


class Step(enum.Enum):
    """What one event means for a picture of the broker's state."""

    SAME = "same"  # nothing new: an older state, or an event that carries none
    NEXT = "next"  # the next state: body["state"], numbered body["state_seq"]
    GAP = "gap"  # a state was missed, or another broker speaks: take a snapshot


def step(pid: int, seq: int, topic: str, body: dict[str, Any]) -> Step:
    """The event (`topic`, `body`) against a picture of broker `pid` at state number `seq`."""
    if body.get("pid") != pid:
        return Step.GAP  # another broker (restarted): its numbering starts again
    number = body.get("state_seq")
    if topic != Topic.BROKER_STATE or not isinstance(body.get("state"), dict):
        return Step.SAME  # broker.started, broker.stopping: the next state says the rest
    if not isinstance(number, int) or number <= seq:
        return Step.SAME  # older than the picture
    return Step.NEXT if number == seq + 1 else Step.GAP
