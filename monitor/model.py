"""The monitor's picture of a running system: the broker's last snapshot, kept current.

The monitor asks for a snapshot (docmill.status) when it starts, then follows the `broker.state`
events, each the broker's whole state, published every few seconds and numbered by
`state_seq`, as docmill/follow.py reads them: on a gap, or an event from another broker (a
restart), the caller takes a fresh snapshot.

A state whose values do not have the protocol's types is refused: the picture stays as it
was, and the view says why, rather than the monitor failing on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from docmill.follow import Step, step
from docmill.protocol import ProtocolError
from docmill.status import Failure, Latency, Snapshot, Throughput, decode_snapshot


class Stats(TypedDict):
    """The broker's metrics without the spark line and the failures, which the view shows apart."""

    throughput_per_min: Throughput
    latency: dict[str, Latency]
    ended: dict[str, int]
    errors: dict[str, int]


class View(Snapshot):
    """Everything `docmill monitor --once --json` prints, and the live view draws."""

    spark: list[int]
    failures: list[Failure]
    stats: Stats
    refused: str | None  # why the last snapshot was refused, if it was


@dataclass
class Model:
    state: Snapshot = field(default_factory=lambda: decode_snapshot({}))
    seq: int = 0
    gaps: int = 0
    refused: str | None = None

    def load(self, snapshot: Snapshot) -> None:
        self.state = snapshot
        self.seq = snapshot["state_seq"]
        self.refused = None

    def refuse(self, error: ProtocolError) -> None:
        """A snapshot that could not be read: keep the picture, and say why."""
        self.refused = str(error)

    def apply(self, topic: str, body: dict[str, Any]) -> bool:
        """Take one event; False means a gap: take a snapshot before applying more."""
        found = step(self.state["broker"]["pid"], self.seq, topic, body)
        if found is Step.GAP:
            self.gaps += 1
            return False
        if found is Step.SAME:
            return True
        self.seq = body["state_seq"]
        try:
            self.state = decode_snapshot(body["state"])
        except ProtocolError as exc:
            self.refuse(exc)
        else:
            self.refused = None
        return True

    def view(self) -> View:
        metrics = self.state["metrics"]
        return {
            **self.state,
            "seq": self.seq,
            "spark": metrics["spark"],
            "failures": metrics["failures"],
            "stats": {
                "throughput_per_min": metrics["throughput_per_min"],
                "latency": metrics["latency"],
                "ended": metrics["ended"],
                "errors": metrics["errors"],
            },
            "refused": self.refused,
        }
