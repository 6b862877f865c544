"""Shared fixtures: real databases (an SQLite file, and PostgreSQL when
CRONBEAT_TEST_POSTGRES_URL is set), a clock pinned to exact instants, and the ASGI app."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.base import Base
from cronbeat.db.engine import Database
from cronbeat.db.migrate import upgrade
from cronbeat.services.teams import bootstrap, create_api_key

POSTGRES_URL = os.environ.get("CRONBEAT_TEST_POSTGRES_URL")
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="set CRONBEAT_TEST_POSTGRES_URL to run on PostgreSQL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "cronbeat.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test run on the PostgreSQL server, migrated once."""
    assert POSTGRES_URL
    name = f"cronbeat_test_{uuid.uuid4().hex[:10]}"
    server = make_url(POSTGRES_URL)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(
            host=server.host, port=server.port or 5432, user=server.username,
            password=server.password, database=server.database or "postgres",
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "cronbeat.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if not database.is_sqlite:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with database.write() as session:
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def team_id(db: Database, clock: FixedClock) -> int:
    async with db.write() as session:
        first = await bootstrap(session, clock.now(), admin_email="admin@example.test")
    assert first is not None
    return first.team.id


@pytest.fixture
def settings() -> Settings:
    return Settings(base_url="http://cronbeat.test", max_body=1000)


@pytest.fixture
async def app_client(
    db: Database, clock: FixedClock, settings: Settings, team_id: int
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on the test database, with the worker left out: tests call it by hand."""
    app = create_app(settings, db=db, clock=clock, run_worker=False)
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "tests", clock.now())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://cronbeat.test",
            headers={"Authorization": f"Bearer {key}"},
        ) as client:
            yield client
