"""`/metrics` counts what the background loops do: notifications sent and failed by channel
kind, the delay from a missed deadline to its first delivered alert, and how late the worker
woke. The loops are the real Worker and Deliverer, given the app's own metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.delivery import Deliverer
from cronbeat.enums import PingKind
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services.outbox import backoff
from cronbeat.worker import Worker
from helpers import add_channel, make_heartbeat, ping, set_team_policy
from local_http_receiver import Answer, Receiver, running_receiver


@dataclass
class Running:
    client: httpx.AsyncClient
    worker: Worker
    deliverer: Deliverer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def running(db: Database, clock: FixedClock, settings: Settings) -> AsyncIterator[Running]:
    app: FastAPI = create_app(settings, db=db, clock=clock, run_worker=False)
    metrics = app.state.metrics
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cronbeat.test") as c:
            yield Running(c, Worker(db, clock, max_sleep=60, metrics=metrics),
                          Deliverer(db, clock, settings, max_sleep=60, metrics=metrics))


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, str], float]:
    """Samples by name and the value of their one label ("" when they have none)."""
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    return {(s.name, next(iter(s.labels.values()), "")): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples
            if "le" not in s.labels}


async def page_a_webhook(db: Database, team_id: int, clock: FixedClock, url: str) -> None:
    channel = await add_channel(db, team_id, "webhook", url, clock.now(), secret="s")
    await set_team_policy(db, team_id, Policy(steps=(
        Step(0, (Target(TargetKind.CHANNEL, channel),)),)), clock.now())


async def test_notifications_are_counted_by_channel_kind_and_the_first_alert_delay_observed(
    running: Running, db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    await page_a_webhook(db, team_id, clock, receiver.url())
    heartbeat = await make_heartbeat(db, team_id, clock.now())  # period 60, grace 30
    await ping(db, heartbeat.token, clock.now())
    clock.advance(90)  # the deadline: the worker opens an incident and queues the alert
    await running.worker.tick()
    clock.advance(2.5)
    receiver.answer = Answer(status=503)
    assert await running.deliverer.deliver_due() == 1
    clock.advance(backoff(1).total_seconds())
    receiver.answer = Answer(status=200)
    assert await running.deliverer.deliver_due() == 1

    scraped = await scrape(running.client)
    assert scraped[("cronbeat_notifications_failed_total", "webhook")] == 1
    assert scraped[("cronbeat_notifications_sent_total", "webhook")] == 1
    assert scraped[("cronbeat_alert_delay_seconds_count", "")] == 1
    assert scraped[("cronbeat_alert_delay_seconds_sum", "")] == 2.5 + backoff(1).total_seconds()

    await ping(db, heartbeat.token, clock.now())  # recovers: a recovery message, not an alert
    assert await running.deliverer.deliver_due() == 1
    scraped = await scrape(running.client)
    assert scraped[("cronbeat_notifications_sent_total", "webhook")] == 2
    assert scraped[("cronbeat_alert_delay_seconds_count", "")] == 1


async def test_an_alert_for_a_reported_failure_has_no_deadline_so_no_alert_delay(
    running: Running, db: Database, team_id: int, clock: FixedClock, receiver: Receiver
):
    await page_a_webhook(db, team_id, clock, receiver.url())
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    await ping(db, heartbeat.token, clock.now(), PingKind.FAIL)
    clock.advance(1)
    assert await running.deliverer.deliver_due() == 1
    scraped = await scrape(running.client)
    assert scraped[("cronbeat_notifications_sent_total", "webhook")] == 1
    assert scraped[("cronbeat_alert_delay_seconds_count", "")] == 0


async def test_the_worker_lag_is_how_long_after_its_planned_time_a_pass_began(
    running: Running, db: Database, team_id: int, clock: FixedClock
):
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    await ping(db, heartbeat.token, clock.now())
    sleep = await running.worker.tick()
    assert sleep == 60
    clock.advance(sleep + 0.25)
    sleep = await running.worker.tick()  # woke a quarter of a second late
    clock.advance(sleep / 2)
    await running.worker.tick()  # woken early by a nearer deadline: not late at all

    scraped = await scrape(running.client)
    assert scraped[("cronbeat_worker_lag_seconds_count", "")] == 1
    assert scraped[("cronbeat_worker_lag_seconds_sum", "")] == 0.25
