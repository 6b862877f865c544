"""Ping history retention: which pings to delete, in bounded steps.

Two rules: a heartbeat keeps its newest `keep` pings, and no ping is kept longer than the
maximum age. Both are applied by the pruner (`cronbeat.pruner`) in the background, never on
the ping path, in transactions of at most a few thousand rows so that the ping writer never
waits long for SQLite's write lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat, Ping


async def last_ping_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(Ping.id))) or 0)


async def pinged_between(session: AsyncSession, after_id: int, upto_id: int) -> set[int]:
    """The heartbeats with a ping whose id is in (after_id, upto_id]: those that may hold
    more than they keep. A range of the primary key, so its cost is that of the new pings."""
    rows = await session.scalars(
        select(Ping.heartbeat_id).where(Ping.id > after_id, Ping.id <= upto_id).distinct()
    )
    return set(rows)


async def excess_cutoffs(
    session: AsyncSession, heartbeat_ids: Sequence[int], keep: int
) -> dict[int, int]:
    """For each heartbeat with more than `keep` pings: the id of its newest ping to delete
    (every older one goes too). One index walk of `keep` entries per heartbeat."""
    newest_dropped = (
        select(Ping.id).where(Ping.heartbeat_id == Heartbeat.id)
        .order_by(Ping.id.desc()).offset(keep).limit(1).scalar_subquery()
    )
    rows = await session.execute(
        select(Heartbeat.id, newest_dropped).where(Heartbeat.id.in_(heartbeat_ids))
    )
    return {hb_id: cutoff for hb_id, cutoff in rows if cutoff is not None}


async def excess_ids(
    session: AsyncSession, cutoffs: Mapping[int, int], after_id: int, limit: int
) -> tuple[list[int], int | None]:
    """The ids of pings at or below their heartbeat's cutoff, among the next `limit` pings
    of those heartbeats after `after_id`; and where the next call should start (None: done).
    A read: the deletes are done apart, in short write transactions."""
    rows = (await session.execute(
        select(Ping.id, Ping.heartbeat_id)
        .where(Ping.heartbeat_id.in_(list(cutoffs)), Ping.id > after_id,
               Ping.id <= max(cutoffs.values()))
        .order_by(Ping.id).limit(limit)
    )).all()
    victims = [ping_id for ping_id, heartbeat_id in rows if ping_id <= cutoffs[heartbeat_id]]
    return victims, (rows[-1][0] if len(rows) == limit else None)


async def old_ids(session: AsyncSession, before: datetime, limit: int) -> list[int]:
    """The pings received before `before` among the `limit` first by id.

    Pings are numbered in the order they arrive, so the first ids are the oldest pings:
    looking only at them keeps the cost bounded without an index on the time. A ping whose
    server's clock ran behind may wait for a later pass; none is deleted too early."""
    head = await session.execute(select(Ping.id, Ping.received_at).order_by(Ping.id).limit(limit))
    return [ping_id for ping_id, at in head if at < before]


async def delete_pings(session: AsyncSession, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    result = await session.execute(delete(Ping).where(Ping.id.in_(ids)),
                                   execution_options={"synchronize_session": False})
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
