"""REST routes for maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.schemas import MAX_ID, Name, Tag, _Input
from cronbeat.db.maintenance_models import MaintenanceWindow
from cronbeat.errors import Invalid
from cronbeat.maintenance import DAYS, occurrence_at
from cronbeat.services import maintenance as service

router = APIRouter(prefix="/api/v1/maintenance-windows", tags=["maintenance"])
WindowId = Annotated[int, Path(ge=1, le=MAX_ID, description="Maintenance window id")]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, Field(max_length=5, description="HH:MM on the local wall clock")]


class WindowCreate(_Input):
    """For `heartbeat_id` or for every heartbeat with `tag`; recurring (`days`, `start_time`,
    `end_time`, `timezone`) or one-off (`starts_at`, `ends_at`)."""

    name: Name
    heartbeat_id: int | None = Field(None, ge=1, le=MAX_ID, strict=True)
    tag: Tag | None = None
    days: list[Day] = Field(default_factory=list, max_length=7,
                            description="Days the window starts on")
    start_time: ClockTime | None = None
    end_time: ClockTime | None = Field(None, description="Not after start_time: the window "
                                       "ends on the next day")
    timezone: str = Field("UTC", max_length=64, description="IANA time zone of the times")
    starts_at: datetime | None = Field(None, description="One-off: from (with an offset)")
    ends_at: datetime | None = Field(None, description="One-off: until (excluded)")


class WindowUpdate(_Input):
    name: Name | None = None
    heartbeat_id: int | None = Field(None, ge=1, le=MAX_ID, strict=True)
    tag: Tag | None = None
    days: list[Day] | None = Field(None, max_length=7)
    start_time: ClockTime | None = None
    end_time: ClockTime | None = None
    timezone: str | None = Field(None, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class WindowOut(BaseModel):
    id: int
    name: str
    heartbeat_id: int | None
    tag: str | None
    days: list[str]
    start_time: str | None
    end_time: str | None
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    active_until: datetime | None = Field(description="When the window is on now: its end")
    created_at: datetime


@router.post("", status_code=201, responses=responses(*WRITE))
async def create_window(body: WindowCreate, who: Writer, ctx: Ctx) -> WindowOut:
    spec = service.WindowSpec(
        name=body.name, heartbeat_id=body.heartbeat_id, tag=body.tag,
        days=tuple(DAYS.index(day) for day in body.days), start_time=body.start_time,
        end_time=body.end_time, timezone=body.timezone, starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    now = ctx.clock.now()
    async with ctx.db.write() as session:
        row = await service.create_window(session, who.team_id, spec, now)
    return render_window(row, now)


@router.get("", responses=responses(*READ))
async def list_windows(
    who: Reader, ctx: Ctx,
    heartbeat_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
) -> list[WindowOut]:
    now = ctx.clock.now()
    async with ctx.db.read() as session:
        rows = await service.list_windows(session, who.team_id, heartbeat_id=heartbeat_id,
                                          tag=tag)
    return [render_window(row, now) for row in rows]


@router.get("/{window_id}", responses=responses(*READ, 404))
async def get_window(window_id: WindowId, who: Reader, ctx: Ctx) -> WindowOut:
    async with ctx.db.read() as session:
        row = await service.get_window(session, who.team_id, window_id)
    return render_window(row, ctx.clock.now())


@router.patch("/{window_id}", responses=responses(*WRITE, 404))
async def update_window(
    window_id: WindowId, body: WindowUpdate, who: Writer, ctx: Ctx
) -> WindowOut:
    """Change the fields given. Giving `days`/`start_time`/`end_time` makes a one-off window
    recurring (and `starts_at`/`ends_at` the other way); giving `tag` replaces `heartbeat_id`
    (and the other way). Pages the window was holding are looked at again at once."""
    changes = body.model_dump(exclude_unset=True)
    for name in ("name", "timezone", "days"):
        if name in changes and changes[name] is None:
            raise Invalid(name, "cannot be null: leave it out to keep it")
    if "days" in changes:
        changes["days"] = tuple(DAYS.index(day) for day in changes["days"] or ())
    now = ctx.clock.now()
    async with ctx.db.write() as session:
        row = await service.get_window(session, who.team_id, window_id)
        released = await service.update_window(session, row, changes, now)
    if released:
        ctx.deadline_changed(now)
    return render_window(row, now)


@router.delete("/{window_id}", status_code=204, responses=responses(*WRITE, 404))
async def delete_window(window_id: WindowId, who: Writer, ctx: Ctx) -> Response:
    """Pages the window was holding are due at once (unless another window holds them)."""
    now = ctx.clock.now()
    async with ctx.db.write() as session:
        row = await service.get_window(session, who.team_id, window_id)
        released = await service.delete_window(session, row, now)
    if released:
        ctx.deadline_changed(now)
    return Response(status_code=204)


def render_window(row: MaintenanceWindow, now: datetime) -> WindowOut:
    found = occurrence_at(service.window_of(row), now)
    return WindowOut(
        id=row.id, name=row.name, heartbeat_id=row.heartbeat_id, tag=row.tag,
        days=[DAYS[day] for day in row.days or ()], start_time=row.start_time,
        end_time=row.end_time, timezone=row.timezone, starts_at=row.starts_at,
        ends_at=row.ends_at, active_until=None if found is None else found[1],
        created_at=row.created_at,
    )
