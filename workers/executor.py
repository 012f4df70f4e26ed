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
import shutil
import signal
import sys
import tempfile
import traceback
from typing import Any

import zmq

from broker.logs import setup_logging
from broker.protocol import (
    MAX_MESSAGE_BYTES,
    ErrorType,
    ProtocolError,
    error,
    fan_out,
    ok,
    pack,
    unpack_map,
)
from workers.errors import FanOut, TaskError
from workers.lifeline import die_with_parent, ignore_interrupts
from workers.tasks import Task, load_tasks

log = logging.getLogger(__name__)

HELLO = b"ready"


@functools.cache
def _signature(fn: Task) -> inspect.Signature:
    return inspect.signature(fn)


def run_task(tasks: dict[str, Task], data: bytes) -> bytes:
    """One request map in, one packed ok/error map out; never raises."""
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
        _signature(fn).bind(**args)
    except TypeError as exc:
        return pack(error(ErrorType.BAD_REQUEST, f"{name}: {exc}"))
    try:
        result = fn(**args)
    except TaskError as exc:
        return pack(error(exc.type, exc.message))
    except FanOut as exc:
        return pack(fan_out(exc.task, exc.parts))
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
    endpoint: str, task_modules: list[str], parent_pid: int, log_level: str, env: dict[str, str]
) -> None:
    """Entry point of the job process; `env` is what its tasks find in os.environ."""
    die_with_parent(parent_pid)
    os.environ.update(env)
    ignore_interrupts()
    setup_logging(log_level)
    tasks = load_tasks(task_modules)
    context = zmq.Context()
    sock = context.socket(zmq.PAIR)
    sock.setsockopt(zmq.LINGER, 1000)
    sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    sock.connect(endpoint)
    sock.send(HELLO)
    while True:
        data = sock.recv()
        if not data:
            break  # an empty frame asks us to stop
        sock.send(run_task(tasks, data))
    sock.close()
    context.term()


class Executor:
    """The worker's handle on its job process: start it, send it a job, kill it."""

    def __init__(
        self,
        context: zmq.Context[Any],
        task_modules: list[str],
        log_level: str = "INFO",
        env: dict[str, str] | None = None,
    ) -> None:
        self.context = context
        self.env = env or {}
        self.task_modules = task_modules
        self.log_level = log_level
        self.process: multiprocessing.process.BaseProcess | None = None
        self.socket: zmq.Socket[bytes] | None = None
        self.ready = False
        self._dir: str | None = None

    def start(self) -> None:
        """Spawn a fresh job process (killing any old one); `ready` turns true at its HELLO."""
        self.stop(grace=0)
        self.socket = self.context.socket(zmq.PAIR)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if sys.platform == "win32":
            self.socket.bind("tcp://127.0.0.1:*")
        else:
            # A private folder: nobody else can connect to the job process's endpoint.
            self._dir = tempfile.mkdtemp(prefix="docmill-job-")
            self.socket.bind(f"ipc://{self._dir}/job.sock")
        endpoint = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)
        ctx = multiprocessing.get_context("spawn")
        self.process = ctx.Process(
            target=executor_main,
            args=(endpoint, self.task_modules, os.getpid(), self.log_level, self.env),
            name="docmill-job",
            daemon=True,
        )
        self.process.start()
        self.ready = False

    def connected(self) -> None:
        """The job process said hello: it is ready, and its endpoint's folder can go.

        An ipc connection lives on without its socket file; removing the folder now means a
        worker killed later leaves nothing behind in the temporary folder.
        """
        self.ready = True
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

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
            if grace > 0 and self.socket is not None and self.ready and self.process.is_alive():
                try:
                    self.socket.send(b"", zmq.NOBLOCK)
                    self.process.join(grace)
                except zmq.ZMQError:
                    pass
            self.kill()
            self.process.close()
            self.process = None
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self.ready = False


def describe_exit(code: int | None) -> str:
    """A person's words for a process exit code (negative: killed by that signal)."""
    if code is None:
        return "is still running"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"
