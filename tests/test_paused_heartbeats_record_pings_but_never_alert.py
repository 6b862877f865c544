from __future__ import annotations

from datetime import timedelta

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.enums import IncidentState, PingKind, Status
from cronbeat.services.heartbeats import pause, resume
from helpers import incidents_of, make_heartbeat, ping, ping_count, reload, sweep

S = timedelta(seconds=1)


async def test_pings_to_a_paused_heartbeat_are_recorded_without_changing_its_state(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0)
    async with db.write() as session:
        await pause(session, await reload_in(session, hb.id), t0 + S, "tester")
    await ping(db, hb.token, t0 + 2 * S, PingKind.FAIL, exit_code=1)
    await ping(db, hb.token, t0 + 3 * S, PingKind.START)
    assert await sweep(db, t0 + 3600 * S) == 0
    row = await reload(db, hb.id)
    assert (row.status, row.deadline, row.last_ping_at) == (Status.PAUSED, None, t0 + 3 * S)
    assert await ping_count(db, hb.id) == 3
    assert await incidents_of(db, hb.id) == []


async def test_pausing_resolves_the_open_incident_and_resuming_gives_a_fresh_period(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0, PingKind.FAIL)
    async with db.write() as session:
        await pause(session, await reload_in(session, hb.id), t0 + 10 * S, "tester")
    [incident] = await incidents_of(db, hb.id)
    assert (incident.state, incident.resolved_by) == (IncidentState.RESOLVED, "tester")

    async with db.write() as session:
        await resume(session, await reload_in(session, hb.id), t0 + 100 * S)
    row = await reload(db, hb.id)
    assert (row.status, row.deadline) == (Status.UP, t0 + 160 * S)
    await sweep(db, t0 + 190 * S)
    assert (await reload(db, hb.id)).status is Status.DOWN
    assert len(await incidents_of(db, hb.id)) == 2


async def test_a_heartbeat_paused_before_its_first_ping_resumes_as_pending(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    async with db.write() as session:
        await pause(session, await reload_in(session, hb.id), clock.now(), "tester")
    async with db.write() as session:
        await resume(session, await reload_in(session, hb.id), clock.now() + S)
    row = await reload(db, hb.id)
    assert (row.status, row.deadline) == (Status.PENDING, None)


async def reload_in(session, heartbeat_id):  # type: ignore[no-untyped-def]
    from cronbeat.db.models import Heartbeat

    return await session.get(Heartbeat, heartbeat_id)
