"""Ping retention: each heartbeat keeps its newest pings up to a number, no ping outlives the
maximum age, and pruning goes in small batches without touching the heartbeats' state."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Ping
from cronbeat.enums import Status
from cronbeat.pruner import Pruner
from helpers import make_heartbeat, ping, reload

DAY = timedelta(days=1)


async def received(db: Database, heartbeat_id: int) -> list[datetime]:
    async with db.read() as session:
        return list(await session.scalars(
            select(Ping.received_at).where(Ping.heartbeat_id == heartbeat_id).order_by(Ping.id)
        ))


def pruner(db: Database, clock: FixedClock, *, keep: int = 100, max_age: timedelta = 90 * DAY,
           batch: int = 1000, scan: int = 10_000) -> Pruner:
    return Pruner(db, clock, keep=keep, max_age=max_age, batch=batch, scan=scan)


async def test_it_keeps_the_newest_pings_of_each_heartbeat_up_to_the_limit(
    db: Database, team_id: int, clock: FixedClock
):
    start = clock.now()
    busy = await make_heartbeat(db, team_id, start, name="busy", period=60)
    quiet = await make_heartbeat(db, team_id, start, name="quiet", period=60)
    for minute in range(7):
        await ping(db, busy.token, start + timedelta(minutes=minute))
    for minute in range(2):
        await ping(db, quiet.token, start + timedelta(minutes=minute))

    pruned = await pruner(db, clock, keep=3).prune(start + timedelta(minutes=7))

    assert pruned.excess == 4
    assert pruned.old == 0
    assert await received(db, busy.id) == [start + timedelta(minutes=m) for m in (4, 5, 6)]
    assert await received(db, quiet.id) == [start, start + timedelta(minutes=1)]


async def test_it_deletes_pings_older_than_the_maximum_age_and_keeps_the_rest(
    db: Database, team_id: int, clock: FixedClock
):
    start = clock.now()
    hb = await make_heartbeat(db, team_id, start, period=86400, grace=3600)
    instants = [start, start + DAY, start + 2 * DAY, start + 3 * DAY]
    for at in instants:
        await ping(db, hb.token, at)

    # Thirty days after the second ping: the first is older than that and goes; the second
    # is exactly thirty days old and stays.
    now = start + DAY + 30 * DAY
    pruned = await pruner(db, clock, max_age=30 * DAY).prune(now)

    assert pruned.old == 1
    assert await received(db, hb.id) == instants[1:]


async def test_pruning_goes_in_small_batches_until_everything_is_done(
    db: Database, team_id: int, clock: FixedClock
):
    start = clock.now()
    heartbeats = [await make_heartbeat(db, team_id, start, name=f"job {n}", period=60)
                  for n in range(3)]
    for second in range(12):
        for hb in heartbeats:
            await ping(db, hb.token, start + timedelta(seconds=second))

    pruned = await pruner(db, clock, keep=2, batch=5, scan=4).prune(start + 100 * DAY)

    # Keeping two each leaves 6 of 36; the age limit (90 days) then takes those too.
    assert pruned.excess == 30
    assert pruned.old == 6
    for hb in heartbeats:
        assert await received(db, hb.id) == []


async def test_a_second_pass_prunes_what_arrived_since_the_first(
    db: Database, team_id: int, clock: FixedClock
):
    start = clock.now()
    hb = await make_heartbeat(db, team_id, start, period=60)
    the_pruner = pruner(db, clock, keep=2)
    for second in range(3):
        await ping(db, hb.token, start + timedelta(seconds=second))
    assert (await the_pruner.prune(start + timedelta(seconds=3))).excess == 1

    for second in range(3, 6):
        await ping(db, hb.token, start + timedelta(seconds=second))
    assert (await the_pruner.prune(start + timedelta(seconds=6))).excess == 3

    assert await received(db, hb.id) == [start + timedelta(seconds=4),
                                         start + timedelta(seconds=5)]


async def test_pruning_changes_nothing_about_the_heartbeat_itself(
    db: Database, team_id: int, clock: FixedClock
):
    start = clock.now()
    hb = await make_heartbeat(db, team_id, start, period=60, grace=30)
    last = start + timedelta(seconds=50)
    await ping(db, hb.token, start)
    await ping(db, hb.token, last)
    before = await reload(db, hb.id)

    await pruner(db, clock, keep=1, max_age=timedelta(seconds=1)).prune(last + DAY)

    after = await reload(db, hb.id)
    assert await received(db, hb.id) == []
    assert after.status is Status.UP
    assert (after.last_ping_at, after.deadline) == (before.last_ping_at, before.deadline) == (
        last, last + timedelta(seconds=60))
