"""API keys: `Authorization: Bearer <key>`, scoped to one team."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cronbeat.api.context import Context, get_context
from cronbeat.services.teams import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key from `cronbeat apikey create`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def reader(
    context: Annotated[Context, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(401, "send an API key: 'Authorization: Bearer <key>'",
                            headers=_CHALLENGE)
    async with context.db.read() as session:
        principal = await authenticate(session, credentials.credentials)
    if principal is None:
        raise HTTPException(401, "unknown or revoked API key", headers=_CHALLENGE)
    return principal


async def writer(principal: Annotated[Principal, Depends(reader)]) -> Principal:
    if principal.read_only:
        raise HTTPException(403, "this API key is read-only; create a key without --read-only")
    return principal


Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
Ctx = Annotated[Context, Depends(get_context)]
