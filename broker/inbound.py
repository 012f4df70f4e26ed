"""One message from the ROUTER, read and handed to its side: a client's (client_side.py) or a
worker's (worker_side.py). The broker's loop and the test harness (tests/stepping.py) both
come in here, so both run the same handlers on the same job flow."""

from __future__ import annotations

from broker import client_side, worker_side
from broker.client_side import Ack
from broker.flow import JobFlow
from docmill.protocol import ClientRequest, parse_router


def handle(flow: JobFlow, frames: list[bytes]) -> Ack | None:
    """Raises ProtocolError for a malformed message (dropped and counted by the caller); a
    command's reply comes back, to be sent once the pass has committed."""
    msg = parse_router(frames)
    if isinstance(msg, ClientRequest):
        return client_side.handle(flow, msg)
    worker_side.handle(flow, msg)
    return None
