"""Many pings at once, through the group-commit writer: every one is stored and answered."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.enums import PingKind, Status
from cronbeat.ping_writer import PingWriter
from cronbeat.services.pings import PingIn
from helpers import make_heartbeat, ping_count, reload


async def test_concurrent_pings_to_one_heartbeat_are_all_stored(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    writer = PingWriter(db, max_batch=16)
    writer.start()
    try:
        answers = await asyncio.gather(*(
            writer.submit(PingIn(token=hb.token, kind=PingKind.SUCCESS,
                                 received_at=clock.now() + timedelta(milliseconds=i)))
            for i in range(300)
        ))
    finally:
        await writer.stop()
    assert answers == [True] * 300
    assert await ping_count(db, hb.id) == 300
    row = await reload(db, hb.id)
    assert row.status is Status.UP
    assert row.last_ping_at == clock.now() + timedelta(milliseconds=299)


async def test_two_writers_on_one_database_do_not_lose_or_block_each_other(
    database_url: str, db: Database, team_id: int, clock: FixedClock
):
    """As two `cronbeat serve` processes would: separate engines, one heartbeat."""
    hb = await make_heartbeat(db, team_id, clock.now())
    other = Database(database_url)
    writers = [PingWriter(db, max_batch=8), PingWriter(other, max_batch=8)]
    for writer in writers:
        writer.start()
    try:
        answers = await asyncio.gather(*(
            writers[i % 2].submit(PingIn(token=hb.token, kind=PingKind.SUCCESS,
                                         received_at=clock.now()))
            for i in range(200)
        ))
    finally:
        for writer in writers:
            await writer.stop()
        await other.dispose()
    assert answers.count(True) == 200
    assert await ping_count(db, hb.id) == 200


async def test_a_batch_mixing_known_and_unknown_tokens_answers_each_one(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    writer = PingWriter(db)
    writer.start()
    try:
        answers = await asyncio.gather(*(
            writer.submit(PingIn(token=hb.token if i % 2 else f"unknown-token-{i:08d}",
                                 kind=PingKind.SUCCESS, received_at=clock.now()))
            for i in range(20)
        ))
    finally:
        await writer.stop()
    assert answers == [bool(i % 2) for i in range(20)]
    assert await ping_count(db, hb.id) == 10


async def test_stopping_the_writer_commits_the_pings_already_queued(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    writer = PingWriter(db, max_batch=4)
    writer.start()
    pending = [asyncio.create_task(writer.submit(PingIn(
        token=hb.token, kind=PingKind.SUCCESS, received_at=clock.now()))) for _ in range(50)]
    await asyncio.sleep(0)  # let every submit enqueue
    await writer.stop()
    assert all(task.done() and task.result() for task in pending)
    assert await ping_count(db, hb.id) == 50
