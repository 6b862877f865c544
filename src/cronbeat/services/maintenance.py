"""Maintenance windows: create, list, change and delete them, and find when a heartbeat may
page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.maintenance_models import MaintenanceWindow
from cronbeat.db.models import Heartbeat, HeartbeatTag, Incident
from cronbeat.enums import IncidentState
from cronbeat.errors import Invalid, NotFound
from cronbeat.maintenance import OneOff, Recurring, Window, occurrence_at, quiet_until
from cronbeat.schedules import ScheduleError, parse_timezone

MAX_WINDOWS_PER_TEAM = 500


@dataclass(frozen=True)
class WindowSpec:
    """What a person configures: for `heartbeat_id` or for `tag` (exactly one); recurring
    (`days`, `start_time`, `end_time`, `timezone`) or one-off (`starts_at`, `ends_at`)."""

    name: str
    heartbeat_id: int | None = None
    tag: str | None = None
    days: tuple[int, ...] = field(default_factory=tuple)  # 0 is Monday
    start_time: str | None = None  # "HH:MM", local to `timezone`
    end_time: str | None = None  # not after start_time: the window ends the next day
    timezone: str = "UTC"
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def validate_window(spec: WindowSpec) -> WindowSpec:
    """The spec cleaned, or `Invalid` naming the field to fix."""
    # Here, not at the top: oncall_config needs escalations, which needs this module.
    from cronbeat.services.oncall_config import clean_name

    name = clean_name(spec.name)
    if (spec.heartbeat_id is None) == (spec.tag is None):
        raise Invalid("heartbeat_id", "give either `heartbeat_id` or `tag`, not both")
    tag = None if spec.tag is None else clean_name(spec.tag, "tag")
    recurring = bool(spec.days) or spec.start_time is not None or spec.end_time is not None
    one_off = spec.starts_at is not None or spec.ends_at is not None
    if recurring == one_off:
        raise Invalid("days", "give either `days`, `start_time` and `end_time` (recurring) or "
                      "`starts_at` and `ends_at` (one-off)")
    try:
        timezone = parse_timezone(spec.timezone)
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    if one_off:
        if spec.starts_at is None or spec.ends_at is None:
            raise Invalid("ends_at", "a one-off window needs both `starts_at` and `ends_at`")
        if spec.starts_at.tzinfo is None or spec.ends_at.tzinfo is None:
            raise Invalid("starts_at", "give a time zone offset, e.g. 2026-03-01T02:00:00Z")
        if spec.ends_at <= spec.starts_at:
            raise Invalid("ends_at", "must be after starts_at")
        return replace(spec, name=name, tag=tag, timezone=timezone)
    days = tuple(sorted(set(spec.days)))
    if not days or any(not 0 <= day <= 6 for day in days):
        raise Invalid("days", "give the days the window starts on, Monday to Sunday")
    for field_name in ("start_time", "end_time"):
        _clock_time(field_name, getattr(spec, field_name))
    return replace(spec, name=name, tag=tag, timezone=timezone, days=days)


def window_of(row: MaintenanceWindow) -> Window:
    if row.starts_at is not None and row.ends_at is not None:
        return OneOff(row.starts_at, row.ends_at)
    assert row.start_time is not None and row.end_time is not None
    return Recurring(frozenset(row.days or ()), _clock_time("start_time", row.start_time),
                     _clock_time("end_time", row.end_time), row.timezone)


async def create_window(
    session: AsyncSession, team_id: int, spec: WindowSpec, now: datetime
) -> MaintenanceWindow:
    spec = await _checked(session, team_id, spec)
    count = len((await session.scalars(select(MaintenanceWindow.id).where(
        MaintenanceWindow.team_id == team_id))).all())
    if count >= MAX_WINDOWS_PER_TEAM:
        raise Invalid("name", f"a team has at most {MAX_WINDOWS_PER_TEAM} windows")
    row = MaintenanceWindow(team_id=team_id, created_at=now)
    _store(row, spec)
    session.add(row)
    await session.flush()
    return row


async def _checked(session: AsyncSession, team_id: int, spec: WindowSpec) -> WindowSpec:
    spec = validate_window(spec)
    if spec.heartbeat_id is not None:
        found = await session.scalar(select(Heartbeat.id).where(
            Heartbeat.id == spec.heartbeat_id, Heartbeat.team_id == team_id))
        if found is None:
            raise Invalid("heartbeat_id", f"no heartbeat with id {spec.heartbeat_id}")
    return spec


def _store(row: MaintenanceWindow, spec: WindowSpec) -> None:
    row.name, row.heartbeat_id, row.tag = spec.name, spec.heartbeat_id, spec.tag
    row.days, row.start_time, row.end_time = list(spec.days) or None, spec.start_time, \
        spec.end_time
    row.timezone, row.starts_at, row.ends_at = spec.timezone, spec.starts_at, spec.ends_at


def spec_of(row: MaintenanceWindow) -> WindowSpec:
    return WindowSpec(name=row.name, heartbeat_id=row.heartbeat_id, tag=row.tag,
                      days=tuple(row.days or ()), start_time=row.start_time,
                      end_time=row.end_time, timezone=row.timezone, starts_at=row.starts_at,
                      ends_at=row.ends_at)


RECURRING_FIELDS = ("days", "start_time", "end_time")
ONE_OFF_FIELDS = ("starts_at", "ends_at")


async def update_window(
    session: AsyncSession, row: MaintenanceWindow, changes: Mapping[str, Any], now: datetime
) -> int:
    """Change the fields given (WindowSpec names). Giving the fields of the other kind of
    window (or the other of heartbeat and tag) switches to it. Pages the window held are
    looked at again now, against the changed window; returns how many incidents that was."""
    spec = spec_of(row)
    if any(name in changes for name in RECURRING_FIELDS):
        spec = replace(spec, starts_at=None, ends_at=None)
    if any(name in changes for name in ONE_OFF_FIELDS):
        spec = replace(spec, days=(), start_time=None, end_time=None)
    if changes.get("heartbeat_id") is not None:
        spec = replace(spec, tag=None)
    if changes.get("tag") is not None:
        spec = replace(spec, heartbeat_id=None)
    spec = await _checked(session, row.team_id, replace(spec, **changes))
    released = await release_held(session, row, now)
    _store(row, spec)
    await session.flush()
    return released


async def delete_window(session: AsyncSession, row: MaintenanceWindow, now: datetime) -> int:
    """Delete the window; the pages it was holding are due at once (unless another window
    still holds them). Returns how many incidents that was."""
    released = await release_held(session, row, now)
    await session.delete(row)
    return released


async def release_held(session: AsyncSession, row: MaintenanceWindow, now: datetime) -> int:
    """Make the steps and re-alerts this window holds, if it is on now, due now: held pages
    wait for the window's end, and a window cut short or deleted must not keep them waiting.
    The worker then pages, or holds them again if another window still covers the heartbeat."""
    found = occurrence_at(window_of(row), now)
    if found is None:
        return 0
    end = found[1]
    covered = (select(HeartbeatTag.heartbeat_id).where(HeartbeatTag.tag == row.tag)
               if row.heartbeat_id is None else select(Heartbeat.id).where(
                   Heartbeat.id == row.heartbeat_id))
    held = (await session.scalars(select(Incident).where(
        Incident.team_id == row.team_id, Incident.state == IncidentState.OPEN,
        Incident.heartbeat_id.in_(covered),
        or_(Incident.next_escalation_at == end, Incident.next_realert_at == end),
    ).with_for_update())).all()
    for incident in held:
        if incident.next_escalation_at == end:
            incident.next_escalation_at = now
        if incident.next_realert_at == end:
            incident.next_realert_at = now
    return len(held)


async def list_windows(
    session: AsyncSession, team_id: int, *, heartbeat_id: int | None = None,
    tag: str | None = None,
) -> Sequence[MaintenanceWindow]:
    query = select(MaintenanceWindow).where(MaintenanceWindow.team_id == team_id)
    if heartbeat_id is not None:
        query = query.where(MaintenanceWindow.heartbeat_id == heartbeat_id)
    if tag is not None:
        query = query.where(MaintenanceWindow.tag == tag)
    return (await session.scalars(query.order_by(MaintenanceWindow.id))).all()


async def get_window(session: AsyncSession, team_id: int, window_id: int) -> MaintenanceWindow:
    row = await session.scalar(select(MaintenanceWindow).where(
        MaintenanceWindow.id == window_id, MaintenanceWindow.team_id == team_id))
    if row is None:
        raise NotFound(f"no maintenance window with id {window_id}")
    return row


async def windows_for(session: AsyncSession, heartbeat: Heartbeat) -> list[MaintenanceWindow]:
    """The windows of the heartbeat itself and of each of its tags."""
    wanted = [MaintenanceWindow.heartbeat_id == heartbeat.id]
    if heartbeat.tags:
        wanted.append(MaintenanceWindow.tag.in_(list(heartbeat.tags)))
    return list((await session.scalars(select(MaintenanceWindow).where(
        MaintenanceWindow.team_id == heartbeat.team_id, or_(*wanted)
    ).order_by(MaintenanceWindow.id))).all())


async def paging_held_until(
    session: AsyncSession, heartbeat: Heartbeat, now: datetime
) -> tuple[datetime, str] | None:
    """When the heartbeat's windows that cover `now` end, and their names; None if none do."""
    rows = await windows_for(session, heartbeat)
    until = quiet_until([window_of(row) for row in rows], now)
    if until is None:
        return None
    names = ", ".join(repr(row.name) for row in rows if _covers(row, now, until))
    return until, names


async def quiet_until_of(
    session: AsyncSession, team_id: int, heartbeats: Sequence[Heartbeat], now: datetime
) -> dict[int, datetime]:
    """For each of the team's heartbeats that a window covers at `now`, when it ends; with
    the team's windows read once, however many heartbeats."""
    rows = (await session.scalars(select(MaintenanceWindow).where(
        MaintenanceWindow.team_id == team_id))).all()
    if not rows:
        return {}
    found: dict[int, datetime] = {}
    for heartbeat in heartbeats:
        tags = set(heartbeat.tags)
        mine = [window_of(row) for row in rows
                if row.heartbeat_id == heartbeat.id or (row.tag is not None and row.tag in tags)]
        if mine and (until := quiet_until(mine, now)) is not None:
            found[heartbeat.id] = until
    return found


def _covers(row: MaintenanceWindow, now: datetime, until: datetime) -> bool:
    found = occurrence_at(window_of(row), now)
    return found is not None and found[1] <= until


def _clock_time(field_name: str, text: str | None) -> time:
    try:
        hours, minutes = (int(part) for part in (text or "").split(":"))
        return time(hours, minutes)
    except ValueError:
        raise Invalid(field_name, "use HH:MM, e.g. 02:00") from None
