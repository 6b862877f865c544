"""A heartbeat moves pending → up → late → down and back, on a real database with exact
instants; incidents open once and resolve once."""

from __future__ import annotations

from datetime import timedelta

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.enums import EventKind, IncidentReason, IncidentState, PingKind, Status
from helpers import events_of, flips_of, incidents_of, make_heartbeat, ping, reload, sweep

S = timedelta(seconds=1)


async def test_it_stays_pending_until_the_first_ping(db: Database, team_id: int, clock: FixedClock):
    hb = await make_heartbeat(db, team_id, clock.now())
    assert await sweep(db, clock.now() + 3600 * S) == 0
    assert (await reload(db, hb.id)).status is Status.PENDING
    assert await incidents_of(db, hb.id) == []


async def test_the_first_ping_starts_the_period(db: Database, team_id: int, clock: FixedClock):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now() + 10 * S
    await ping(db, hb.token, t0)
    row = await reload(db, hb.id)
    assert row.status is Status.UP
    assert row.last_ping_at == t0
    assert row.deadline == t0 + 60 * S
    assert await flips_of(db, hb.id) == [("pending", "up")]


async def test_it_goes_late_at_the_due_time_and_down_after_the_grace(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0)
    assert await sweep(db, t0 + 59 * S) == 0
    assert await sweep(db, t0 + 60 * S) == 1
    late = await reload(db, hb.id)
    assert (late.status, late.deadline) == (Status.LATE, t0 + 90 * S)
    assert await incidents_of(db, hb.id) == []

    assert await sweep(db, t0 + 89 * S) == 0
    assert await sweep(db, t0 + 90 * S) == 1
    down = await reload(db, hb.id)
    assert (down.status, down.deadline) == (Status.DOWN, None)
    [incident] = await incidents_of(db, hb.id)
    assert (incident.reason, incident.state, incident.opened_at) == (
        IncidentReason.MISSED, IncidentState.OPEN, t0 + 90 * S)
    assert down.incident_id == incident.id
    assert await flips_of(db, hb.id) == [("pending", "up"), ("up", "late"), ("late", "down")]


async def test_it_opens_an_incident_only_once_however_often_the_worker_looks(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0)
    for minute in range(1, 10):
        await sweep(db, t0 + minute * 60 * S)
    assert len(await incidents_of(db, hb.id)) == 1


async def test_the_next_success_resolves_the_incident(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0)
    await sweep(db, t0 + 95 * S)
    await ping(db, hb.token, t0 + 100 * S)
    row = await reload(db, hb.id)
    assert (row.status, row.incident_id, row.deadline) == (Status.UP, None, t0 + 160 * S)
    [incident] = await incidents_of(db, hb.id)
    assert (incident.state, incident.resolved_at, incident.resolved_by) == (
        IncidentState.RESOLVED, t0 + 100 * S, "cronbeat")
    kinds = [event.kind for event in await events_of(db, incident.id)]
    assert kinds == [EventKind.OPENED, EventKind.NOTIFIED, EventKind.RESOLVED]
    # A second success changes nothing more.
    await ping(db, hb.token, t0 + 110 * S)
    assert len(await incidents_of(db, hb.id)) == 1


async def test_a_failure_ping_takes_it_down_at_once_with_exit_code_and_output(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0)
    await ping(db, hb.token, t0 + 5 * S, PingKind.FAIL, exit_code=3, body=b"disk full\n")
    row = await reload(db, hb.id)
    assert (row.status, row.deadline) == (Status.DOWN, None)
    [incident] = await incidents_of(db, hb.id)
    assert (incident.reason, incident.exit_code, incident.output) == (
        IncidentReason.FAILED, 3, "disk full\n")


async def test_a_second_failure_extends_the_open_incident_instead_of_opening_another(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0, PingKind.FAIL)
    await ping(db, hb.token, t0 + 60 * S, PingKind.FAIL, exit_code=2)
    [incident] = await incidents_of(db, hb.id)
    events = await events_of(db, incident.id)
    assert [e.kind for e in events] == [EventKind.OPENED, EventKind.NOTIFIED,
                                        EventKind.FAILED_AGAIN]
    assert events[2].detail == "failed again with exit code 2"


