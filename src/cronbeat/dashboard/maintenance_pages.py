"""Maintenance windows: the team's windows in words, a form to add one (recurring or one-off,
for a heartbeat or a tag) or change one, and a button to delete one. Anyone in the team may: like an
override, holding the pages during planned work is the members' own business."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from cronbeat import oncall
from cronbeat.dashboard.parts import path_id, timezones
from cronbeat.dashboard.web import Visit, page, redirect
from cronbeat.db.maintenance_models import MaintenanceWindow
from cronbeat.errors import Invalid
from cronbeat.maintenance import occurrence_at
from cronbeat.schedules import ScheduleError, parse_timezone
from cronbeat.services import history
from cronbeat.services import maintenance as service
from cronbeat.services.heartbeats import list_heartbeats, names_by_id

HEARTBEAT_CHOICES = 100  # suggested in the form; a team may have 10,000 heartbeats
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@page
async def window_list(visit: Visit) -> Response:
    return await _overview(visit, {"kind": "recurring", "target": "tag",
                                   "timezone": visit.user.timezone})


@page
async def window_new(visit: Visit) -> Response:
    try:
        spec = window_spec(visit.form)
        async with visit.context.db.write() as session:
            row = await service.create_window(session, visit.team_id, spec, visit.now)
    except Invalid as exc:
        values = {key: value for key, value in visit.form.items() if isinstance(value, str)}
        values["days"] = ",".join(v for v in visit.form.getlist("days") if isinstance(v, str))
        return await _overview(visit, values, {exc.field: exc.message})
    return redirect("/maintenance", f"The maintenance window “{row.name}” is saved.")


@page
async def window_edit(visit: Visit) -> Response:
    """The add form, filled in with the window; saving changes it in place."""
    window_id = path_id(visit, "window_id", "maintenance window")
    async with visit.context.db.read() as session:
        row = await service.get_window(session, visit.team_id, window_id)
    if visit.request.method != "POST":
        return await _overview(visit, form_values_of(row), editing=row)
    try:
        spec = window_spec(visit.form)
        async with visit.context.db.write() as session:
            row = await service.get_window(session, visit.team_id, window_id)
            released = await service.update_window(session, row, asdict(spec), visit.now)
    except Invalid as exc:
        values = {key: value for key, value in visit.form.items() if isinstance(value, str)}
        values["days"] = ",".join(v for v in visit.form.getlist("days") if isinstance(v, str))
        return await _overview(visit, values, {exc.field: exc.message}, editing=row)
    if released:
        visit.context.deadline_changed(visit.now)
    return redirect("/maintenance", f"The maintenance window “{row.name}” is saved.")


def form_values_of(row: MaintenanceWindow) -> dict[str, str]:
    """The form's fields for a stored window; a one-off's times on its zone's wall clock."""
    zone = zoneinfo.ZoneInfo(row.timezone)

    def wall(at: datetime | None) -> str:
        return "" if at is None else f"{at.astimezone(zone):%Y-%m-%dT%H:%M}"

    return {
        "name": row.name, "target": "tag" if row.tag is not None else "heartbeat",
        "tag": row.tag or "", "heartbeat_id": str(row.heartbeat_id or ""),
        "kind": "one_off" if row.starts_at is not None else "recurring",
        "days": ",".join(str(day) for day in row.days or ()),
        "start_time": row.start_time or "", "end_time": row.end_time or "",
        "starts_at": wall(row.starts_at), "ends_at": wall(row.ends_at),
        "timezone": row.timezone,
    }


@page
async def window_delete(visit: Visit) -> Response:
    window_id = path_id(visit, "window_id", "maintenance window")
    async with visit.context.db.write() as session:
        row = await service.get_window(session, visit.team_id, window_id)
        name = row.name
        released = await service.delete_window(session, row, visit.now)
    if released:
        visit.context.deadline_changed(visit.now)
    return redirect("/maintenance", f"The maintenance window “{name}” is deleted.")


def window_spec(form: FormData) -> service.WindowSpec:
    """The spec from the form; the service validates it. A one-off's times are wall times in
    the window's time zone, as a `datetime-local` field gives them."""
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    timezone = text("timezone") or "UTC"
    target = text("target")
    heartbeat = text("heartbeat_id").lstrip("#") if target == "heartbeat" else ""
    if heartbeat and not (heartbeat.isascii() and heartbeat.isdigit() and len(heartbeat) < 19):
        raise Invalid("heartbeat_id", "give the id of one of the team's heartbeats, e.g. 42")
    if target == "heartbeat" and not heartbeat:
        raise Invalid("heartbeat_id", "give the id of the heartbeat")
    tag = text("tag") if target != "heartbeat" else ""
    if target != "heartbeat" and not tag:
        raise Invalid("tag", "give the tag of the heartbeats the window is for")
    base = service.WindowSpec(name=text("name"), heartbeat_id=int(heartbeat) if heartbeat
                              else None, tag=tag or None, timezone=timezone)
    if text("kind") == "one_off":
        zone = _zone(timezone)
        return replace(base, starts_at=_instant(text("starts_at"), "starts_at", zone),
                       ends_at=_instant(text("ends_at"), "ends_at", zone))
    days = []
    for value in form.getlist("days"):
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise Invalid("days", "choose the days from the boxes")
        days.append(int(value))
    if not days:
        raise Invalid("days", "choose at least one day")
    return replace(base, days=tuple(days), start_time=text("start_time") or None,
                   end_time=text("end_time") or None)


def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(parse_timezone(timezone))
    except ScheduleError as exc:
        raise Invalid("timezone", exc.message) from None


def _instant(text: str, field: str, zone: zoneinfo.ZoneInfo) -> datetime:
    try:
        wall = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(field, f"{text[:20]!r} is not a date and time such as 2026-03-02 02:00") \
            from None
    if wall.tzinfo is not None:
        raise Invalid(field, "give the local time without an offset")
    try:
        return oncall.wall_to_utc(wall, zone)
    except OverflowError:
        raise Invalid(field, "is too far away") from None


async def _overview(visit: Visit, values: Mapping[str, str],
                    errors: dict[str, str] | None = None, *,
                    editing: MaintenanceWindow | None = None) -> Response:
    async with visit.context.db.read() as session:
        rows = await service.list_windows(session, visit.team_id)
        names = await names_by_id(session, visit.team_id,
                                  [row.heartbeat_id for row in rows if row.heartbeat_id])
        tags = await history.team_tags(session, visit.team_id)
        found = await list_heartbeats(session, visit.team_id, limit=HEARTBEAT_CHOICES)
    windows: list[dict[str, Any]] = [{"row": row, "active": _active(row, visit.now)}
                                     for row in rows]
    return visit.render(
        "maintenance.html", status=422 if errors else 200, title="Maintenance",
        windows=windows, names=names, tags=tags, heartbeats=found.items,
        more_heartbeats=found.next_cursor is not None, values=values, errors=errors or {},
        days=list(enumerate(DAY_LABELS)), chosen_days=set(values.get("days", "").split(",")),
        timezones=timezones(), editing=editing,
    )


def _active(row: MaintenanceWindow, now: datetime) -> datetime | None:
    """When the window is on now: the end of this occurrence."""
    found = occurrence_at(service.window_of(row), now)
    return None if found is None else found[1]



routes = [
    Route("/maintenance", window_list),
    Route("/maintenance/new", window_new, methods=["POST"]),
    Route("/maintenance/{window_id:int}", window_edit, methods=["GET", "POST"]),
    Route("/maintenance/{window_id:int}/delete", window_delete, methods=["POST"]),
]
