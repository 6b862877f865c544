"""Heartbeat pages: the list, one heartbeat, the create/edit form and its live preview."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cronbeat.api.render import render_heartbeat, render_ping
from cronbeat.api.schemas import HeartbeatOut
from cronbeat.dashboard import charts
from cronbeat.dashboard.formatting import local
from cronbeat.dashboard.forms import compact, form_values, heartbeat_spec, rule_rows
from cronbeat.dashboard.parts import timezones
from cronbeat.dashboard.templating import render_fragment
from cronbeat.dashboard.web import Visit, is_fetch, page, redirect
from cronbeat.db.models import Heartbeat
from cronbeat.enums import RuleAction, RuleMatch, Status
from cronbeat.errors import Conflict, Invalid, NotFound
from cronbeat.output_rules import rules_of
from cronbeat.schedules import ScheduleError, explain
from cronbeat.services import heartbeats as service
from cronbeat.services import history, ping_tokens
from cronbeat.services.incidents import list_incidents
from cronbeat.services.oncall_config import list_policies

PAGE_SIZE = 50
UPTIME_DAYS = 90
PREVIEW_COUNT = 5
PARENT_CHOICES = 100  # heartbeats suggested for "depends on"


@page
async def heartbeat_list(visit: Visit) -> Response:
    query = visit.request.query_params
    status = query.get("status") or None
    if status not in (None, *Status):
        status = None
    tag, search = query.get("tag") or None, (query.get("q") or "").strip()[:200] or None
    after = query.get("after") or ""
    # isascii: "¹" is a digit to str.isdigit, and int() refuses it; under 19 digits: an id.
    after_id = int(after) if after.isascii() and after.isdigit() and len(after) < 19 else None
    async with visit.context.db.read() as session:
        found = await service.list_heartbeats(
            session, visit.team_id, status=Status(status) if status else None, tag=tag,
            search=search, after=after_id,
            limit=PAGE_SIZE,
        )
        incidents = await service.incidents_by_id(
            session, [hb.incident_id for hb in found.items if hb.incident_id is not None])
        rows = [_view(visit, hb, incidents.get(hb.incident_id or 0)) for hb in found.items]
        values: dict[str, Any] = {"rows": rows, "next_cursor": found.next_cursor}
        if is_fetch(visit.request):
            return HTMLResponse(render_fragment("heartbeat_rows.html", now=visit.now,
                                                user=visit.user, **values))
        counts = await history.status_counts(session, visit.team_id)
        tags = await history.team_tags(session, visit.team_id)
    return visit.render(
        "heartbeats.html", title="Heartbeats", counts=counts, tags=tags, statuses=list(Status),
        chosen={"status": status or "", "tag": tag or "", "q": search or ""},
        query=visit.request.url.query, first_page=not after, **values,
    )


@page
async def heartbeat_new(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return await _form(visit, None, form_values(None))
    form = compact(_strings(visit.form))
    try:
        spec = heartbeat_spec(form)
        async with visit.context.db.write() as session:
            heartbeat = await service.create_heartbeat(session, visit.team_id, spec, visit.now)
    except (Invalid, Conflict) as exc:
        return await _form(visit, None, form, exc)
    return redirect(f"/heartbeats/{heartbeat.id}", f"Created “{heartbeat.name}”. "
                    "Call its ping URL from the job.")


@page
async def heartbeat_edit(visit: Visit) -> Response:
    heartbeat_id = visit.request.path_params["heartbeat_id"]
    if visit.request.method == "GET":
        async with visit.context.db.read() as session:
            heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id)
        return await _form(visit, heartbeat, form_values(heartbeat))
    form = compact(_strings(visit.form))
    try:
        async with visit.context.db.write() as session:
            heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id,
                                                    for_update=True)
            spec = heartbeat_spec(form, service.spec_of(heartbeat))
            await service.update_heartbeat(session, heartbeat, spec, visit.now)
    except (Invalid, Conflict) as exc:
        async with visit.context.db.read() as session:
            heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id)
        return await _form(visit, heartbeat, form, exc)
    visit.context.deadline_changed(heartbeat.deadline)
    return redirect(f"/heartbeats/{heartbeat_id}", "Saved.")


@page
async def heartbeat_detail(visit: Visit) -> Response:
    heartbeat_id = visit.request.path_params["heartbeat_id"]
    timezone = visit.user.timezone
    async with visit.context.db.read() as session:
        heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id)
        incidents = await service.incidents_by_id(
            session, [heartbeat.incident_id] if heartbeat.incident_id else [])
        view = _view(visit, heartbeat, incidents.get(heartbeat.incident_id or 0))
        pings = [render_ping(p) for p in await service.recent_pings(session, heartbeat.id,
                                                                      limit=30)]
        live: dict[str, Any] = {"hb": view, "pings": pings}
        if is_fetch(visit.request):
            return HTMLResponse(render_fragment("heartbeat_live.html", now=visit.now,
                                                user=visit.user, **live))
        days = await history.daily_uptime(session, heartbeat, visit.now, UPTIME_DAYS, timezone)
        runs = await history.run_durations(session, heartbeat.id)
        past = (await list_incidents(session, visit.team_id, heartbeat_id=heartbeat.id,
                                     limit=10)).items
        parent = await _heartbeat_or_none(session, visit.team_id,
                                          str(heartbeat.depends_on_id or ""))
    rules = [rule.describe(n) for n, rule in enumerate(rules_of(heartbeat.output_rules), 1)]
    return visit.render(
        "heartbeat.html", title=heartbeat.name, **live, incidents=past, rules=rules,
        parent=parent,
        uptime=charts.uptime_bars(days), uptime_total=charts.uptime_total(days),
        durations=charts.duration_bars([(local(at, timezone), s, ok) for at, s, ok in runs]),
        longest=max((s for _, s, _ in runs), default=0), chart_width=charts.WIDTH,
        chart_height=charts.HEIGHT, days=UPTIME_DAYS,
    )


@page
async def heartbeat_pause(visit: Visit) -> Response:
    return await _change(visit, "pause")


@page
async def heartbeat_rotate_token(visit: Visit) -> Response:
    """A new ping URL; the old one keeps working for CRONBEAT_TOKEN_OVERLAP."""
    heartbeat_id = visit.request.path_params["heartbeat_id"]
    overlap = timedelta(seconds=visit.context.settings.token_overlap)
    async with visit.context.db.write() as session:
        heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id,
                                                for_update=True)
        await ping_tokens.rotate_token(session, heartbeat, visit.now, overlap)
    until = heartbeat.previous_token_until
    old = ("The old one stops now." if until is None else
           f"The old one keeps working until {local(until, visit.user.timezone)}.")
    return redirect(f"/heartbeats/{heartbeat_id}", f"New ping URL below. {old}")


@page
async def heartbeat_resume(visit: Visit) -> Response:
    return await _change(visit, "resume")


@page
async def heartbeat_delete(visit: Visit) -> Response:
    heartbeat_id = visit.request.path_params["heartbeat_id"]
    async with visit.context.db.write() as session:
        heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id,
                                                for_update=True)
        name = heartbeat.name
        await service.delete_heartbeat(session, heartbeat, now=visit.now)
    visit.context.notifications_queued()  # suppressed incidents of its dependants page now
    return redirect("/heartbeats", f"Deleted “{name}” with its pings and incidents.")


@page
async def schedule_preview(visit: Visit) -> Response:
    """What a schedule means and when pings are expected next, shown while it is typed."""
    query = visit.request.query_params
    timezone = query.get("timezone", "").strip() or "UTC"
    kind = query.get("kind", "period")
    expression = query.get("oncalendar" if kind == "oncalendar" else "schedule", "")
    try:
        text, times = explain(kind, expression, timezone, visit.now, PREVIEW_COUNT)
    except ScheduleError as exc:
        return HTMLResponse(render_fragment("schedule_preview.html", error=exc.message),
                            status_code=422)
    return HTMLResponse(render_fragment("schedule_preview.html", text=text, times=times))


async def _change(visit: Visit, action: str) -> Response:
    heartbeat_id = visit.request.path_params["heartbeat_id"]
    async with visit.context.db.write() as session:
        heartbeat = await service.get_heartbeat(session, visit.team_id, heartbeat_id,
                                                for_update=True)
        if action == "pause":
            await service.pause(session, heartbeat, visit.now, visit.actor)
        else:
            await service.resume(session, heartbeat, visit.now)
    visit.context.deadline_changed(heartbeat.deadline)
    visit.context.notifications_queued()
    done = "Paused: pings are still recorded, nothing alerts." if action == "pause" else (
        "Resumed: monitoring again from now.")
    return redirect(f"/heartbeats/{heartbeat_id}", done)


async def _form(visit: Visit, heartbeat: Heartbeat | None, values: Mapping[str, str],
                error: Invalid | Conflict | None = None) -> Response:
    async with visit.context.db.read() as session:
        policies = await list_policies(session, visit.team_id)
        # Suggestions for "depends on", not a full list: a team may have 10,000 heartbeats.
        found = await service.list_heartbeats(session, visit.team_id, limit=PARENT_CHOICES)
        parents = [hb for hb in found.items if heartbeat is None or hb.id != heartbeat.id]
        parent = await _heartbeat_or_none(session, visit.team_id, values.get("depends_on", ""))
    errors = {}
    if isinstance(error, Invalid):
        errors[error.field] = error.message
    elif error is not None:
        errors["form"] = error.message
    return visit.render(
        "heartbeat_form.html", status=422 if error else 200,
        title=f"Edit {heartbeat.name}" if heartbeat else "New heartbeat",
        heartbeat=heartbeat, values=values, errors=errors, policies=policies,
        timezones=timezones(), rules=rule_rows(values), matches=list(RuleMatch),
        actions=list(RuleAction), parents=parents, parent=parent,
        more_parents=found.next_cursor is not None,
    )


async def _heartbeat_or_none(session: AsyncSession, team_id: int, text: str) -> Heartbeat | None:
    """The heartbeat a form field names by id, if it is one of the team's."""
    text = text.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    try:
        return await service.get_heartbeat(session, team_id, int(text))
    except NotFound:
        return None



def _view(visit: Visit, heartbeat: Heartbeat, incident: Any) -> HeartbeatOut:
    return render_heartbeat(heartbeat, incident, visit.context.settings)


def _strings(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


routes = [
    Route("/heartbeats", heartbeat_list),
    Route("/heartbeats/new", heartbeat_new, methods=["GET", "POST"]),
    Route("/heartbeats/preview", schedule_preview),
    Route("/heartbeats/{heartbeat_id:int}", heartbeat_detail),
    Route("/heartbeats/{heartbeat_id:int}/edit", heartbeat_edit, methods=["GET", "POST"]),
    Route("/heartbeats/{heartbeat_id:int}/pause", heartbeat_pause, methods=["POST"]),
    Route("/heartbeats/{heartbeat_id:int}/resume", heartbeat_resume, methods=["POST"]),
    Route("/heartbeats/{heartbeat_id:int}/rotate-token", heartbeat_rotate_token,
          methods=["POST"]),
    Route("/heartbeats/{heartbeat_id:int}/delete", heartbeat_delete, methods=["POST"]),
]
