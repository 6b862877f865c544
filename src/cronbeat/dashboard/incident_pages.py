"""Incident pages: the list by state, one incident with its live timeline, and the
acknowledge and resolve buttons (the same service calls as the REST API)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from cronbeat.dashboard.parts import fragment, path_id, wants_fragment
from cronbeat.dashboard.timeline import incident_timeline
from cronbeat.dashboard.web import Visit, page, redirect
from cronbeat.enums import IncidentState
from cronbeat.errors import Conflict
from cronbeat.services import incidents as service
from cronbeat.services.heartbeats import resolve_by_hand
from cronbeat.services.outbox import notifications_of

PAGE_SIZE = 50
# The tabs of the list; the first is the default: what still needs someone.
TABS = (("", "Open and acknowledged"), ("open", "Open"), ("acknowledged", "Acknowledged"),
        ("resolved", "Resolved"))
UNRESOLVED = (IncidentState.OPEN, IncidentState.ACKNOWLEDGED)


@page
async def list_incidents(visit: Visit) -> Response:
    query = visit.request.query_params
    tab = query.get("state", "")
    state = IncidentState(tab) if tab in {s.value for s in IncidentState} else None
    async with visit.context.db.read() as session:
        found = await service.list_incidents(
            session, visit.team_id, state=state, states=() if state else UNRESOLVED,
            before=_cursor(query.get("before", "")), limit=PAGE_SIZE)
        names = await service.heartbeat_names(session, visit.team_id, found.items)
    return visit.render("incidents.html", title="Incidents", tabs=TABS,
                        is_suppressed=service.is_suppressed,
                        tab=state.value if state else "", incidents=found.items, names=names,
                        next_cursor=found.next_cursor)


@page
async def show_incident(visit: Visit) -> Response:
    incident_id = _incident_id(visit)
    async with visit.context.db.read() as session:
        incident = await service.get_incident(session, visit.team_id, incident_id)
        names = await service.heartbeat_names(session, visit.team_id, [incident])
        entries = incident_timeline(await service.timeline(session, incident.id),
                                    await notifications_of(session, incident.id))
    values: dict[str, Any] = {"incident": incident, "entries": entries}
    if wants_fragment(visit):
        return fragment(visit, "incident_timeline.html", **values)
    return visit.render("incident.html", title=f"Incident {incident.id}",
                        heartbeat_name=names.get(incident.heartbeat_id, ""),
                        suppressed=service.is_suppressed(incident), **values)


@page
async def acknowledge_incident(visit: Visit) -> Response:
    incident_id = _incident_id(visit)
    try:
        async with visit.context.db.write() as session:
            incident = await service.lock_incident(session, visit.team_id, incident_id)
            await service.acknowledge(session, incident, visit.now, visit.actor)
    except Conflict as exc:
        return redirect(f"/incidents/{incident_id}", f"Not acknowledged: {exc.message}.",
                        failed=True)
    return redirect(f"/incidents/{incident_id}", "Acknowledged: escalation has stopped.")


@page
async def resolve_incident(visit: Visit) -> Response:
    incident_id = _incident_id(visit)
    try:
        async with visit.context.db.write() as session:
            incident = await service.lock_incident(session, visit.team_id, incident_id)
            heartbeat = await resolve_by_hand(session, incident, visit.now, visit.actor)
    except Conflict as exc:
        return redirect(f"/incidents/{incident_id}", f"Not resolved: {exc.message}.",
                        failed=True)
    visit.context.deadline_changed(heartbeat.deadline)
    visit.context.notifications_queued()
    return redirect(f"/incidents/{incident_id}", "Resolved.")


def _cursor(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _incident_id(visit: Visit) -> int:
    return path_id(visit, "incident_id", "incident")


routes = [
    Route("/incidents", list_incidents),
    Route("/incidents/{incident_id:int}", show_incident),
    Route("/incidents/{incident_id:int}/acknowledge", acknowledge_incident, methods=["POST"]),
    Route("/incidents/{incident_id:int}/resolve", resolve_incident, methods=["POST"]),
]
