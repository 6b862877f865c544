"""Every notification arrives: failed attempts are retried with growing waits, each attempt is
recorded, and a receiver that stays down ends as a failure shown on the incident."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.db.outbox_models import Notification, NotificationAttempt
from cronbeat.delivery import Deliverer
from cronbeat.enums import EventKind, NotificationStatus, PingKind
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services.outbox import MAX_ATTEMPTS, backoff
from helpers import add_channel, events_of, incidents_of, make_heartbeat, ping, set_team_policy
from local_http_receiver import Answer, Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def page_the_webhook(db: Database, team_id: int, clock: FixedClock, url: str) -> int:
    channel = await add_channel(db, team_id, "webhook", url, clock.now(), secret="s")
    await set_team_policy(db, team_id, Policy(steps=(
        Step(0, (Target(TargetKind.CHANNEL, channel),)),)), clock.now())
    hb = await make_heartbeat(db, team_id, clock.now())
    await ping(db, hb.token, clock.now(), PingKind.FAIL)
    [incident] = await incidents_of(db, hb.id)
    return incident.id


async def the_notification(db: Database) -> tuple[Notification, list[NotificationAttempt]]:
    async with db.read() as session:
        [row] = (await session.scalars(select(Notification))).all()
        attempts = (await session.scalars(
            select(NotificationAttempt).order_by(NotificationAttempt.id))).all()
    return row, list(attempts)


def test_the_wait_doubles_from_ten_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 9, 20)] == [
        10, 20, 40, 80, 2560, 3600]


async def test_a_receiver_that_fails_three_times_gets_one_delivery_after_four_attempts(
    db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    await page_the_webhook(db, team_id, clock, receiver.url())
    deliverer = Deliverer(db, clock, Settings(base_url="http://cronbeat.test"), max_sleep=60)
    receiver.answer = Answer(status=503)
    for attempt in (1, 2, 3):
        assert await deliverer.deliver_due() == 1
        # Not again before its wait is over.
        clock.advance(backoff(attempt).total_seconds() - 0.001)
        assert await deliverer.deliver_due() == 0
        clock.advance(0.001)
    receiver.answer = Answer(status=200)
    assert await deliverer.deliver_due() == 1
    clock.advance(3600)
    assert await deliverer.deliver_due() == 0

    row, attempts = await the_notification(db)
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 4)
    assert [a.ok for a in attempts] == [False, False, False, True]
    assert "503" in attempts[0].error
    assert len(receiver.requests) == 4
    assert len({r.headers["idempotency-key"] for r in receiver.requests}) == 1
    assert [r.body for r in receiver.requests].count(receiver.requests[0].body) == 4


async def test_a_receiver_down_for_good_ends_as_a_visible_failure(
    db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    incident_id = await page_the_webhook(db, team_id, clock, receiver.url())
    deliverer = Deliverer(db, clock, Settings(base_url="http://cronbeat.test"), max_sleep=60)
    receiver.answer = Answer(status=500, body=b"boom")
    for _ in range(MAX_ATTEMPTS):
        assert await deliverer.deliver_due() == 1
        clock.advance(3600)
    assert await deliverer.deliver_due() == 0
    row, attempts = await the_notification(db)
    assert (row.status, len(attempts)) == (NotificationStatus.FAILED, MAX_ATTEMPTS)
    [failed] = [e for e in await events_of(db, incident_id)
                if e.kind is EventKind.DELIVERY_FAILED]
    assert failed.detail.startswith(f"could not notify webhook channel by webhook "
                                    f"({MAX_ATTEMPTS} attempts): ")


async def test_a_permanent_refusal_is_not_retried(
    db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    await page_the_webhook(db, team_id, clock, receiver.url())
    deliverer = Deliverer(db, clock, Settings(base_url="http://cronbeat.test"), max_sleep=60)
    receiver.answer = Answer(status=410)
    await deliverer.deliver_due()
    clock.advance(timedelta(days=1).total_seconds())
    assert await deliverer.deliver_due() == 0
    row, attempts = await the_notification(db)
    assert (row.status, len(attempts), attempts[0].permanent) == (
        NotificationStatus.FAILED, 1, True)


async def test_a_notification_held_by_a_worker_that_died_is_taken_over_after_its_lease(
    db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    from cronbeat.services.outbox import LEASE, claim_due

    await page_the_webhook(db, team_id, clock, receiver.url())
    async with db.write() as session:  # a worker claims it, then dies before sending
        assert len(await claim_due(session, clock.now(), 10)) == 1
    deliverer = Deliverer(db, clock, Settings(base_url="http://cronbeat.test"), max_sleep=60)
    assert await deliverer.deliver_due() == 0
    clock.advance(LEASE.total_seconds())
    assert await deliverer.deliver_due() == 1
    row, _ = await the_notification(db)
    assert (row.status, row.attempts, len(receiver.requests)) == (NotificationStatus.SENT, 2, 1)
