"""A PostgreSQL database of a test's own on the test server (CRONBEAT_TEST_POSTGRES_URL),
migrated, and dropped afterwards: for tests that run several processes on one database or
cut its connections, which the shared per-run database must not suffer."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy.engine import make_url

from cronbeat.db.migrate import upgrade


async def admin(sql: str) -> None:
    server = make_url(os.environ["CRONBEAT_TEST_POSTGRES_URL"])
    conn = await asyncpg.connect(host=server.host, port=server.port or 5432,
                                 user=server.username, password=server.password,
                                 database=server.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def own_postgres(prefix: str) -> Iterator[tuple[str, str]]:
    """(database name, URL) of a fresh migrated database."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(os.environ["CRONBEAT_TEST_POSTGRES_URL"]).set(database=name)
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        yield name, rendered
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
