"""Run one function on many inputs in a child process that a crash or a hang costs one input.

    runner = Isolated("bench.fidelity:docmill_text")
    result = runner.run(path, timeout=60)   # the function's return value, or {"error": (...)}

The child is spawned on first use and reused; when it dies or does not answer within the
timeout it is killed, the input gets an `{"error": (kind, message)}` answer, and the next input
starts a fresh child. The child's stderr goes to /dev/null: parsers print repair notes there.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any


def _child(conn: Connection, target: str) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    module, name = target.split(":")
    function = getattr(importlib.import_module(module), name)
    while (argument := conn.recv()) is not None:
        conn.send(function(argument))


class Isolated:
    def __init__(self, target: str) -> None:
        self.target = target
        self.context = multiprocessing.get_context("spawn")
        self.proc: Any = None
        self.conn: Connection | None = None

    def run(self, argument: Any, timeout: float) -> Any:
        if self.proc is None or self.conn is None:
            self.conn, theirs = self.context.Pipe()
            self.proc = self.context.Process(target=_child, args=(theirs, self.target), daemon=True)
            self.proc.start()
            theirs.close()
        self.conn.send(argument)
        try:
            if self.conn.poll(timeout):
                return self.conn.recv()
            failure = ("timeout", f"no answer in {timeout:g} s")
        except (EOFError, ConnectionResetError):
            self.proc.join(5)
            failure = ("crashed", f"child exit code {self.proc.exitcode}")
        self.stop()
        return {"error": failure}

    def stop(self) -> None:
        if self.proc is not None and self.conn is not None:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)
            self.conn.close()
        self.proc = self.conn = None
