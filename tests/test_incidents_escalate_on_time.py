"""Escalation on a real database with a pinned clock: who is paged, and exactly when."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Incident
from cronbeat.db.oncall_models import ContactMethod, Policy
from cronbeat.enums import EventKind, PingKind
from cronbeat.escalation import Policy as PolicySpec
from cronbeat.escalation import Step, Target, TargetKind
from cronbeat.services.escalations import process_due_escalations
from cronbeat.services.heartbeats import resolve_by_hand
from cronbeat.services.incidents import acknowledge
from helpers import (
    add_channel,
    add_member,
    add_schedule,
    events_of,
    incidents_of,
    make_heartbeat,
    notifications_of,
    ping,
    set_team_policy,
)

S = timedelta(seconds=1)


async def escalate(db: Database, now) -> int:  # type: ignore[no-untyped-def]
    async with db.write() as session:
        return await process_due_escalations(session, now)


async def fail(db: Database, team_id: int, clock: FixedClock) -> Incident:
    hb = await make_heartbeat(db, team_id, clock.now())
    await ping(db, hb.token, clock.now(), PingKind.FAIL, exit_code=1)
    [incident] = await incidents_of(db, hb.id)
    return incident


async def test_the_person_on_call_is_paged_at_once_and_the_team_after_the_wait(
    db: Database, team_id: int, clock: FixedClock
):
    ana = await add_member(db, team_id, "Ana", clock.now())
    bo = await add_member(db, team_id, "Bo", clock.now())
    await add_schedule(db, team_id, [ana, bo], clock.now())
    incident = await fail(db, team_id, clock)
    t0 = clock.now()
    assert await notifications_of(db, incident.id) == [
        ("alert", "email", "ana@example.test", "Ana")]
    assert await escalate(db, t0 + 299 * S) == 0
    assert await escalate(db, t0 + 300 * S) == 1
    assert await notifications_of(db, incident.id) == [
        ("alert", "email", "ana@example.test", "Ana"),
        ("alert", "email", "admin@example.test", "Admin"),
        ("alert", "email", "ana@example.test", "Ana"),
        ("alert", "email", "bo@example.test", "Bo"),
    ]
    events = [(e.kind, e.detail) for e in await events_of(db, incident.id)]
    assert events[1:] == [
        (EventKind.NOTIFIED, "step 1: Ana (email)"),
        (EventKind.NOTIFIED, "step 2: Admin (email), Ana (email), Bo (email)"),
    ]
    # Nothing more after the last step.
    assert await escalate(db, t0 + 10_000 * S) == 0


async def test_with_nobody_on_call_the_whole_team_is_paged(
    db: Database, team_id: int, clock: FixedClock
):
    await add_member(db, team_id, "Ana", clock.now())
    incident = await fail(db, team_id, clock)
    assert [n[3] for n in await notifications_of(db, incident.id)] == ["Admin", "Ana"]


async def test_acknowledging_stops_the_escalation(db: Database, team_id: int, clock: FixedClock):
    incident = await fail(db, team_id, clock)
    async with db.write() as session:
        row = await session.get(Incident, incident.id)
        assert row is not None
        await acknowledge(session, row, clock.now() + 10 * S, "Ana")
        assert row.next_escalation_at is None
    assert await escalate(db, clock.now() + 3600 * S) == 0
    assert len(await notifications_of(db, incident.id)) == 1


async def test_a_contact_method_replaces_the_account_email(
    db: Database, team_id: int, clock: FixedClock
):
    ana = await add_member(db, team_id, "Ana", clock.now())
    await add_schedule(db, team_id, [ana], clock.now())
    async with db.write() as session:
        session.add_all([
            ContactMethod(user_id=ana, kind="apprise", target="json://127.0.0.1:9/ana",
                          label="phone", created_at=clock.now()),
            ContactMethod(user_id=ana, kind="email", target="ana.pager@example.test", label="",
                          created_at=clock.now()),
        ])
    incident = await fail(db, team_id, clock)
    assert await notifications_of(db, incident.id) == [
        ("alert", "apprise", "json://127.0.0.1:9/ana", "Ana"),
        ("alert", "email", "ana.pager@example.test", "Ana"),
    ]


async def test_a_repeating_policy_starts_over_after_its_delay(
    db: Database, team_id: int, clock: FixedClock
):
    channel = await add_channel(db, team_id, "webhook", "http://127.0.0.1:9/hook", clock.now())
    await set_team_policy(db, team_id, PolicySpec(
        steps=(Step(60, (Target(TargetKind.CHANNEL, channel),)),), repeat=2, repeat_delay=600,
    ), clock.now())
    incident = await fail(db, team_id, clock)
    t0 = clock.now()
    assert await notifications_of(db, incident.id) == []  # step 1 waits 60 s
    fired_at = []
    for second in range(0, 2000, 10):
        if await escalate(db, t0 + second * S):
            fired_at.append(second)
    # 60 s, then 600 + 60 s after each firing, three times in all.
    assert fired_at == [60, 720, 1380]
    assert len(await notifications_of(db, incident.id)) == 3


async def test_editing_the_policy_does_not_change_an_escalation_already_running(
    db: Database, team_id: int, clock: FixedClock
):
    policy_id = await set_team_policy(db, team_id, PolicySpec(
        steps=(Step(0, (Target(TargetKind.TEAM),)), Step(300, (Target(TargetKind.TEAM),))),
    ), clock.now())
    incident = await fail(db, team_id, clock)
    async with db.write() as session:
        policy = await session.get(Policy, policy_id)
        assert policy is not None
        policy.steps = [{"wait": 0, "targets": [{"kind": "team", "ref": None}]}]
    assert await escalate(db, clock.now() + 300 * S) == 1
    assert len(await notifications_of(db, incident.id)) == 2


async def test_resolving_sends_a_recovery_notice_to_everyone_who_was_paged(
    db: Database, team_id: int, clock: FixedClock
):
    await add_member(db, team_id, "Ana", clock.now())
    hb = await make_heartbeat(db, team_id, clock.now())
    await ping(db, hb.token, clock.now(), PingKind.FAIL)
    await ping(db, hb.token, clock.now() + 60 * S)  # a success resolves it
    [incident] = await incidents_of(db, hb.id)
    assert await notifications_of(db, incident.id) == [
        ("alert", "email", "admin@example.test", "Admin"),
        ("alert", "email", "ana@example.test", "Ana"),
        ("recovery", "email", "admin@example.test", "Admin"),
        ("recovery", "email", "ana@example.test", "Ana"),
    ]


async def test_resolving_by_hand_also_sends_recovery_notices(
    db: Database, team_id: int, clock: FixedClock
):
    incident = await fail(db, team_id, clock)
    async with db.write() as session:
        row = await session.get(Incident, incident.id)
        assert row is not None
        await resolve_by_hand(session, row, clock.now() + 60 * S, "Ana")
    purposes = [n[0] for n in await notifications_of(db, incident.id)]
    assert purposes == ["alert", "recovery"]


async def test_incidents_due_for_escalation_are_found_by_index(
    db: Database, team_id: int, clock: FixedClock
):
    incident = await fail(db, team_id, clock)
    async with db.read() as session:
        due = (await session.scalars(select(Incident.next_escalation_at))).all()
    assert due == [incident.opened_at + 300 * S]
