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
    when all have succeeded runs this job again with its args plus `into` (default `parts`):
    the children's results, in order. A failed part fails the job with that part's error,
    unless `partial`: then its place in the results holds `{"error": {type, message}}`. The
    parts go to `queue` with the time limit `timeout` (default: the job's own). Only a job
    run by a worker can fan out; code that calls a task directly never asks for it.
    """

    def __init__(
        self,
        task: str,
        parts: list[dict[str, Any]],
        *,
        queue: str | None = None,
        into: str | None = None,
        timeout: float | None = None,
        partial: bool | None = None,
    ) -> None:
        super().__init__(f"{len(parts)} parts of {task}")
        self.task = task
        self.parts = parts
        given = {"queue": queue, "into": into, "timeout": timeout, "partial": partial}
        # Only what was given goes on the wire: a plain fan-out stays as it always was.
        self.options = {key: value for key, value in given.items() if value is not None}
