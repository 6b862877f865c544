"""REST routes for heartbeats, their pings and flips."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.render import render_flip, render_heartbeat, render_ping
from cronbeat.api.schemas import (
    FlipOut,
    HeartbeatCreate,
    HeartbeatId,
    HeartbeatList,
    HeartbeatOut,
    HeartbeatUpdate,
    OutputRuleIn,
    PingOut,
    cursor,
)
from cronbeat.enums import Status
from cronbeat.output_rules import OutputRule
from cronbeat.services import heartbeats as service
from cronbeat.services import ping_tokens
from cronbeat.services.heartbeats import HeartbeatSpec
from cronbeat.services.teams import Principal

router = APIRouter(prefix="/api/v1/heartbeats", tags=["heartbeats"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("", status_code=201, responses=responses(*WRITE, 409))
async def create_heartbeat(body: HeartbeatCreate, who: Writer, ctx: Ctx) -> HeartbeatOut:
    spec = HeartbeatSpec(
        name=body.name, period=body.period, schedule=body.schedule, oncalendar=body.oncalendar,
        timezone=body.timezone,
        grace=body.grace, max_runtime=body.max_runtime, tags=tuple(body.tags),
        description=body.description, policy_id=body.policy_id, slug=body.slug,
        failure_threshold=body.failure_threshold, recovery_threshold=body.recovery_threshold,
        output_rules=rules_in(body.output_rules), min_runtime=body.min_runtime,
        early_tolerance=body.early_tolerance, early_fails=body.early_fails,
        depends_on=body.depends_on,
    )
    async with ctx.db.write() as session:
        heartbeat = await service.create_heartbeat(session, who.team_id, spec, ctx.clock.now(),
                                                   token=body.token)
    return render_heartbeat(heartbeat, None, ctx.settings)


@router.get("", responses=responses(*READ))
async def list_heartbeats(
    who: Reader, ctx: Ctx, status: Status | None = None, tag: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
    after: Annotated[int | None, cursor("`next_cursor` of the previous page")] = None,
    limit: Limit = 50,
) -> HeartbeatList:
    async with ctx.db.read() as session:
        page = await service.list_heartbeats(session, who.team_id, status=status, tag=tag,
                                             search=q, after=after, limit=limit)
        incidents = await service.incidents_by_id(
            session, [hb.incident_id for hb in page.items if hb.incident_id is not None]
        )
    items = [render_heartbeat(hb, incidents.get(hb.incident_id or 0), ctx.settings)
             for hb in page.items]
    return HeartbeatList(items=items, next_cursor=page.next_cursor)


@router.get("/{heartbeat_id}", responses=responses(*READ, 404))
async def get_heartbeat(heartbeat_id: HeartbeatId, who: Reader, ctx: Ctx) -> HeartbeatOut:
    async with ctx.db.read() as session:
        return await _show(session, who, heartbeat_id, ctx)


@router.patch("/{heartbeat_id}", responses=responses(*WRITE, 404, 409))
async def update_heartbeat(
    heartbeat_id: HeartbeatId, body: HeartbeatUpdate, who: Writer, ctx: Ctx
) -> HeartbeatOut:
    changes = body.model_dump(exclude_unset=True)
    if body.output_rules is not None:
        changes["output_rules"] = rules_in(body.output_rules)
    async with ctx.db.write() as session:
        heartbeat = await service.get_heartbeat(session, who.team_id, heartbeat_id,
                                                for_update=True)
        spec = service.with_changes(service.spec_of(heartbeat), changes)
        await service.update_heartbeat(session, heartbeat, spec, ctx.clock.now())
        shown = await _show(session, who, heartbeat_id, ctx)
    ctx.deadline_changed(heartbeat.deadline)
    return shown


@router.delete("/{heartbeat_id}", status_code=204, responses=responses(*WRITE, 404))
async def delete_heartbeat(heartbeat_id: HeartbeatId, who: Writer, ctx: Ctx) -> Response:
    async with ctx.db.write() as session:
        heartbeat = await service.get_heartbeat(session, who.team_id, heartbeat_id)
        await service.delete_heartbeat(session, heartbeat, now=ctx.clock.now())
    return Response(status_code=204)


@router.post("/{heartbeat_id}/pause", responses=responses(*WRITE, 404))
async def pause_heartbeat(heartbeat_id: HeartbeatId, who: Writer, ctx: Ctx) -> HeartbeatOut:
    async with ctx.db.write() as session:
        heartbeat = await service.get_heartbeat(session, who.team_id, heartbeat_id,
                                                for_update=True)
        await service.pause(session, heartbeat, ctx.clock.now(), actor(who))
        shown = await _show(session, who, heartbeat_id, ctx)
    ctx.notifications_queued()  # pausing resolves an open incident: recovery notices
    return shown


@router.post("/{heartbeat_id}/resume", responses=responses(*WRITE, 404))
async def resume_heartbeat(heartbeat_id: HeartbeatId, who: Writer, ctx: Ctx) -> HeartbeatOut:
    async with ctx.db.write() as session:
        heartbeat = await service.get_heartbeat(session, who.team_id, heartbeat_id,
                                                for_update=True)
        await service.resume(session, heartbeat, ctx.clock.now())
        shown = await _show(session, who, heartbeat_id, ctx)
    ctx.deadline_changed(heartbeat.deadline)
    return shown


class TokenRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlap: int | None = Field(
        None, ge=0, le=90 * 86400,
        description="Seconds the old ping URL keeps working (default CRONBEAT_TOKEN_OVERLAP, "
        "a day); 0: it stops at once")


@router.post("/{heartbeat_id}/rotate-token", responses=responses(*WRITE, 404))
async def rotate_token(
    heartbeat_id: HeartbeatId, who: Writer, ctx: Ctx, body: TokenRotation | None = None,
) -> HeartbeatOut:
    """Give the heartbeat a new ping token (and URL). The old one still works for `overlap`
    seconds, so that running jobs do not break while they are updated."""
    seconds = ctx.settings.token_overlap if body is None or body.overlap is None else body.overlap
    async with ctx.db.write() as session:
        heartbeat = await service.get_heartbeat(session, who.team_id, heartbeat_id,
                                                for_update=True)
        await ping_tokens.rotate_token(session, heartbeat, ctx.clock.now(),
                                       timedelta(seconds=seconds))
        return await _show(session, who, heartbeat_id, ctx)


@router.get("/{heartbeat_id}/pings", responses=responses(*READ, 404))
async def list_pings(
    heartbeat_id: HeartbeatId, who: Reader, ctx: Ctx,
    before: Annotated[int | None, cursor("Only pings with a smaller id")] = None,
    limit: Limit = 50,
) -> list[PingOut]:
    async with ctx.db.read() as session:
        await service.get_heartbeat(session, who.team_id, heartbeat_id)
        pings = await service.recent_pings(session, heartbeat_id, before=before, limit=limit)
    return [render_ping(ping) for ping in pings]


@router.get("/{heartbeat_id}/flips", responses=responses(*READ, 404))
async def list_flips(
    heartbeat_id: HeartbeatId, who: Reader, ctx: Ctx, limit: Limit = 50
) -> list[FlipOut]:
    async with ctx.db.read() as session:
        await service.get_heartbeat(session, who.team_id, heartbeat_id)
        flips = await service.recent_flips(session, heartbeat_id, limit=limit)
    return [render_flip(flip) for flip in flips]


def rules_in(rules: list[OutputRuleIn]) -> tuple[OutputRule, ...]:
    return tuple(OutputRule(rule.match, rule.pattern, rule.action) for rule in rules)


def actor(who: Principal) -> str:
    return f"API key {who.name!r}"


async def _show(session: AsyncSession, who: Principal, heartbeat_id: int,
                ctx: Ctx) -> HeartbeatOut:
    heartbeat = await service.get_heartbeat(session, who.team_id, heartbeat_id)
    incidents = await service.incidents_by_id(
        session, [] if heartbeat.incident_id is None else [heartbeat.incident_id]
    )
    return render_heartbeat(heartbeat, incidents.get(heartbeat.incident_id or 0), ctx.settings)
