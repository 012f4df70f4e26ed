"""The job process: runs one task at a time for its worker, which watches it from outside.

The worker process (workers/agent.py) owns the broker connection and the heartbeats; the job
runs here, in a child it can kill. So a task stuck in C code that holds the GIL, a runaway loop
or a memory blow-up never silences the heartbeats, and the time and memory limits are enforced
by a process the job cannot stall.
"""

from __future__ import annotations

import functools
import inspect
import logging
import multiprocessing
import os
import socket
import traceback
from multiprocessing.connection import Connection

from docmill.logs import LogTarget, setup_logging
from docmill.protocol import (
    MAX_MESSAGE_BYTES,
    ErrorType,
    ProtocolError,
    error,
    fan_out,
    ok,
    pack,
    unpack_map,
)
from docmill.supervise import describe_exit
from workers.context import JobContext
from workers.errors import FanOut, TaskError
from workers.lifeline import die_with_parent, ignore_interrupts
from workers.tasks import Task, load_tasks

log = logging.getLogger(__name__)

HELLO = b"ready"


@functools.cache
def _signature(fn: Task) -> inspect.Signature:
    return inspect.signature(fn)


def run_task(tasks: dict[str, Task], context: JobContext, data: bytes) -> bytes:
    """One request map in, one packed ok/error map out; never raises. The task is called as
    `task(context, **args)`."""
    try:
        request = unpack_map(data)
    except ProtocolError as exc:
        return pack(error(ErrorType.BAD_REQUEST, str(exc)))
    name, args = request.get("task"), request.get("args") or {}
    fn = tasks.get(name) if isinstance(name, str) else None
    if fn is None:
        return pack(error(ErrorType.UNKNOWN_TASK, f"no task named {name!r} on this worker"))
    if not isinstance(args, dict):
        return pack(error(ErrorType.BAD_REQUEST, "'args' must be a map"))
    try:
        _signature(fn).bind(context, **args)
    except TypeError as exc:
        return pack(error(ErrorType.BAD_REQUEST, f"{name}: {exc}"))
    try:
        result = fn(context, **args)
    except TaskError as exc:
        return pack(error(exc.type, exc.message))
    except FanOut as exc:
        return pack(fan_out(exc.task, exc.parts, **exc.options))
    except Exception as exc:  # the crash barrier: whatever a task raises costs only its job
        log.warning("task %s raised %s", name, type(exc).__name__, exc_info=True)
        return pack(
            error(
                ErrorType.TASK_ERROR,
                f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(limit=20),
            )
        )
    try:
        packed = pack(ok(result))
    except (TypeError, ValueError, OverflowError) as exc:
        return pack(error(ErrorType.TASK_ERROR, f"{name} returned an unserialisable value: {exc}"))
    if len(packed) > MAX_MESSAGE_BYTES - 4096:  # room for the frames around it
        return pack(error(ErrorType.TASK_ERROR, f"{name} returned {len(packed)} bytes, too many"))
    return packed


def executor_main(
    link: socket.socket,
    task_modules: list[str],
    parent_pid: int,
    log: LogTarget,
    context: JobContext,
) -> None:
    """Entry point of the job process; every task it runs is given `context`."""
    die_with_parent(parent_pid)
    ignore_interrupts()
    setup_logging(target=log)
    tasks = load_tasks(task_modules)
    conn = Connection(link.detach())
    conn.send_bytes(HELLO)
    while True:
        try:
            data = conn.recv_bytes(MAX_MESSAGE_BYTES)
        except (EOFError, OSError):
            break  # the worker is gone, or sent something this link does not carry
        if not data:
            break  # an empty message asks us to stop
        conn.send_bytes(run_task(tasks, context, data))
    conn.close()


class Executor:
    """The worker's handle on its job process: start it, send it a job, kill it.

    The two talk over a socket pair, one length-prefixed message each way per job: the job
    process is the worker's own child, so a socket pair needs no endpoint, no folder and no
    ZeroMQ context there, and costs a third of a PAIR socket's CPU per round trip.
    """

    def __init__(
        self, task_modules: list[str], context: JobContext, log: LogTarget | None = None
    ) -> None:
        self.context = context
        self.task_modules = task_modules
        self.log = log or LogTarget()  # the job process's: a file of its own, or stderr
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.ready = False

    def start(self) -> None:
        """Spawn a fresh job process (killing any old one); `ready` turns true at its HELLO."""
        self.stop(grace=0)
        ours, theirs = socket.socketpair()
        ctx = multiprocessing.get_context("spawn")
        self.process = ctx.Process(
            target=executor_main,
            args=(theirs, self.task_modules, os.getpid(), self.log, self.context),
            name="docmill-job",
            daemon=True,
        )
        try:
            self.process.start()  # the child gets its own copy of `theirs`
        finally:
            theirs.close()  # ours gone, its death reads as the end of the link
        self.conn = Connection(ours.detach())
        self.ready = False

    def send(self, data: bytes | memoryview) -> bool:
        """Hand the job process a message; False if it is gone."""
        assert self.conn is not None
        try:
            self.conn.send_bytes(data)
            return True
        except OSError:
            return False

    def receive(self) -> bytes | None:
        """The job process's next message; None if it is gone or broke the link's framing."""
        assert self.conn is not None
        try:
            return self.conn.recv_bytes(MAX_MESSAGE_BYTES)
        except (EOFError, OSError):
            return None

    def connected(self) -> None:
        """The job process said hello: it is ready for a job."""
        self.ready = True

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def sentinel(self) -> int | None:
        return self.process.sentinel if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def exit_reason(self) -> str:
        code = self.process.exitcode if self.process else None
        return describe_exit(code)

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def stop(self, grace: float = 2.0) -> None:
        """Ask the job process to leave, then make sure it has."""
        if self.process is not None:
            alive = self.process.is_alive()
            if grace > 0 and self.conn is not None and self.ready and alive and self.send(b""):
                self.process.join(grace)
            self.kill()
            self.process.close()
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.ready = False
