"""The ping endpoint: the hot path. A plain Starlette route with no dependency injection or
model validation; it parses the URL, reads at most `max_body` bytes, and hands the ping to
the group-commit writer, answering only once the ping is committed."""

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
from cronbeat.tokens import looks_like_token

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
    if action.isdigit() and len(action) <= 3 and int(action) <= 255:
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


async def ping(request: Request) -> Response:
    context: Context = request.app.state.context
    token: str = request.path_params["token"]
    try:
        kind, exit_code = parse_action(request.path_params.get("action"))
        rid = request.query_params.get("rid")
        if rid is not None and not RID.match(rid):
            raise BadPing("rid must be 1 to 64 letters, digits, '.', '_', ':' or '-' "
                          "(a UUID is best)")
    except BadPing as exc:
        return PlainTextResponse(str(exc), status_code=400, headers=HEADERS)
    if not looks_like_token(token):
        return _not_found()
    body, size = await read_body(request, context.settings.max_body)
    user_agent = request.headers.get("user-agent")
    received = PingIn(
        token=token, kind=kind, received_at=context.clock.now(), exit_code=exit_code, rid=rid,
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
        return _not_found()
    return PlainTextResponse("OK\n", headers=HEADERS)


def _not_found() -> Response:
    return PlainTextResponse("no heartbeat has this token\n", status_code=404, headers=HEADERS)


routes = [
    Route("/api/v1/heartbeat/{token}", ping, methods=METHODS),
    Route("/api/v1/heartbeat/{token}/{action}", ping, methods=METHODS),
]


def document(schema: dict[str, Any]) -> None:
    """Describe the ping URLs in the OpenAPI schema: they are plain routes, outside FastAPI."""
    text = {"text/plain": {"schema": {"type": "string"}}}
    answers = {
        "200": {"description": "The ping is committed to the database", "content": text},
        "400": {"description": "Unknown action or malformed rid", "content": text},
        "404": {"description": "No heartbeat has this token", "content": text},
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
    for path, params, summary in (
        ("/api/v1/heartbeat/{token}", [token, rid], "Report a success"),
        ("/api/v1/heartbeat/{token}/{action}", [token, action, rid],
         "Report a start, a failure, an exit code or a log line"),
    ):
        operation = {"tags": ["pings"], "summary": summary, "parameters": params,
                     "responses": answers, "security": []}
        schema["paths"][path] = {
            "get": {**operation, "operationId": f"ping_get{len(params)}"},
            "post": {**operation, "operationId": f"ping_post{len(params)}", "requestBody": body},
            "head": {**operation, "operationId": f"ping_head{len(params)}"},
        }
