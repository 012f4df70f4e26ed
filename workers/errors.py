"""What a task raises instead of returning: a typed failure, or its work handed back in parts."""

from __future__ import annotations

from typing import Any

from docmill.protocol import ErrorType


class TaskError(Exception):
    """Fail the current job with `type` (see ErrorType) and a message a person understands."""

    def __init__(self, type: ErrorType, message: str) -> None:
        super().__init__(message)
        self.type = ErrorType(type)
        self.message = message


class FanOut(Exception):
    """Hand the job back to the broker in parts, instead of a result.

    The broker runs `task` once per map in `parts`, as child jobs that any worker may take, and
    when all have succeeded runs this job again with its args plus `parts`: the children's
    results, in order. A failed part fails the job with that part's error. Only a job run by
    a worker can fan out; code that calls a task directly never asks for it.
    """

    def __init__(self, task: str, parts: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(parts)} parts of {task}")
        self.task = task
        self.parts = parts
