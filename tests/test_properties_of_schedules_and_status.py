"""Properties that must hold for every schedule and every sequence of pings, checked with
Hypothesis: the next deadline is always after the instant it is asked from; a heartbeat never
has two incidents open; its flips always alternate; and its verdict never looks into the past."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cronbeat.db.engine import Database
from cronbeat.db.models import Flip, Incident
from cronbeat.enums import PingKind, Status
from cronbeat.schedules import Cron, Period, ScheduleError, parse_cron
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.pings import PingIn, record_pings
from cronbeat.services.sweep import process_due
from cronbeat.status import Facts, apply_ping, evaluate

ZONES = ["UTC", "Europe/Riga", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
                        timezones=st.just(UTC))
minutes = st.sampled_from(["*", "0", "30", "*/5", "0,15,45", "59"])
hours = st.sampled_from(["*", "0", "2", "3", "*/6", "1-4", "23"])
days = st.sampled_from(["*", "1", "15", "28", "31", "*/10"])
months = st.sampled_from(["*", "1", "3", "10", "11", "2,8", "*/3"])
weekdays = st.sampled_from(["*", "0", "1-5", "6", "SUN", "MON,FRI"])


@st.composite
def crons(draw: st.DrawFn) -> Cron:
    expression = " ".join(draw(part) for part in (minutes, hours, days, months, weekdays))
    try:
        return parse_cron(expression, draw(st.sampled_from(ZONES)),
                          datetime(2026, 1, 1, tzinfo=UTC))
    except ScheduleError:  # e.g. the 31st of November: refused, as it should be
        assume(False)
        raise


schedules = st.one_of(st.builds(Period, st.integers(1, 366 * 86400)), crons())


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, after=instants)
def test_the_next_deadline_is_always_after_the_instant_asked_from(
    schedule: Period | Cron, after: datetime
) -> None:
    due = schedule.next_due(after)
    assert due > after
    assert schedule.next_due(due) > due
    if isinstance(schedule, Period):
        assert due == after + timedelta(seconds=schedule.seconds)


events = st.lists(st.tuples(st.sampled_from(["success", "start", "fail", "log", "look"]),
                            st.integers(1, 7200)), min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, grace=st.integers(0, 3600),
       max_runtime=st.one_of(st.none(), st.integers(1, 7200)), start=instants, steps=events)
def test_a_verdict_never_sets_a_deadline_in_the_past(
    schedule: Period | Cron, grace: int, max_runtime: int | None, start: datetime,
    steps: list[tuple[str, int]],
) -> None:
    facts = Facts(schedule, timedelta(seconds=grace),
                  None if max_runtime is None else timedelta(seconds=max_runtime),
                  Status.PENDING)
    now = start
    for action, gap in steps:
        now += timedelta(seconds=gap)
        if action == "look":
            verdict = evaluate(facts, now)
            facts = Facts(facts.schedule, facts.grace, facts.max_runtime, verdict.status,
                          facts.anchor_at, facts.started_at, facts.started_rid)
        else:
            outcome = apply_ping(facts, PingKind(action), now, None)
            facts, verdict = outcome.facts, outcome.verdict
            if action in ("success", "start", "fail"):
                assert facts.anchor_at == now
        assert verdict.deadline is None or verdict.deadline > now
        assert (verdict.status is Status.DOWN) == (verdict.deadline is None
                                                   and facts.anchor_at is not None
                                                   and verdict.status is not Status.PAUSED)


@pytest.fixture(scope="module")
def database_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("properties") / "cronbeat.db"
    shutil.copy(sqlite_template, path)
    return path


async def _scenario(path: Path, period: int, grace: int, steps: list[tuple[str, int]]) -> None:
    from cronbeat.services.teams import bootstrap, first_team

    db = Database(f"sqlite:///{path}")
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    try:
        async with db.write() as session:
            team = await first_team(session) or (await bootstrap(
                session, now, admin_email="a@example.test")).team  # type: ignore[union-attr]
            heartbeat = await create_heartbeat(
                session, team.id, HeartbeatSpec(name="job", period=period, grace=grace), now)
        for action, gap in steps:
            now += timedelta(seconds=gap)
            async with db.write() as session:
                if action == "look":
                    await process_due(session, now)
                else:
                    await record_pings(session, [PingIn(token=heartbeat.token,
                                                        kind=PingKind(action), received_at=now)])
            async with db.read() as session:
                unresolved = await session.scalar(
                    select(func.count()).select_from(Incident)
                    .where(Incident.heartbeat_id == heartbeat.id, Incident.resolved_at.is_(None)))
                assert unresolved is not None and unresolved <= 1
                flips = (await session.execute(
                    select(Flip.old_status, Flip.new_status)
                    .where(Flip.heartbeat_id == heartbeat.id).order_by(Flip.id))).all()
        assert all(old != new for old, new in flips)
        for (_, new), (next_old, _) in itertools.pairwise(flips):
            assert next_old == new  # each flip starts where the last one ended
    finally:
        await db.dispose()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=st.integers(60, 7200), grace=st.integers(0, 600), steps=events)
def test_a_heartbeat_never_has_two_incidents_open_and_its_flips_alternate(
    database_file: Path, period: int, grace: int, steps: list[tuple[str, int]]
) -> None:
    asyncio.run(_scenario(database_file, period, grace, steps))
