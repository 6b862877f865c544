"""On-call pages: each schedule with who is on call now and next, a four-week calendar, and
its overrides; forms to create, edit and delete schedules (admins) and overrides (anyone in
the team: swapping a shift is the members' own business)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from cronbeat import oncall
from cronbeat.dashboard.parts import path_id, refuse_unless_admin, whole_number
from cronbeat.dashboard.web import Visit, page, redirect
from cronbeat.db.oncall_models import OnCallSchedule
from cronbeat.errors import Conflict, Invalid
from cronbeat.services import oncall_config as service
from cronbeat.services.people import list_members

WEEKS_SHOWN = 4
SHIFT_UNITS = {"hours": 3600, "days": 86400, "weeks": 7 * 86400}
SPARE_MEMBER_ROWS = 2


@page
async def oncall_overview(visit: Visit) -> Response:
    return await _overview(visit)


async def _overview(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    now = visit.now
    async with visit.context.db.read() as session:
        members = await list_members(session, visit.team_id)
        shown = []
        for schedule in await service.list_schedules(session, visit.team_id):
            shown.append({
                "schedule": schedule,
                "now": await service.who_is_on_call(session, visit.team_id, schedule.id, now),
                "next": await service.next_handoffs(session, visit.team_id, schedule.id, now, 1),
                "weeks": await service.calendar(session, visit.team_id, schedule.id, now,
                                                WEEKS_SHOWN),
                "overrides": await service.current_overrides(session, schedule, now),
                "today": now.astimezone(ZoneInfo(schedule.timezone)).date(),
            })
    names = {m.id: m.name for m in members}
    extra.setdefault("errors", {})
    extra.setdefault("values", {})
    return visit.render("oncall.html", status=status, title="On-call", shown=shown,
                        members=members, names=names, **extra)


# Schedules


@page
async def new_schedule(visit: Visit) -> Response:
    if visit.request.method == "POST":
        if (refused := refuse_unless_admin(visit)) is not None:
            return refused
        try:
            spec = _schedule_spec(visit)
            async with visit.context.db.write() as session:
                schedule = await service.create_schedule(session, visit.team_id, spec,
                                                         visit.now)
        except Invalid as exc:
            return await _schedule_form(visit, None, status=422,
                                        errors={exc.field: exc.message})
        return redirect("/oncall", f"The schedule {schedule.name} is created.")
    return await _schedule_form(visit, None)


@page
async def edit_schedule(visit: Visit) -> Response:
    schedule_id = path_id(visit, "schedule_id", "schedule")
    if visit.request.method == "GET":
        async with visit.context.db.read() as session:
            schedule = await service.get_schedule(session, visit.team_id, schedule_id)
        return await _schedule_form(visit, schedule)
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    try:
        async with visit.context.db.write() as session:
            schedule = await service.get_schedule(session, visit.team_id, schedule_id,
                                                  for_update=True)
            await service.update_schedule(session, schedule, _schedule_spec(visit), visit.now)
    except Invalid as exc:
        async with visit.context.db.read() as session:
            schedule = await service.get_schedule(session, visit.team_id, schedule_id)
        return await _schedule_form(visit, schedule, status=422,
                                    errors={exc.field: exc.message})
    return redirect("/oncall", f"The schedule {schedule.name} is saved.")


@page
async def delete_schedule(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    schedule_id = path_id(visit, "schedule_id", "schedule")
    try:
        async with visit.context.db.write() as session:
            schedule = await service.get_schedule(session, visit.team_id, schedule_id,
                                                  for_update=True)
            await service.delete_schedule(session, schedule)
    except Conflict as exc:
        return redirect("/oncall", f"Not deleted: {exc.message}.", failed=True)
    return redirect("/oncall", f"The schedule {schedule.name} is deleted.")


async def _schedule_form(visit: Visit, schedule: OnCallSchedule | None, *, status: int = 200,
                         errors: dict[str, str] | None = None) -> Response:
    async with visit.context.db.read() as session:
        members = await list_members(session, visit.team_id)
    if visit.request.method == "POST":
        values = {name: visit.field(name) for name in (
            "name", "timezone", "handoff", "shift", "shift_unit", "start_date")}
        rotation = _rotation_rows(visit)
    else:
        values, rotation = _form_values(schedule)
    rows = max(len(members), len(rotation)) + SPARE_MEMBER_ROWS
    rotation += [""] * (rows - len(rotation))
    return visit.render("oncall_schedule.html", status=status,
                        title="Edit schedule" if schedule else "New schedule",
                        schedule=schedule, members=members, values=values, rotation=rotation,
                        units=list(SHIFT_UNITS), errors=errors or {})


def _form_values(schedule: OnCallSchedule | None) -> tuple[dict[str, str], list[str]]:
    if schedule is None:
        return {"timezone": "UTC", "handoff": "09:00", "shift": "1", "shift_unit": "weeks"}, []
    unit = next(u for u in ("weeks", "days", "hours")
                if schedule.shift_seconds % SHIFT_UNITS[u] == 0)
    return ({"name": schedule.name, "timezone": schedule.timezone, "handoff": schedule.handoff,
             "shift": str(schedule.shift_seconds // SHIFT_UNITS[unit]), "shift_unit": unit,
             "start_date": schedule.start_date.isoformat()},
            [str(m) for m in schedule.member_ids])


def _rotation_rows(visit: Visit) -> list[str]:
    """The numbered member rows of the form (`member_0`, `member_1`, ...), in their order."""
    rows = sorted((int(name[7:]), visit.field(name)) for name in visit.form
                  if name.startswith("member_") and name[7:].isascii() and name[7:].isdigit()
                  and len(name) < 12)
    return [value for _, value in rows]


def _schedule_spec(visit: Visit) -> service.ScheduleSpec:
    """The form as the service's spec: members in the order of the numbered rows, blank rows
    skipped; the shift as a number and a unit."""
    unit = SHIFT_UNITS.get(visit.field("shift_unit"))
    if unit is None:
        raise Invalid("shift", "choose hours, days or weeks")
    member_ids = []
    for value in _rotation_rows(visit):
        if value:
            if not (value.isascii() and value.isdigit() and len(value) < 19):
                raise Invalid("member_ids", "choose members from the list")
            member_ids.append(int(value))
    return service.ScheduleSpec(
        name=visit.field("name"), timezone=visit.field("timezone") or "UTC",
        handoff=visit.field("handoff"), shift=whole_number(visit, "shift") * unit,
        start_date=_date(visit.field("start_date")), member_ids=tuple(member_ids))


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("start_date", f"{text[:20]!r} is not a date such as 2026-03-02") from None


# Overrides


@page
async def add_override(visit: Visit) -> Response:
    schedule_id = path_id(visit, "schedule_id", "schedule")
    try:
        async with visit.context.db.write() as session:
            schedule = await service.get_schedule(session, visit.team_id, schedule_id)
            zone = ZoneInfo(schedule.timezone)
            member = visit.field("member_id")
            if not (member.isascii() and member.isdigit() and len(member) < 19):
                raise Invalid("member_id", "choose who is on call instead")
            await service.create_override(
                session, schedule, int(member), _local_instant(visit, "starts_at", zone),
                _local_instant(visit, "ends_at", zone), visit.now)
    except Invalid as exc:
        return await _overview(visit, status=422, errors={
            f"override.{schedule_id}.{exc.field}": exc.message},
            values={"schedule_id": schedule_id, **dict(visit.form)})
    return redirect("/oncall", f"The override on {schedule.name} is saved.")


@page
async def remove_override(visit: Visit) -> Response:
    schedule_id = path_id(visit, "schedule_id", "schedule")
    override_id = path_id(visit, "override_id", "override")
    async with visit.context.db.write() as session:
        schedule = await service.get_schedule(session, visit.team_id, schedule_id)
        override = await service.get_override(session, schedule, override_id)
        await service.delete_override(session, override)
    return redirect("/oncall", f"The override on {schedule.name} is removed.")


def _local_instant(visit: Visit, name: str, zone: ZoneInfo) -> datetime:
    """A `datetime-local` field, read as wall time in the schedule's zone."""
    text = visit.field(name)
    try:
        wall = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(name, f"{text[:20]!r} is not a date and time such as 2026-03-02 09:00") \
            from None
    if wall.tzinfo is not None:
        raise Invalid(name, "give the local time without an offset")
    try:
        return oncall.wall_to_utc(wall, zone)
    except OverflowError:
        raise Invalid(name, "is too far away") from None


routes = [
    Route("/oncall", oncall_overview),
    Route("/oncall/schedules/new", new_schedule, methods=["GET", "POST"]),
    Route("/oncall/schedules/{schedule_id:int}", edit_schedule, methods=["GET", "POST"]),
    Route("/oncall/schedules/{schedule_id:int}/delete", delete_schedule, methods=["POST"]),
    Route("/oncall/schedules/{schedule_id:int}/overrides", add_override, methods=["POST"]),
    Route("/oncall/schedules/{schedule_id:int}/overrides/{override_id:int}/delete",
          remove_override, methods=["POST"]),
]
