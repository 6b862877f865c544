"""REST routes for incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.heartbeats import actor
from cronbeat.api.render import render_incident
from cronbeat.api.schemas import IncidentId, IncidentList, IncidentOut, cursor
from cronbeat.enums import IncidentState
from cronbeat.services import incidents as service
from cronbeat.services.heartbeats import resolve_by_hand
from cronbeat.services.outbox import notifications_of

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.get("", responses=responses(*READ))
async def list_incidents(
    who: Reader, ctx: Ctx, state: IncidentState | None = None,
    heartbeat_id: Annotated[int | None, cursor("Only this heartbeat's incidents")] = None,
    before: Annotated[int | None, cursor("`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> IncidentList:
    async with ctx.db.read() as session:
        page = await service.list_incidents(session, who.team_id, state=state,
                                            heartbeat_id=heartbeat_id, before=before,
                                            limit=limit)
    return IncidentList(items=[render_incident(i) for i in page.items],
                        next_cursor=page.next_cursor)


@router.get("/{incident_id}", responses=responses(*READ, 404))
async def get_incident(incident_id: IncidentId, who: Reader, ctx: Ctx) -> IncidentOut:
    async with ctx.db.read() as session:
        incident = await service.get_incident(session, who.team_id, incident_id)
        events = await service.timeline(session, incident.id)
        sent = await notifications_of(session, incident.id)
    return render_incident(incident, list(events), sent)


@router.post("/{incident_id}/acknowledge", responses=responses(*WRITE, 404, 409))
async def acknowledge_incident(incident_id: IncidentId, who: Writer, ctx: Ctx) -> IncidentOut:
    async with ctx.db.write() as session:
        incident = await service.lock_incident(session, who.team_id, incident_id)
        await service.acknowledge(session, incident, ctx.clock.now(), actor(who))
        events = await service.timeline(session, incident.id)
        sent = await notifications_of(session, incident.id)
    return render_incident(incident, list(events), sent)


@router.post("/{incident_id}/resolve", responses=responses(*WRITE, 404, 409))
async def resolve_incident(incident_id: IncidentId, who: Writer, ctx: Ctx) -> IncidentOut:
    async with ctx.db.write() as session:
        incident = await service.lock_incident(session, who.team_id, incident_id)
        heartbeat = await resolve_by_hand(session, incident, ctx.clock.now(), actor(who))
        events = await service.timeline(session, incident.id)
        sent = await notifications_of(session, incident.id)
    ctx.deadline_changed(heartbeat.deadline)
    ctx.notifications_queued()
    return render_incident(incident, list(events), sent)
