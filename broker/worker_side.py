"""The broker's side of its workers (MDP/0.1 worker commands): READY registers a worker, REPLY
settles its job, HEARTBEAT keeps it alive both ways, DISCONNECT (or silence) removes it.

A worker that leaves, in whatever way, gives its job back: the job ends with a retryable
`worker_died` error, and the state machine (lifecycle.py) puts it back in line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from broker import commands
from broker.records import Worker
from docmill.protocol import (
    MMI_PREFIX,
    ErrorType,
    JobStatus,
    ProtocolError,
    Topic,
    WorkerCommand,
    WorkerMessage,
    error,
    ok,
    parse_reply,
    to_worker,
    unpack,
)

if TYPE_CHECKING:
    from broker.broker import Broker

log = logging.getLogger(__name__)

_MAX_NAME = 256  # characters of a worker's name in READY metadata


def handle(broker: Broker, msg: WorkerMessage) -> None:
    """One message from a worker."""
    worker = broker.workers.get(msg.sender)
    if msg.command is WorkerCommand.READY:
        if worker is not None:
            # RFC 7: a second READY is a valid but unexpected command.
            remove(broker, worker, "sent READY twice", disconnect=True)
            return
        _register(broker, msg)
    elif worker is None:
        if msg.command is not WorkerCommand.DISCONNECT:
            broker.send(to_worker(msg.sender, WorkerCommand.DISCONNECT))
    elif msg.command is WorkerCommand.REPLY:
        broker.registry.touch(worker)
        _reply(broker, worker, msg)
    elif msg.command is WorkerCommand.HEARTBEAT:
        broker.registry.touch(worker)
    elif msg.command is WorkerCommand.DISCONNECT:
        remove(broker, worker, "disconnected")
    else:
        remove(broker, worker, f"sent {msg.command.name}", disconnect=True)


def _register(broker: Broker, msg: WorkerMessage) -> None:
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
    if any(n.encode().startswith((MMI_PREFIX, commands.PREFIX)) for n in names):
        # RFC 8: workers may not register in the broker's own namespaces.
        broker.send(to_worker(msg.sender, WorkerCommand.DISCONNECT))
        return
    label = meta.get("name")
    worker = Worker(
        identity=msg.sender,
        services=names,
        expiry=0.0,
        native=bool(msg.body),
        pid=meta.get("pid") if isinstance(meta.get("pid"), int) else None,
        host=meta.get("host") if isinstance(meta.get("host"), str) else None,
        label=label if isinstance(label, str) and 0 < len(label) <= _MAX_NAME else None,
        pool=pool if isinstance(pool := meta.get("pool"), str) and pool else None,
    )
    if worker.label and (earlier := broker.registry.by_name(worker.label)) is not None:
        # The same worker on a new connection: it gave up the old one, and the job it held.
        remove(broker, earlier, "reconnected")
    broker.registry.add(worker)
    log.info("worker %s ready for %s", worker.name, ", ".join(names))
    broker.events.publish(
        Topic.WORKER_READY, worker=worker.name, worker_pid=worker.pid, queues=names
    )
    broker.registry.idle(worker)


def _reply(broker: Broker, worker: Worker, msg: WorkerMessage) -> None:
    job_id = msg.job_id.decode(errors="replace")
    if worker.job != job_id:
        log.warning("worker %s replied for job %s it does not hold", worker.name, job_id)
        return
    worker.job = None
    worker.jobs_done += 1
    frames: list[bytes] | None = list(msg.body)
    try:
        outcome = parse_reply(msg.body) if worker.native else ok(list(msg.body))
    except ProtocolError as exc:
        broker.malformed += 1
        frames = None  # a synchronous caller gets our error map, not the garbled reply
        outcome = error(ErrorType.TASK_ERROR, f"worker {worker.name} sent a malformed reply: {exc}")
    job = broker.store.get(job_id)
    if job is not None and job.status is JobStatus.RUNNING:
        broker.finish(job, outcome, frames=frames)
    broker.registry.idle(worker)


def remove(
    broker: Broker, worker: Worker, reason: str, *, disconnect: bool = False, dead: bool = False
) -> str | None:
    """Forget a worker; the job it held goes back to its queue. Returns that job's id.

    `dead`: the broker found it dead itself (silent, unreachable), so the rest of its pool
    is suspect until heard from; one death is charged to its job once, not once per worker.
    """
    if not broker.registry.forget(worker):
        return None
    if dead and (peers := broker.registry.suspect_pool(worker)):
        log.info("%d other worker(s) of pool %s suspect until heard from", len(peers), worker.pool)
    if disconnect:
        broker.send(to_worker(worker.identity, WorkerCommand.DISCONNECT))
    held = worker.job
    worker.job = None
    log.info("worker %s gone (%s)%s", worker.name, reason, f", held job {held}" if held else "")
    broker.events.publish(
        Topic.WORKER_GONE, worker=worker.name, worker_pid=worker.pid, reason=reason, job=held
    )
    if held:
        job = broker.store.get(held)
        if job is not None and job.status is JobStatus.RUNNING:
            broker.finish(job, error(ErrorType.WORKER_DIED, f"worker {worker.name} {reason}"))
    return held


def heartbeat(broker: Broker, now: float) -> None:
    """Send each worker its heartbeat when one is due; remove those that have gone silent."""
    if now >= broker.next_heartbeat:
        for worker in list(broker.workers.values()):
            broker.send(to_worker(worker.identity, WorkerCommand.HEARTBEAT))
        broker.next_heartbeat = now + broker.settings.heartbeat_interval
    for worker in broker.registry.expired(now):
        remove(broker, worker, "missed heartbeats", dead=True)
