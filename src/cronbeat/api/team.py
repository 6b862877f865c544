"""REST routes for the caller's team: its ping key, for `/ping/<ping-key>/<slug>` URLs, its
API keys and its daily digest."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from cronbeat import escalation
from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.oncall_schemas import QueuedOut, TargetIn, TargetOut, TimeZone
from cronbeat.api.schemas import MAX_ID, Name
from cronbeat.db.models import ApiKey, Team
from cronbeat.errors import Conflict
from cronbeat.escalation import Target, TargetKind
from cronbeat.services import digests
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


class DigestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: str | None = Field(max_length=20, description="Local time of day, HH:MM (24-hour), "
                             "in `timezone`; null: no digest", examples=["09:00"])
    timezone: TimeZone = "UTC"
    targets: list[TargetIn] = Field(
        default_factory=lambda: [TargetIn(kind=TargetKind.TEAM)],
        max_length=escalation.MAX_TARGETS,
        description="Who receives it, named as in policy steps; default: the whole team")


class DigestOut(BaseModel):
    time: str | None = Field(description="HH:MM in `timezone`; null: no digest")
    timezone: str
    targets: list[TargetOut]
    next_at: datetime | None = Field(description="When the next digest is due (UTC)")


class DigestSent(BaseModel):
    down: int = Field(description="Heartbeats down, listed in the digest")
    notifications: list[QueuedOut]


@router.get("/digest", responses=responses(*READ))
async def get_digest(who: Reader, ctx: Ctx) -> DigestOut:
    """The daily digest: once a day, every heartbeat still down, in one message."""
    async with ctx.db.read() as session:
        return _render_digest(await service.get_team(session, who.team_id))


@router.put("/digest", responses=responses(*WRITE, 422))
async def set_digest(body: DigestIn, who: Writer, ctx: Ctx) -> DigestOut:
    """Send a digest of every heartbeat still down at `time` each day (nothing is sent on a
    day when nothing is down); `time: null` turns it off."""
    spec = digests.DigestSpec(time=body.time, timezone=body.timezone,
                              targets=tuple(Target(t.kind, t.ref) for t in body.targets))
    async with ctx.db.write() as session:
        team = await digests.set_digest(session, who.team_id, spec, ctx.clock.now())
    ctx.deadline_changed(team.next_digest_at)
    return _render_digest(team)


@router.post("/digest/send", status_code=202, responses=responses(*WRITE, 409))
async def send_digest(who: Writer, ctx: Ctx) -> DigestSent:
    """Send the digest now to its recipients, even if nothing is down: to try it out. Follow
    each message at /api/v1/notifications/{id}."""
    async with ctx.db.write() as session:
        team = await service.get_team(session, who.team_id)
        if not team.digest_targets:
            raise Conflict("the digest has no recipients yet: set them with "
                           "PUT /api/v1/team/digest")
        found, rows = await digests.send_digest(session, team, ctx.clock.now(),
                                                ctx.settings.resolved_base_url())
    ctx.notifications_queued()
    return DigestSent(down=len(found.down), notifications=[
        QueuedOut(notification_id=row.id, status=row.status) for row in rows])


def _render_digest(team: Team) -> DigestOut:
    return DigestOut(time=team.digest_time, timezone=team.digest_timezone,
                     targets=[TargetOut(kind=t.kind, ref=t.ref) for t in digests.targets_of(team)],
                     next_at=team.next_digest_at)


def render_api_key(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(id=row.id, name=row.name, prefix=row.prefix, read_only=row.read_only,
                     created_at=row.created_at, revoked_at=row.revoked_at)


def _render(team: Team) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, ping_key=team.ping_key)
