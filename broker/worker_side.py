"""The broker's side of its workers (MDP/0.1 worker commands): READY registers a worker, REPLY
settles its job, HEARTBEAT keeps it alive both ways, DISCONNECT (or silence) removes it.

These handlers read the message and tell the job flow (flow.py) what happened. A worker that
leaves, in whatever way, gives its job back: the job ends with a retryable `worker_died` error,
and the state machine puts it back in line.
"""

from __future__ import annotations

import logging
from typing import Any

from broker.flow import JobFlow
from broker.records import Worker
from docmill.protocol import (
    COMMAND_PREFIX,
    MMI_PREFIX,
    ErrorType,
    ProtocolError,
    WorkerCommand,
    WorkerMessage,
    error,
    ok,
    parse_reply,
    to_worker,
    unpack,
)

log = logging.getLogger(__name__)

_MAX_NAME = 256  # characters of a worker's name in READY metadata


def handle(flow: JobFlow, msg: WorkerMessage) -> None:
    """One message from a worker."""
    worker = flow.registry.workers.get(msg.sender)
    if msg.command is WorkerCommand.READY:
        if worker is not None:
            # RFC 7: a second READY is a valid but unexpected command.
            flow.remove_worker(worker, "sent READY twice", disconnect=True)
            return
        _register(flow, msg)
    elif worker is None:
        if msg.command is not WorkerCommand.DISCONNECT:
            flow.send(to_worker(msg.sender, WorkerCommand.DISCONNECT))
    elif msg.command is WorkerCommand.REPLY:
        flow.registry.touch(worker)
        _reply(flow, worker, msg)
    elif msg.command is WorkerCommand.HEARTBEAT:
        flow.registry.touch(worker)
    elif msg.command is WorkerCommand.DISCONNECT:
        flow.remove_worker(worker, "disconnected")
    else:
        flow.remove_worker(worker, f"sent {msg.command.name}", disconnect=True)


def _register(flow: JobFlow, msg: WorkerMessage) -> None:
    service = msg.service.decode(errors="replace")
    meta: dict[str, Any] = {}
    if msg.body:
        decoded = unpack(msg.body[0])
        if not isinstance(decoded, dict):
            raise ProtocolError("READY metadata is not a map")
        meta = decoded
    queues = meta.get("queues", [])
    if not isinstance(queues, list) or not all(isinstance(q, str) and q for q in queues):
        raise ProtocolError("READY metadata 'queues' must be a list of queue names")
    names = [service] + [q for q in meta.get("queues", []) if isinstance(q, str) and q != service]
    if any(n.encode().startswith((MMI_PREFIX, COMMAND_PREFIX)) for n in names):
        # RFC 8: workers may not register in the broker's own namespaces.
        flow.send(to_worker(msg.sender, WorkerCommand.DISCONNECT))
        return
    label, pool = meta.get("name"), meta.get("pool")
    worker = Worker(
        identity=msg.sender,
        services=names,
        native=bool(msg.body),
        pid=meta.get("pid") if isinstance(meta.get("pid"), int) else None,
        host=meta.get("host") if isinstance(meta.get("host"), str) else None,
        label=label if isinstance(label, str) and 0 < len(label) <= _MAX_NAME else None,
        pool=pool if isinstance(pool, str) and pool else None,
    )
    flow.add_worker(worker)


def _reply(flow: JobFlow, worker: Worker, msg: WorkerMessage) -> None:
    job_id = msg.job_id.decode(errors="replace")
    held = flow.registry.job_of(worker)
    if held is None or held.id != job_id:
        log.warning("worker %s replied for job %s it does not hold", worker.name, job_id)
        return
    frames: list[bytes] | None = list(msg.body)
    try:
        outcome = parse_reply(msg.body) if worker.native else ok(list(msg.body))
    except ProtocolError as exc:
        flow.note_malformed()
        frames = None  # a synchronous caller gets our error map, not the garbled reply
        outcome = error(ErrorType.TASK_ERROR, f"worker {worker.name} sent a malformed reply: {exc}")
    flow.replied(worker, outcome, frames)
