"""Notifiers: one module per channel kind, registered here in plain dicts."""

from __future__ import annotations

from cronbeat.notifiers import apprise_, email, webhook
from cronbeat.notifiers.base import (
    ChannelKind,
    Delivery,
    Message,
    NotifierError,
    NotifyConfig,
    Sender,
    SmtpConfig,
    Validator,
)

__all__ = [
    "NOTIFIERS",
    "ChannelKind",
    "Delivery",
    "Message",
    "NotifierError",
    "NotifyConfig",
    "Sender",
    "SmtpConfig",
    "deliver",
    "validate_target",
]

NOTIFIERS: dict[ChannelKind, Sender] = {
    ChannelKind.EMAIL: email.send,
    ChannelKind.WEBHOOK: webhook.send,
    ChannelKind.APPRISE: apprise_.send,
}

_VALIDATORS: dict[ChannelKind, Validator] = {
    ChannelKind.EMAIL: email.validate,
    ChannelKind.WEBHOOK: webhook.validate,
    ChannelKind.APPRISE: apprise_.validate,
}


async def deliver(delivery: Delivery, config: NotifyConfig) -> None:
    """Send one delivery. Every failure comes out as NotifierError; a surprise is treated as
    transient so that the outbox retries it rather than dropping an alert."""
    try:
        await NOTIFIERS[delivery.kind](delivery, config)
    except NotifierError:
        raise
    except Exception as exc:
        raise NotifierError(
            f"{delivery.kind} delivery failed unexpectedly: {type(exc).__name__}: {exc}",
            permanent=False,
        ) from exc


def validate_target(kind: ChannelKind, target: str) -> str:
    """The normalised target, or ValueError with a message fit to show to the user."""
    return _VALIDATORS[ChannelKind(kind)](target)
