"""Apprise notifier: any of the services apprise knows, through one URL."""

from __future__ import annotations

import asyncio
import logging

import apprise

from cronbeat.notifiers.base import Delivery, NotifierError, NotifyConfig

_REASON_CHARS = 500


def validate(target: str) -> str:
    url = target.strip()
    if not url or any(ch.isspace() for ch in url):
        # apprise splits a string on spaces and commas and quietly drops what it cannot parse.
        raise ValueError("an apprise URL cannot be empty or contain spaces or line breaks")
    _load(url)
    return url


async def send(delivery: Delivery, config: NotifyConfig) -> None:
    try:
        service = _load(validate(delivery.target))
    except ValueError as exc:
        raise NotifierError(str(exc), permanent=True) from exc
    message = delivery.message
    result = await asyncio.to_thread(
        service.notify, body=message.text, title=message.subject, timeout=config.http_timeout
    )
    if result:
        return
    # The per-call log of the result, not a LogCapture: that one listens to the shared
    # "apprise" logger and would mix in the warnings of deliveries running alongside.
    reason = "; ".join(dict.fromkeys(entry.message for entry in result.logs()))
    reason = reason[:_REASON_CHARS] or "no reason given"
    if not result.results:
        # No service was even tried: apprise refused the message itself (e.g. it is empty).
        raise NotifierError(f"apprise could not prepare the message: {reason}", permanent=True)
    raise NotifierError(
        f"apprise could not deliver ({result.status.name.lower()}): {reason}", permanent=False
    )


def _load(url: str) -> apprise.Apprise:
    service = apprise.Apprise()
    capture = apprise.LogCapture(  # type: ignore[no-untyped-call]
        level=logging.WARNING, fmt="%(message)s"
    )
    with capture as captured:
        added = service.add(url)
    if not added:
        why = "; ".join(line for line in captured.getvalue().splitlines() if line)
        raise ValueError(f"apprise does not understand this URL ({why or 'no reason given'})")
    if len(service) != 1:
        raise ValueError("an apprise target must be exactly one URL")
    return service
