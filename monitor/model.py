"""The monitor's picture of a running system: the broker's last snapshot, kept current.

A snapshot (docmill.status) carries the stream position (`seq`) it matches; the broker also
publishes its whole state as a `broker.state` event every few seconds. Events numbered at or
below the picture's position are already in it; the next one must be `seq + 1`. Anything else
is a gap (the monitor fell behind, or the broker restarted), and the caller takes a fresh
snapshot. Statistics (throughput, latency, failures) are kept by the broker and come with
every snapshot, so a restarted monitor shows them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Model:
    state: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    gaps: int = 0

    def load(self, snapshot: dict[str, Any]) -> None:
        self.state = snapshot
        self.seq = int(snapshot.get("seq", 0))

    def apply(self, topic: str, body: dict[str, Any]) -> bool:
        """Take one event; False means a gap: take a snapshot before applying more."""
        seq = int(body.get("seq", 0))
        if body.get("pid") != self._broker_pid():
            self.gaps += 1
            return False  # another broker (restarted): its numbering starts again
        if seq <= self.seq:
            return True  # already in the picture
        if seq != self.seq + 1:
            self.gaps += 1
            return False
        self.seq = seq
        if topic == "broker.state" and isinstance(body.get("state"), dict):
            self.state = body["state"]
        return True

    def _broker_pid(self) -> Any:
        return self.state.get("broker", {}).get("pid")

    def view(self) -> dict[str, Any]:
        """Everything `docmill monitor --once --json` prints, and the live view draws."""
        metrics = self.state.get("metrics", {})
        return {
            **self.state,
            "seq": self.seq,
            "spark": metrics.get("spark", []),
            "failures": metrics.get("failures", []),
            "stats": {k: v for k, v in metrics.items() if k not in ("spark", "failures")},
        }
