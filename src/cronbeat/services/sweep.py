"""The worker's work: find heartbeats whose deadline has passed and move them on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat
from cronbeat.services.flips import facts_of, settle
from cronbeat.status import advance


async def process_due(session: AsyncSession, now: datetime, *, limit: int = 200) -> int:
    """Evaluate up to `limit` heartbeats that are due at `now`; return how many were.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so that several workers on PostgreSQL share
    the work without doing any twice; on SQLite the write transaction is already exclusive.
    """
    due = (await session.scalars(
        select(Heartbeat).where(Heartbeat.deadline <= now).order_by(Heartbeat.deadline)
        .limit(limit).with_for_update(skip_locked=True)
    )).all()
    for heartbeat in due:
        facts, verdict = advance(facts_of(heartbeat), now)
        await settle(session, heartbeat, facts, verdict, now, cause="due time passed")
    return len(due)


async def nearest_deadline(session: AsyncSession) -> datetime | None:
    deadline: datetime | None = await session.scalar(select(func.min(Heartbeat.deadline)))
    return deadline
