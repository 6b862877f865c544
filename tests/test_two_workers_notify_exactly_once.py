"""Two workers on one database, as two `cronbeat worker` processes would be: every incident is
opened once and every notification is delivered exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.db.models import Incident
from cronbeat.delivery import Deliverer
from cronbeat.enums import PingKind
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.pings import PingIn, record_pings
from cronbeat.worker import Worker
from helpers import add_channel, set_team_policy
from local_http_receiver import Receiver, running_receiver

COUNT = 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def test_two_workers_open_each_incident_once_and_deliver_each_alert_once(
    database_url: str, db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    channel = await add_channel(db, team_id, "webhook", receiver.url(), clock.now(), secret="s")
    await set_team_policy(db, team_id, Policy(steps=(
        Step(0, (Target(TargetKind.CHANNEL, channel),)),)), clock.now())
    async with db.write() as session:
        made = [await create_heartbeat(session, team_id, HeartbeatSpec(f"job {i}", period=60,
                                                                       grace=0), clock.now())
                for i in range(COUNT)]
        await record_pings(session, [PingIn(token=hb.token, kind=PingKind.SUCCESS,
                                            received_at=clock.now()) for hb in made])
    clock.advance(61)
    other = Database(database_url)
    settings = Settings(base_url="http://cronbeat.test")
    try:
        async def work(database: Database) -> None:
            worker = Worker(database, clock, max_sleep=1)
            deliverer = Deliverer(database, clock, settings, max_sleep=1)
            await worker.tick()
            for _ in range(5):  # a delivery the receiver dropped is retried after its wait
                while await deliverer.deliver_due():
                    pass
                await asyncio.sleep(0.05)

        await asyncio.gather(work(db), work(other), work(db), work(other))
        clock.advance(3600)
        await asyncio.gather(work(db), work(other))
    finally:
        await other.dispose()

    async with db.read() as session:
        incidents = await session.scalar(select(func.count()).select_from(Incident))
    assert incidents == COUNT
    keys = Counter(request.headers["idempotency-key"] for request in receiver.requests)
    assert len(keys) == COUNT
    assert set(keys.values()) == {1}
