"""When cronbeat itself was down, jobs that pinged meanwhile could not be heard: after the
restart nobody is paged for the deadlines that passed; each affected heartbeat gets a fresh
grace from the restart, noted on its timeline, and pages only if no ping comes in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Flip
from cronbeat.enums import Status
from cronbeat.schedules import Period
from cronbeat.services.outages import SILENCE, last_alive, note_alive, recover
from cronbeat.status import Facts, evaluate
from helpers import flips_of, incidents_of, make_heartbeat, ping, reload, sweep

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_hold_keeps_a_heartbeat_late_not_down_until_it_ends() -> None:
    facts = Facts(Period(60), timedelta(seconds=30), None, Status.UP, anchor_at=T0,
                  hold_until=T0 + timedelta(minutes=10))
    assert evaluate(facts, T0 + timedelta(seconds=90)).status is Status.LATE
    assert evaluate(facts, T0 + timedelta(seconds=90)).deadline == T0 + timedelta(minutes=10)
    assert evaluate(facts, T0 + timedelta(minutes=10)).status is Status.DOWN
    # A hold that ends before the usual deadline changes nothing.
    early = Facts(Period(60), timedelta(seconds=30), None, Status.UP, anchor_at=T0,
                  hold_until=T0 + timedelta(seconds=10))
    assert evaluate(early, T0 + timedelta(seconds=60)).deadline == T0 + timedelta(seconds=90)


def test_a_hold_also_stretches_a_runs_maximum() -> None:
    running = Facts(Period(3600), timedelta(minutes=5), timedelta(minutes=2), Status.RUNNING,
                    anchor_at=T0, started_at=T0, hold_until=T0 + timedelta(minutes=20))
    assert evaluate(running, T0 + timedelta(minutes=3)).status is Status.RUNNING
    assert evaluate(running, T0 + timedelta(minutes=20)).status is Status.DOWN


async def _alive_then_down(db: Database, at: datetime) -> None:
    async with db.write() as session:
        await note_alive(session, at)


async def test_a_missed_deadline_during_the_outage_gets_a_fresh_grace_and_a_note(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), period=60, grace=120)
    await ping(db, heartbeat.token, clock.now())
    await _alive_then_down(db, clock.now() + timedelta(seconds=5))
    clock.advance(10 * 60)  # down for ten minutes: the ping due at 12:01 was never heard
    async with db.write() as session:
        outage = await recover(session, clock.now())
    assert outage is not None and outage.held == 1
    assert (outage.started_at, outage.ended_at) == (T0 + timedelta(seconds=5), clock.now())
    held = await reload(db, heartbeat.id)
    assert held.status is Status.LATE
    assert held.deadline == clock.now() + timedelta(seconds=120)
    assert (await flips_of(db, heartbeat.id))[-1] == ("up", "late")
    async with db.read() as session:
        note = await session.scalar(select(Flip.reason).where(Flip.heartbeat_id == heartbeat.id)
                                    .order_by(Flip.id.desc()).limit(1))
    assert note == "cronbeat down since 2026-03-02 12:00 UTC"
    await sweep(db, clock.now())
    assert await incidents_of(db, heartbeat.id) == []
    # A ping in the fresh grace: up, nobody paged.
    clock.advance(60)
    await ping(db, heartbeat.token, clock.now())
    assert (await reload(db, heartbeat.id)).status is Status.UP
    assert (await reload(db, heartbeat.id)).hold_until is None
    assert await incidents_of(db, heartbeat.id) == []


async def test_a_job_still_silent_after_the_fresh_grace_pages_then(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), period=60, grace=0)
    await ping(db, heartbeat.token, clock.now())
    await _alive_then_down(db, clock.now())
    clock.advance(5 * 60)
    async with db.write() as session:
        await recover(session, clock.now())
    clock.advance(59)
    await sweep(db, clock.now())
    assert await incidents_of(db, heartbeat.id) == []  # at least a minute, even with no grace
    clock.advance(1)
    await sweep(db, clock.now())
    assert len(await incidents_of(db, heartbeat.id)) == 1


async def test_a_short_silence_or_a_first_start_is_no_outage(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), period=60, grace=0)
    await ping(db, heartbeat.token, clock.now())
    async with db.write() as session:
        assert await recover(session, clock.now()) is None  # never alive before: first start
    clock.advance(SILENCE.total_seconds())
    async with db.write() as session:
        assert await recover(session, clock.now()) is None
        assert await last_alive(session) == clock.now()
    await sweep(db, clock.now())
    assert len(await incidents_of(db, heartbeat.id)) == 1  # its deadline was not in a silence


async def test_heartbeats_already_down_or_paused_or_due_later_are_left_alone(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    down = await make_heartbeat(db, team_id, clock.now(), name="down", period=60, grace=0)
    later = await make_heartbeat(db, team_id, clock.now(), name="later", period=86400, grace=0)
    paused = await make_heartbeat(db, team_id, clock.now(), name="pending", period=60)
    for heartbeat in (down, later):
        await ping(db, heartbeat.token, clock.now())
    clock.advance(60)
    await sweep(db, clock.now())
    await _alive_then_down(db, clock.now())
    clock.advance(600)
    async with db.write() as session:
        outage = await recover(session, clock.now())
    assert outage is not None and outage.held == 0
    assert (await reload(db, down.id)).status is Status.DOWN
    assert (await reload(db, later.id)).hold_until is None
    assert (await reload(db, paused.id)).status is Status.PENDING


async def test_a_worker_starting_after_a_silence_holds_instead_of_paging(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    from cronbeat.worker import Worker

    heartbeat = await make_heartbeat(db, team_id, clock.now(), period=60, grace=30)
    await ping(db, heartbeat.token, clock.now())
    before = Worker(db, clock, max_sleep=60)
    await before.tick()  # it says it is alive
    clock.advance(15 * 60)  # the process died; a new one starts a quarter of an hour later
    after = Worker(db, clock, max_sleep=60)
    await after.tick()
    assert (await reload(db, heartbeat.id)).status is Status.LATE
    assert await incidents_of(db, heartbeat.id) == []
    clock.advance(60)
    await after.tick()
    assert len(await incidents_of(db, heartbeat.id)) == 1  # still silent: it pages now
