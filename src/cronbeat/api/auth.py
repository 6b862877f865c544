"""API keys: `Authorization: Bearer <key>`, scoped to one team.

The key is checked by a middleware, before FastAPI reads the body, so that a caller who has
not shown a valid key learns nothing about what its input would have done (401 comes before
422). The route dependencies then only read who the caller is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from cronbeat.api.context import Context, get_context
from cronbeat.api.errors import error_response, is_unavailable, unavailable
from cronbeat.services.teams import Principal, authenticate

API_PREFIX = "/api/v1/"
PING_PREFIX = "/api/v1/heartbeat/"  # the ping URLs: the token in the path is the secret
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Declares the scheme in the OpenAPI schema; the checking is the middleware's.
_bearer = HTTPBearer(auto_error=False, description="An API key from `cronbeat apikey create`")


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or not path.startswith(API_PREFIX)
                or path.startswith(PING_PREFIX)):
            await self.app(scope, receive, send)
            return
        key = _bearer_key(scope)
        if key is None:
            response = error_response(401, "send an API key: 'Authorization: Bearer <key>'",
                                      headers=_CHALLENGE)
            await response(scope, receive, send)
            return
        context: Context = scope["app"].state.context
        try:
            async with context.db.read() as session:
                principal = await authenticate(session, key)
        except Exception as exc:
            # Before the app's handlers: answer here, as they would.
            if not is_unavailable(exc):
                raise
            await unavailable(scope["method"], path, exc)(scope, receive, send)
            return
        if principal is None:
            response = error_response(401, "unknown or revoked API key", headers=_CHALLENGE)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def _bearer_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return key.strip() or None
    return None


async def reader(request: Request, _: Annotated[object, Depends(_bearer)]) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # a route mounted outside /api/v1/ by mistake
        raise HTTPException(401, "an API key is required", headers=_CHALLENGE)
    return principal


async def writer(principal: Annotated[Principal, Depends(reader)]) -> Principal:
    if principal.read_only:
        raise HTTPException(403, "this API key is read-only; create a key without --read-only")
    return principal


Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
Ctx = Annotated[Context, Depends(get_context)]
