"""What happened to heartbeats over time, read for the dashboard: uptime, run times, counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat import uptime
from cronbeat.db.models import Flip, Heartbeat, HeartbeatTag, Ping
from cronbeat.enums import PingKind, Status


async def daily_uptime(
    session: AsyncSession, heartbeat: Heartbeat, now: datetime, days: int, timezone: str
) -> list[uptime.Day]:
    since = now - timedelta(days=days + 1)  # a day more: local midnights are not UTC's
    rows = (await session.execute(
        select(Flip.at, Flip.old_status, Flip.new_status)
        .where(Flip.heartbeat_id == heartbeat.id, Flip.at >= since).order_by(Flip.id)
    )).all()
    # With no flip since then, the status has not changed: it is still the current one.
    before = rows[0].old_status if rows else heartbeat.status
    return uptime.daily(before, [(row.at, row.new_status) for row in rows], now, days,
                        timezone)


async def run_durations(
    session: AsyncSession, heartbeat_id: int, *, limit: int = 60
) -> list[tuple[datetime, float, bool]]:
    """The latest runs that reported a start: (ended at, seconds, succeeded), oldest first."""
    rows = (await session.execute(
        select(Ping.received_at, Ping.duration, Ping.kind)
        .where(Ping.heartbeat_id == heartbeat_id, Ping.duration.is_not(None),
               Ping.kind.in_((PingKind.SUCCESS, PingKind.FAIL)))
        .order_by(Ping.id.desc()).limit(limit)
    )).all()
    return [(at, float(duration or 0), kind is PingKind.SUCCESS)
            for at, duration, kind in reversed(rows)]


async def status_counts(session: AsyncSession, team_id: int) -> dict[Status, int]:
    rows = await session.execute(
        select(Heartbeat.status, func.count()).where(Heartbeat.team_id == team_id)
        .group_by(Heartbeat.status)
    )
    return {status: count for status, count in rows.all()}


async def team_tags(session: AsyncSession, team_id: int) -> list[str]:
    return list((await session.scalars(
        select(HeartbeatTag.tag).join(Heartbeat, Heartbeat.id == HeartbeatTag.heartbeat_id)
        .where(Heartbeat.team_id == team_id).distinct().order_by(HeartbeatTag.tag)
    )).all())
