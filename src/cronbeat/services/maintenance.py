"""Maintenance windows: create, list and delete them, and find when a heartbeat may page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.maintenance_models import MaintenanceWindow
from cronbeat.db.models import Heartbeat
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
        raise Invalid("days", "give the days as numbers, 0 (Monday) to 6 (Sunday)")
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
    spec = validate_window(spec)
    if spec.heartbeat_id is not None:
        found = await session.scalar(select(Heartbeat.id).where(
            Heartbeat.id == spec.heartbeat_id, Heartbeat.team_id == team_id))
        if found is None:
            raise Invalid("heartbeat_id", f"no heartbeat with id {spec.heartbeat_id}")
    count = len((await session.scalars(select(MaintenanceWindow.id).where(
        MaintenanceWindow.team_id == team_id))).all())
    if count >= MAX_WINDOWS_PER_TEAM:
        raise Invalid("name", f"a team has at most {MAX_WINDOWS_PER_TEAM} windows")
    row = MaintenanceWindow(
        team_id=team_id, name=spec.name, heartbeat_id=spec.heartbeat_id, tag=spec.tag,
        days=list(spec.days) or None, start_time=spec.start_time, end_time=spec.end_time,
        timezone=spec.timezone, starts_at=spec.starts_at, ends_at=spec.ends_at, created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


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


async def delete_window(session: AsyncSession, row: MaintenanceWindow) -> None:
    await session.delete(row)


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


def _covers(row: MaintenanceWindow, now: datetime, until: datetime) -> bool:
    found = occurrence_at(window_of(row), now)
    return found is not None and found[1] <= until


def _clock_time(field_name: str, text: str | None) -> time:
    try:
        hours, minutes = (int(part) for part in (text or "").split(":"))
        return time(hours, minutes)
    except ValueError:
        raise Invalid(field_name, "use HH:MM, e.g. 02:00") from None
