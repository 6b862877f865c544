"""Domain errors. The HTTP and CLI layers turn them into answers; nothing else raises HTTP."""

from __future__ import annotations


class CronbeatError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CronbeatError):
    """The thing does not exist, or belongs to another team (the two look the same)."""


class Conflict(CronbeatError):
    """The request is well formed but the thing is not in a state that allows it."""


class Invalid(CronbeatError):
    """An input value is wrong; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
