"""Pings are limited per URL (CRONBEAT_PING_RATE_LIMIT a minute, in bursts up to as many):
beyond it a URL gets 429 with Retry-After, and a flood on one URL does not hold up others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from helpers import make_heartbeat, ping_count


@asynccontextmanager
async def _client(db: Database, clock: FixedClock, limit: int) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(base_url="http://cronbeat.test", ping_rate_limit=limit)
    app = create_app(settings, db=db, clock=clock, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cronbeat.test") as c:
            yield c


@pytest.fixture
async def limited(
    db: Database, clock: FixedClock, team_id: int
) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(db, clock, 6) as client:
        yield client


async def test_a_url_over_its_limit_gets_429_and_when_to_retry(
    limited: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    url = f"/api/v1/heartbeat/{heartbeat.token}"
    answers = [(await limited.post(url, content=b"x")).status_code for _ in range(8)]
    assert answers == [200] * 6 + [429] * 2
    refused = await limited.get(url)
    assert refused.headers["Retry-After"] == "10"  # one ping a minute / 6 comes back each 10 s
    assert "too many pings" in refused.text
    assert await ping_count(db, heartbeat.id) == 6  # refused pings are not stored
    clock.advance(10)
    assert (await limited.get(url)).status_code == 200


async def test_a_flood_on_one_url_does_not_touch_another(
    limited: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    noisy = await make_heartbeat(db, team_id, clock.now(), name="noisy")
    quiet = await make_heartbeat(db, team_id, clock.now(), name="quiet")
    flood = [limited.post(f"/api/v1/heartbeat/{noisy.token}") for _ in range(200)]
    calm = [limited.post(f"/ping/{quiet.token}/start"), limited.post(f"/ping/{quiet.token}")]
    answers = await asyncio.gather(*flood, *calm)
    assert sum(a.status_code == 200 for a in answers[:200]) == 6
    assert [a.status_code for a in answers[200:]] == [200, 200]


async def test_the_limit_is_600_a_minute_by_default_and_0_turns_it_off(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    assert Settings().ping_rate_limit == 600
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    async with _client(db, clock, 0) as unlimited:
        answers = await asyncio.gather(*[unlimited.post(f"/ping/{heartbeat.token}")
                                         for _ in range(700)])
    assert {a.status_code for a in answers} == {200}
