"""The one exception a task raises to fail its job with a typed, person-readable error."""

from __future__ import annotations

from broker.protocol import ErrorType


class TaskError(Exception):
    """Fail the current job with `type` (see ErrorType) and a message a person understands."""

    def __init__(self, type: ErrorType, message: str) -> None:
        super().__init__(message)
        self.type = ErrorType(type)
        self.message = message