async def test_a_start_shows_running_and_the_end_records_the_run_time(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0, PingKind.START)
    running = await reload(db, hb.id)
    assert (running.status, running.started_at) == (Status.RUNNING, t0)
    await ping(db, hb.token, t0 + 42 * S)
    done = await reload(db, hb.id)
    assert (done.status, done.started_at, done.deadline) == (Status.UP, None, t0 + 102 * S)
    from cronbeat.services.heartbeats import recent_pings

    async with db.read() as session:
        end, start = await recent_pings(session, hb.id)
    assert (end.kind, end.duration, start.kind, start.duration) == (
        PingKind.SUCCESS, 42.0, PingKind.START, None)


async def test_a_run_past_its_max_runtime_opens_a_timed_out_incident(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now(), period=3600, grace=600, max_runtime=120)
    t0 = clock.now()
    await ping(db, hb.token, t0, PingKind.START)
    assert (await reload(db, hb.id)).deadline == t0 + 120 * S
    assert await sweep(db, t0 + 119 * S) == 0
    assert await sweep(db, t0 + 120 * S) == 1
    [incident] = await incidents_of(db, hb.id)
    assert incident.reason is IncidentReason.TIMED_OUT
    # The job finally ends well: the incident resolves.
    await ping(db, hb.token, t0 + 300 * S)
    assert (await incidents_of(db, hb.id))[0].state is IncidentState.RESOLVED
    assert (await reload(db, hb.id)).status is Status.UP


async def test_overlapping_runs_are_paired_by_rid(db: Database, team_id: int, clock: FixedClock):
    hb = await make_heartbeat(db, team_id, clock.now(), period=3600)
    t0 = clock.now()
    await ping(db, hb.token, t0, PingKind.START, rid="run-a")
    await ping(db, hb.token, t0 + 10 * S, PingKind.START, rid="run-b")
    await ping(db, hb.token, t0 + 30 * S, PingKind.SUCCESS, rid="run-a")
    still = await reload(db, hb.id)
    assert (still.status, still.started_rid) == (Status.RUNNING, "run-b")
    await ping(db, hb.token, t0 + 50 * S, PingKind.SUCCESS, rid="run-b")
    from cronbeat.services.heartbeats import recent_pings

    async with db.read() as session:
        durations = [p.duration for p in await recent_pings(session, hb.id)]
    assert durations == [40.0, 30.0, None, None]
    assert (await reload(db, hb.id)).status is Status.UP


async def test_exit_code_zero_is_a_success_and_others_are_failures(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0, PingKind.SUCCESS, exit_code=0)
    assert (await reload(db, hb.id)).status is Status.UP
    await ping(db, hb.token, t0 + S, PingKind.FAIL, exit_code=255)
    assert (await reload(db, hb.id)).status is Status.DOWN
    assert (await incidents_of(db, hb.id))[0].exit_code == 255


async def test_a_log_ping_changes_nothing(db: Database, team_id: int, clock: FixedClock):
    hb = await make_heartbeat(db, team_id, clock.now())
    await ping(db, hb.token, clock.now(), PingKind.LOG, body=b"step 1 done")
    row = await reload(db, hb.id)
    assert (row.status, row.last_ping_at, row.deadline) == (Status.PENDING, None, None)


async def test_an_unknown_token_is_not_found_and_stores_nothing(
    db: Database, team_id: int, clock: FixedClock
):
    assert await ping(db, "no-such-token-0000000", clock.now()) is False


async def test_a_log_ping_keeps_the_deadline_so_a_miss_is_still_seen(
    db: Database, team_id: int, clock: FixedClock
):
    hb = await make_heartbeat(db, team_id, clock.now())
    t0 = clock.now()
    await ping(db, hb.token, t0)
    await ping(db, hb.token, t0 + 10 * S, PingKind.LOG, body=b"halfway")
    assert (await reload(db, hb.id)).deadline == t0 + 60 * S
    await sweep(db, t0 + 90 * S)
    assert (await reload(db, hb.id)).status is Status.DOWN
