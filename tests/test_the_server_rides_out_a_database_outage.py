"""When the database cannot be reached, a ping is answered 503 with Retry-After (so that
`curl --retry` tries again) and never 2xx; the REST API answers 503 too; when the database is
back, the same server goes on by itself. PostgreSQL only: a database whose connections are
refused and cut is a real outage; an SQLite file cannot be made unreachable to root."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.teams import bootstrap
from helpers import ping_count
from own_postgres import admin, own_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_database() -> Iterator[tuple[str, str]]:
    with own_postgres("cronbeat_outage") as database:
        yield database


async def _cut(name: str) -> None:
    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 f"WHERE datname = '{name}'")


async def _restore(name: str) -> None:
    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@pytest.fixture
async def served(
    own_database: tuple[str, str],
) -> AsyncIterator[tuple[httpx.AsyncClient, Database, str, str]]:
    name, url = own_database
    db = Database(url)
    clock = FixedClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    async with db.write() as session:
        first = await bootstrap(session, clock.now(), admin_email="a@example.test")
        assert first is not None
        heartbeat = await create_heartbeat(session, first.team.id,
                                           HeartbeatSpec(name="job", period=60), clock.now())
        key = first.api_key
        token = heartbeat.token
    app = create_app(Settings(base_url="http://cronbeat.test"), db=db, clock=clock,
                     run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cronbeat.test",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            yield client, db, name, token
    await db.dispose()


async def test_pings_get_503_while_the_database_is_away_and_200_once_it_is_back(
    served: tuple[httpx.AsyncClient, Database, str, str],
) -> None:
    client, db, name, token = served
    assert (await client.post(f"/ping/{token}", content=b"before")).status_code == 200
    await _cut(name)
    try:
        for _ in range(3):
            away = await client.post(f"/ping/{token}", content=b"while away")
            assert away.status_code == 503
            assert away.headers["Retry-After"] == "1"
        api = await client.get("/api/v1/heartbeats")
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "unavailable"
    finally:
        await _restore(name)
    back = await client.post(f"/ping/{token}", content=b"after")
    if back.status_code == 503:  # the first try may meet a connection cut while away
        back = await client.post(f"/ping/{token}", content=b"after")
    assert back.status_code == 200
    assert (await client.get("/api/v1/heartbeats")).status_code == 200
    async with db.read() as session:
        bodies = {row[0] for row in await session.execute(text("SELECT body FROM pings"))}
    assert bodies == {b"before", b"after"}
    assert await ping_count(db, 1) == 2
