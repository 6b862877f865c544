from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.enums import PingKind, Status
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.pings import PingIn, record_pings
from cronbeat.worker import BATCH, Worker
from helpers import make_heartbeat, ping, reload

S = timedelta(seconds=1)


async def test_with_nothing_to_watch_it_sleeps_the_longest_allowed(
    db: Database, team_id: int, clock: FixedClock
):
    await make_heartbeat(db, team_id, clock.now())  # pending: no deadline yet
    assert await Worker(db, clock, max_sleep=60).tick() == 60


async def test_it_sleeps_exactly_until_the_nearest_deadline(
    db: Database, team_id: int, clock: FixedClock
):
    near = await make_heartbeat(db, team_id, clock.now(), period=30)
    far = await make_heartbeat(db, team_id, clock.now(), period=45)
    await ping(db, near.token, clock.now())
    await ping(db, far.token, clock.now())
    clock.advance(10)
    assert await Worker(db, clock, max_sleep=60).tick() == pytest.approx(20.0)


async def test_a_tick_at_the_deadline_moves_the_heartbeat_and_aims_at_the_next_one(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now(), period=30, grace=15)
    await ping(db, hb.token, clock.now())
    clock.advance(30)
    worker = Worker(db, clock, max_sleep=60)
    assert await worker.tick() == pytest.approx(15.0)
    assert (await reload(db, hb.id)).status is Status.LATE
    clock.advance(15)
    assert await worker.tick() == 60
    assert (await reload(db, hb.id)).status is Status.DOWN


async def test_it_processes_more_due_heartbeats_than_one_batch(
    db: Database, team_id: int, clock: FixedClock
):
    async with db.write() as session:
        made = [await create_heartbeat(session, team_id, HeartbeatSpec("job", period=10),
                                       clock.now()) for _ in range(BATCH + 50)]
        await record_pings(session, [PingIn(token=hb.token, kind=PingKind.SUCCESS,
                                            received_at=clock.now()) for hb in made])
    ids = [hb.id for hb in made]
    clock.advance(10)
    await Worker(db, clock, max_sleep=60).tick()
    statuses = {(await reload(db, hb_id)).status for hb_id in ids}
    assert statuses == {Status.DOWN}


async def test_a_nearer_deadline_wakes_a_sleeping_worker(
    db: Database, team_id: int, clock: FixedClock
):
    worker = Worker(db, clock, max_sleep=3600)
    worker.start()
    try:
        await asyncio.sleep(0.2)  # it has looked, found nothing, and sleeps for an hour
        hb = await make_heartbeat(db, team_id, clock.now(), period=5, grace=0)
        await ping(db, hb.token, clock.now() - 10 * S)  # already overdue
        worker.notify(clock.now() - 5 * S)
        for _ in range(100):
            if (await reload(db, hb.id)).status is Status.DOWN:
                break
            await asyncio.sleep(0.02)
        assert (await reload(db, hb.id)).status is Status.DOWN
    finally:
        await worker.stop()
