"""Webhook notifier: one signed JSON POST per delivery."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import ssl
from urllib.parse import urlsplit

import certifi
import httpx

from cronbeat import __version__
from cronbeat.clock import SystemClock
from cronbeat.notifiers.base import Delivery, NotifierError, NotifyConfig

_SNIPPET_CHARS = 200
_RETRYABLE = {408, 429}


def validate(target: str) -> str:
    url = target.strip()
    if not url or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError("a webhook URL cannot be empty or contain spaces or line breaks")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("a webhook URL must start with http:// or https://")
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"the webhook URL has a bad port: {exc}") from exc
    if not parts.hostname:
        raise ValueError("a webhook URL must name a host")
    return url


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Cronbeat-Signature value: `sha256=` and the HMAC of `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver runs. It should also refuse timestamps older than a few minutes."""
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


async def send(delivery: Delivery, config: NotifyConfig) -> None:
    try:
        url = validate(delivery.target)
    except ValueError as exc:
        raise NotifierError(f"bad webhook URL: {exc}", permanent=True) from exc
    try:
        body = json.dumps(delivery.message.payload, separators=(",", ":")).encode()
    except (TypeError, ValueError) as exc:
        raise NotifierError(f"webhook payload is not JSON: {exc}", permanent=True) from exc
    headers = _headers(delivery, body)
    where = _where(url)
    try:
        async with contextlib.AsyncExitStack() as stack:
            client = config.http
            if client is None:
                client = await stack.enter_async_context(new_client(config.http_timeout))
            response = await stack.enter_async_context(
                client.stream("POST", url, content=body, headers=headers))
            client.cookies.clear()  # a shared client must not carry one receiver's cookies
            if response.is_success:
                return
            snippet = await _snippet(response)
    except httpx.TimeoutException as exc:
        raise NotifierError(
            f"webhook {where} did not answer within {config.http_timeout:g} s", permanent=False
        ) from exc
    except httpx.TransportError as exc:
        raise NotifierError(
            f"webhook {where} could not be reached: {type(exc).__name__}: {exc}", permanent=False
        ) from exc
    raise _refusal(where, response, snippet)


def new_client(timeout: float, connections: int = 10) -> httpx.AsyncClient:
    """An HTTP client for webhooks: no redirects followed, the CA bundle of certifi."""
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=_tls(),
                             limits=httpx.Limits(max_connections=connections))


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    key = delivery.message.idempotency_key
    timestamp = str(int(SystemClock().now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"cronbeat/{__version__}",
        "Idempotency-Key": key,
        "X-Cronbeat-Delivery": key,
        "X-Cronbeat-Timestamp": timestamp,
    }
    if delivery.secret:
        headers["X-Cronbeat-Signature"] = sign(delivery.secret, timestamp, body)
    return headers


def _where(url: str) -> str:
    # Only scheme, host and port: paths and query strings of webhook URLs often hold tokens.
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


async def _snippet(response: httpx.Response) -> str:
    # Read only the start of the body: an error page can be large, or never end.
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= _SNIPPET_CHARS * 4:
            break
    return data.decode(errors="replace")[:_SNIPPET_CHARS]


def _refusal(where: str, response: httpx.Response, snippet: str) -> NotifierError:
    status = response.status_code
    transient = status >= 500 or status in _RETRYABLE
    answer = f"webhook {where} answered {status} {response.reason_phrase}"
    if response.is_redirect:
        answer += f" to {response.headers.get('location', '?')} (redirects are not followed)"
    return NotifierError(f"{answer}: {snippet!r}", permanent=not transient)


@functools.cache
def _tls() -> ssl.SSLContext:
    """Loading the CA bundle costs ~50 ms: do it once, not for every webhook sent."""
    return ssl.create_default_context(cafile=certifi.where())
