"""cronbeat's own outages. While cronbeat is down, jobs that ping cannot be heard; paging for
the deadlines that passed meanwhile would be crying wolf. So a worker that starts after a
silence gives every heartbeat whose ping fell due in it a fresh grace from the restart, notes
it on the heartbeat's timeline, and records the outage.

Workers say they are alive at each pass (at most every `ALIVE_EVERY`), and pass at least once
a minute (their longest sleep); a silence longer than `SILENCE` is an outage.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat, InstanceState, Outage
from cronbeat.enums import Status
from cronbeat.services.flips import facts_of, settle
from cronbeat.status import evaluate

ALIVE = "alive"
ALIVE_EVERY = timedelta(seconds=15)
SILENCE = timedelta(seconds=120)
# The least fresh grace: time for `curl --retry` of a job that pinged into the silence.
MIN_GRACE = timedelta(seconds=60)
BATCH = 500


async def note_alive(session: AsyncSession, now: datetime) -> None:
    row = await session.get(InstanceState, ALIVE, with_for_update=True)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(InstanceState(name=ALIVE, at=now))
            return
        except IntegrityError:  # another worker made the row at the same moment
            row = await session.get(InstanceState, ALIVE, with_for_update=True,
                                    populate_existing=True)
            assert row is not None
    if row.at < now:
        row.at = now
    await session.flush()


async def last_alive(session: AsyncSession) -> datetime | None:
    row = await session.get(InstanceState, ALIVE)
    return None if row is None else row.at


async def recover(session: AsyncSession, now: datetime) -> Outage | None:
    """Called by a worker as it starts. After a silence longer than SILENCE, hold every
    heartbeat whose ping fell due during it, and record the outage; then say alive."""
    since = await last_alive(session)
    await note_alive(session, now)
    if since is None or now - since <= SILENCE:
        return None
    outage = Outage(started_at=since, ended_at=now, held=0)
    session.add(outage)
    # The flip's reason (the flip's own instant says when it ended); 40 characters at most.
    cause = f"cronbeat down since {since:%Y-%m-%d %H:%M} UTC"
    after = 0
    while True:
        # Up with its due time in the silence, or late or running with its deadline after the
        # silence began: a ping may have been sent and lost.
        affected = (await session.scalars(
            select(Heartbeat).where(
                Heartbeat.id > after,
                or_(and_(Heartbeat.status == Status.UP, Heartbeat.deadline > since,
                         Heartbeat.deadline <= now),
                    and_(Heartbeat.status.in_((Status.LATE, Status.RUNNING)),
                         Heartbeat.deadline > since)),
            ).order_by(Heartbeat.id).limit(BATCH).with_for_update()
        )).all()
        for heartbeat in affected:
            grace = max(timedelta(seconds=heartbeat.grace), MIN_GRACE)
            facts = replace(facts_of(heartbeat), hold_until=now + grace)
            await settle(session, heartbeat, facts, evaluate(facts, now), now, cause=cause)
        outage.held += len(affected)
        if len(affected) < BATCH:
            break
        after = affected[-1].id
    await session.flush()
    return outage


async def recent_outages(session: AsyncSession, since: datetime) -> list[Outage]:
    return list((await session.scalars(
        select(Outage).where(Outage.ended_at >= since).order_by(Outage.id.desc())
    )).all())
