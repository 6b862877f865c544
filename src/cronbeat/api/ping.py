"""The ping endpoint: the hot path. A plain Starlette route with no dependency injection or
model validation; it parses the URL, reads at most `max_body` bytes, and hands the ping to
the group-commit writer, answering only once the ping is committed.

The healthchecks.io URL family is the same endpoint: `/ping/<token>[/<action>]` (a heartbeat
made with its old UUID as token keeps its URL) and `/ping/<ping-key>/<slug>[/<action>]`.
`/ping/<a>/<b>` is read as healthchecks reads it: token and action when <b> is an action,
ping key and slug otherwise."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cronbeat.api.context import Context
from cronbeat.enums import PingKind
from cronbeat.ping_writer import WriterUnavailable
from cronbeat.services.pings import PingIn
from cronbeat.tokens import looks_like_slug, looks_like_token

RID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
ACTIONS = {"start": PingKind.START, "fail": PingKind.FAIL, "log": PingKind.LOG,
           "success": PingKind.SUCCESS}
METHODS = ["GET", "POST", "HEAD"]


class BadPing(ValueError):
    pass


def parse_action(action: str | None) -> tuple[PingKind, int | None]:
    if action is None:
        return PingKind.SUCCESS, None
    if action in ACTIONS:
        return ACTIONS[action], None
    # isascii: "¹" and "٣" are digits to str.isdigit too, and int() refuses the first.
    if action.isascii() and action.isdigit() and len(action) <= 3 and int(action) <= 255:
        code = int(action)
        return (PingKind.SUCCESS if code == 0 else PingKind.FAIL), code
    raise BadPing(f"unknown ping action {action[:40]!r}: use start, fail, log, or an exit code "
                  "from 0 to 255")


async def read_body(request: Request, limit: int) -> tuple[bytes, int]:
    """Keep the first `limit` bytes and count the rest without holding it."""
    kept = bytearray()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        room = limit - len(kept)
        if room > 0:
            kept += chunk[:room]
    return bytes(kept), size


def is_action(word: str) -> bool:
    try:
        parse_action(word)
    except BadPing:
        return False
    return True


def _target(params: dict[str, str]) -> tuple[str | None, tuple[str, str] | None, str | None]:
    """(token, (ping key, slug), action) from whichever route matched."""
    if "second" in params:  # /ping/<a>/<b>: token and action, or ping key and slug
        first, second = params["first"], params["second"]
        return (first, None, second) if is_action(second) else (None, (first, second), None)
    if "slug" in params:
        return None, (params["ping_key"], params["slug"]), params.get("action")
    return params["token"], None, params.get("action")


async def ping(request: Request) -> Response:
    context: Context = request.app.state.context
    token, slug, action = _target(request.path_params)
    create = slug is not None and request.query_params.get("create") == "1"
    try:
        kind, exit_code = parse_action(action)
        rid = request.query_params.get("rid")
        if rid is not None and not RID.match(rid):
            raise BadPing("rid must be 1 to 64 letters, digits, '.', '_', ':' or '-' "
                          "(a UUID is best)")
        if slug is not None and create and not looks_like_slug(slug[1]):
            raise BadPing("a slug is 1 to 100 lowercase letters, digits and '-'")
    except BadPing as exc:
        return PlainTextResponse(str(exc), status_code=400, headers=HEADERS)
    if not _well_formed(token, slug):
        return _not_found(slug is not None)
    if context.ping_limiter is not None:
        # Before the body is read or the writer is asked: a flood on one URL costs little
        # and never queues ahead of the pings of other URLs.
        wait = context.ping_limiter.take(token or "/".join(slug or ()), context.clock.now())
        if wait:
            return PlainTextResponse(
                f"too many pings for this URL; retry in {wait} s\n", status_code=429,
                headers={**HEADERS, "Retry-After": str(wait)})
    body, size = await read_body(request, context.settings.max_body)
    user_agent = request.headers.get("user-agent")
    received = PingIn(
        token=token, slug=slug, create=create, kind=kind, received_at=context.clock.now(),
        exit_code=exit_code, rid=rid,
        body=body, body_size=size, truncated=size > len(body), method=request.method,
        source_ip=request.client.host if request.client else None,
        user_agent=None if user_agent is None else user_agent[:300],
    )
    try:
        found = await context.writer.submit(received)
    except WriterUnavailable:
        return PlainTextResponse("the ping could not be stored right now; retry\n",
                                 status_code=503, headers={**HEADERS, "Retry-After": "1"})
    if not found:
        return _not_found(slug is not None)
    return PlainTextResponse("OK\n", headers=HEADERS)


def _well_formed(token: str | None, slug: tuple[str, str] | None) -> bool:
    if slug is None:
        return token is not None and looks_like_token(token)
    return looks_like_token(slug[0]) and looks_like_slug(slug[1])  # ping keys look like tokens


def _not_found(by_slug: bool) -> Response:
    text = ("no heartbeat has this slug for this ping key\n" if by_slug
            else "no heartbeat has this token\n")
    return PlainTextResponse(text, status_code=404, headers=HEADERS)


routes = [
    Route("/api/v1/heartbeat/{token}", ping, methods=METHODS),
    Route("/api/v1/heartbeat/{token}/{action}", ping, methods=METHODS),
    Route("/ping/{token}", ping, methods=METHODS),
    Route("/ping/{first}/{second}", ping, methods=METHODS),
    Route("/ping/{ping_key}/{slug}/{action}", ping, methods=METHODS),
]


def document(schema: dict[str, Any]) -> None:
    """Describe the ping URLs in the OpenAPI schema: they are plain routes, outside FastAPI."""
    text = {"text/plain": {"schema": {"type": "string"}}}
    answers = {
        "200": {"description": "The ping is committed to the database", "content": text},
        "400": {"description": "Unknown action or malformed rid", "content": text},
        "404": {"description": "No heartbeat has this token (or this ping key and slug)",
                "content": text},
        "429": {"description": "Too many pings for this URL (CRONBEAT_PING_RATE_LIMIT a "
                "minute); retry after `Retry-After` seconds", "content": text},
        "503": {"description": "The database cannot take the ping now; retry", "content": text},
    }
    token = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
    rid = {"name": "rid", "in": "query", "required": False, "schema": {"type": "string"},
           "description": "Pairs a start with its end when runs overlap (a UUID is best)"}
    action = {"name": "action", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "start, fail, log, or an exit code 0-255 (0 is success)"}
    body = {"required": False, "content": {"*/*": {"schema": {"type": "string",
                                                               "format": "binary"}}},
            "description": "The job's output, kept up to CRONBEAT_MAX_BODY bytes"}
    ping_key = {"name": "ping_key", "in": "path", "required": True,
                "schema": {"type": "string"}, "description": "The team's ping key"}
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    either = [
        {"name": "token_or_ping_key", "in": "path", "required": True,
         "schema": {"type": "string"}},
        {"name": "action_or_slug", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "An action (start, fail, log, 0-255) after a token; else a slug"},
    ]
    create = {"name": "create", "in": "query", "required": False,
              "schema": {"type": "string", "enum": ["1"]},
              "description": "1: an unknown slug makes a heartbeat (daily, an hour's grace)"}
    for name, path, params, summary in (
        ("", "/api/v1/heartbeat/{token}", [token, rid], "Report a success"),
        ("_action", "/api/v1/heartbeat/{token}/{action}", [token, action, rid],
         "Report a start, a failure, an exit code or a log line"),
        ("_compatible", "/ping/{token}", [token, rid],
         "Report a success (healthchecks.io-style URL)"),
        ("_compatible_either", "/ping/{token_or_ping_key}/{action_or_slug}",
         [*either, rid, create],
         "Report an action by token, or a success by ping key and slug"),
        ("_compatible_slug", "/ping/{ping_key}/{slug}/{action}",
         [ping_key, slug, action, rid, create],
         "Report a start, a failure, an exit code or a log line by ping key and slug"),
    ):
        operation = {"tags": ["pings"], "summary": summary, "parameters": params,
                     "responses": answers, "security": []}
        schema["paths"][path] = {
            "get": {**operation, "operationId": f"ping_get{name}"},
            "post": {**operation, "operationId": f"ping_post{name}", "requestBody": body},
            "head": {**operation, "operationId": f"ping_head{name}"},
        }
