"""The types every notifier shares. Kept apart from the registry so that channel modules can
import them without importing each other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx


class ChannelKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    APPRISE = "apprise"


class NotifierError(Exception):
    """A delivery failed. `permanent` means retrying the same delivery cannot succeed."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str | None
    payload: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True)
class Delivery:
    kind: ChannelKind
    target: str
    message: Message
    secret: str | None = None


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    security: Literal["none", "starttls", "ssl"] = "none"
    sender: str = "cronbeat@localhost"
    timeout: float = 10.0


@dataclass(frozen=True)
class NotifyConfig:
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    http_timeout: float = 10.0
    # A client shared by the webhooks of one batch (its connections are reused); None: each
    # webhook makes its own. See `webhook.new_client`.
    http: httpx.AsyncClient | None = None


Sender = Callable[[Delivery, NotifyConfig], Awaitable[None]]
Validator = Callable[[str], str]
