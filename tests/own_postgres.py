"""A PostgreSQL database of a test's own on the test server (CRONBEAT_TEST_POSTGRES_URL),
dropped afterwards: for tests that migrate from scratch, run several processes on one
database, or cut its connections, which the shared per-run database must not suffer."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from cronbeat.db.migrate import upgrade


async def _connect(url: str) -> asyncpg.Connection:
    server = make_url(url)
    return await asyncpg.connect(host=server.host, port=server.port or 5432,
                                 user=server.username, password=server.password,
                                 database=server.database or "postgres")


async def admin(sql: str) -> None:
    """Run `sql` on the server's own database (CREATE DATABASE and the like)."""
    conn = await _connect(os.environ["CRONBEAT_TEST_POSTGRES_URL"])
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fetch(url: str, sql: str) -> list[Any]:
    """The rows of `sql` on the database at `url`, from outside the processes under test."""
    async def query() -> list[Any]:
        conn = await _connect(url)
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    return asyncio.run(query())


@contextmanager
def empty_postgres(prefix: str) -> Iterator[tuple[str, str]]:
    """(database name, URL) of a fresh, empty database."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(os.environ["CRONBEAT_TEST_POSTGRES_URL"]).set(database=name)
        yield name, url.render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def own_postgres(prefix: str) -> Iterator[tuple[str, str]]:
    """(database name, URL) of a fresh migrated database."""
    with empty_postgres(prefix) as (name, url):
        upgrade(url)
        yield name, url
