"""REST routes for the caller's team: its ping key, for `/ping/<ping-key>/<slug>` URLs, and
its API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.schemas import MAX_ID, Name
from cronbeat.db.models import ApiKey, Team
from cronbeat.services import teams as service

router = APIRouter(prefix="/api/v1/team", tags=["team"])


class TeamOut(BaseModel):
    id: int
    name: str
    ping_key: str = Field(description="Pings reach a heartbeat at /ping/<ping_key>/<slug>")


ApiKeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="API key id")]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    read_only: bool = Field(False, strict=True, description="Reads only; every write is 403")


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to tell keys apart")
    read_only: bool
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown in this answer only, never again")


@router.get("", responses=responses(*READ))
async def get_team(who: Reader, ctx: Ctx) -> TeamOut:
    async with ctx.db.read() as session:
        return _render(await service.get_team(session, who.team_id))


@router.post("/ping-key/rotate", responses=responses(*WRITE))
async def rotate_ping_key(who: Writer, ctx: Ctx) -> TeamOut:
    """Replace the ping key: slug URLs with the old key stop working at once."""
    async with ctx.db.write() as session:
        return _render(await service.rotate_ping_key(session, who.team_id))


@router.get("/api-keys", responses=responses(*WRITE))
async def list_api_keys(who: Writer, ctx: Ctx) -> list[ApiKeyOut]:
    """Every key of the team, revoked ones too (writer keys only: keys manage keys)."""
    async with ctx.db.read() as session:
        return [render_api_key(k) for k in await service.list_api_keys(session, who.team_id)]


@router.post("/api-keys", status_code=201, responses=responses(*WRITE))
async def create_api_key(body: ApiKeyCreate, who: Writer, ctx: Ctx) -> ApiKeyCreated:
    """The key is in this answer only; the server keeps just its hash."""
    async with ctx.db.write() as session:
        key, row = await service.create_api_key(session, who.team_id, body.name,
                                                ctx.clock.now(), read_only=body.read_only)
    return ApiKeyCreated(**render_api_key(row).model_dump(), key=key)


@router.post("/api-keys/{key_id}/revoke", responses=responses(*WRITE, 404))
async def revoke_api_key(key_id: ApiKeyId, who: Writer, ctx: Ctx) -> ApiKeyOut:
    """The key stops working at once; revoking it again changes nothing."""
    async with ctx.db.write() as session:
        row = await service.revoke_api_key(session, who.team_id, key_id, ctx.clock.now())
    return render_api_key(row)


def render_api_key(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(id=row.id, name=row.name, prefix=row.prefix, read_only=row.read_only,
                     created_at=row.created_at, revoked_at=row.revoked_at)


def _render(team: Team) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, ping_key=team.ping_key)
