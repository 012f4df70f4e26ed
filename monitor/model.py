"""The monitor's picture of a running system: the broker's last snapshot, kept current.

The monitor asks for a snapshot (docmill.status) when it starts, then follows the `broker.state`
events, each the broker's whole state, published every few seconds and numbered by
`state_seq`. It subscribes to `broker.*` alone: the job events, thousands a second under
load, would cost it (and the machine) CPU for nothing, since the broker already aggregates
them into the statistics every state carries. A missing number is a gap, and an event from
another broker (a restart) is one too: the caller then takes a fresh snapshot.
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
        self.seq = int(snapshot.get("state_seq", 0))

    def apply(self, topic: str, body: dict[str, Any]) -> bool:
        """Take one event; False means a gap: take a snapshot before applying more."""
        if body.get("pid") != self._broker_pid():
            self.gaps += 1
            return False  # another broker (restarted): its numbering starts again
        if topic != "broker.state" or not isinstance(body.get("state"), dict):
            return True
        number = int(body.get("state_seq", 0))
        if number <= self.seq:
            return True  # older than the picture
        if number != self.seq + 1:
            self.gaps += 1
            return False
        self.seq = number
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
