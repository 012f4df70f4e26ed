"""The broker's side of its clients: MMI queries (RFC 8), docmill.* commands (commands.py), and
plain MDP requests, each of which becomes a job like any other whose reply goes to its caller."""

from __future__ import annotations

from typing import Any

from broker import commands
from broker.flow import JobFlow
from broker.jobs import Job, new_job_id
from docmill.protocol import (
    COMMAND_PREFIX,
    MMI_FOUND,
    MMI_NOT_FOUND,
    MMI_NOT_IMPLEMENTED,
    MMI_PREFIX,
    MMI_SERVICE,
    ClientRequest,
    ProtocolError,
    client_reply,
    unpack,
)

# A command's reply, held until the pass has committed: (client, service, reply, new job ids).
Ack = tuple[bytes, bytes, dict[str, Any], set[str]]


def handle(flow: JobFlow, req: ClientRequest) -> Ack | None:
    """One client request; a command's reply comes back, to be sent after the commit."""
    if req.service.startswith(MMI_PREFIX):
        flow.send(client_reply(req.sender, req.service, [_mmi(flow, req)]))
    elif req.service.startswith(COMMAND_PREFIX):
        flow.store.take_new()  # anything added outside a command is no one's to refuse
        reply = commands.dispatch(flow, req)
        if reply is not None:
            return (req.sender, req.service, reply, flow.store.take_new())
    else:
        _call(flow, req)
    return None


def _mmi(flow: JobFlow, req: ClientRequest) -> bytes:
    if req.service != MMI_SERVICE:
        return MMI_NOT_IMPLEMENTED
    name = req.body[0].decode(errors="replace") if req.body else ""
    return MMI_FOUND if flow.registry.serving(name) else MMI_NOT_FOUND


def _call(flow: JobFlow, req: ClientRequest) -> None:
    """A plain MDP request: a job like any other, whose reply goes back to the caller."""
    name = req.service.decode(errors="replace")
    task = ""
    if len(req.body) == 1:
        try:
            decoded = unpack(req.body[0])
            if isinstance(decoded, dict) and isinstance(decoded.get("task"), str):
                task = decoded["task"]
        except ProtocolError:
            pass  # opaque body: fine for a plain MDP worker
    job = Job(
        id=new_job_id(),
        task=task,
        queue=name,
        body=list(req.body),
        reply_to=req.sender,
        created=flow.clock.time(),
    )
    flow.jobs.accept(job)
