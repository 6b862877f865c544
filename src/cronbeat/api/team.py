"""REST routes for the caller's team: its ping key, for `/ping/<ping-key>/<slug>` URLs."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.db.models import Team
from cronbeat.services import teams as service

router = APIRouter(prefix="/api/v1/team", tags=["team"])


class TeamOut(BaseModel):
    id: int
    name: str
    ping_key: str = Field(description="Pings reach a heartbeat at /ping/<ping_key>/<slug>")


@router.get("", responses=responses(*READ))
async def get_team(who: Reader, ctx: Ctx) -> TeamOut:
    async with ctx.db.read() as session:
        return _render(await service.get_team(session, who.team_id))


@router.post("/ping-key/rotate", responses=responses(*WRITE))
async def rotate_ping_key(who: Writer, ctx: Ctx) -> TeamOut:
    """Replace the ping key: slug URLs with the old key stop working at once."""
    async with ctx.db.write() as session:
        return _render(await service.rotate_ping_key(session, who.team_id))


def _render(team: Team) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, ping_key=team.ping_key)
