"""Connections: one `Database` object hands out read and write transactions.

On SQLite every write transaction starts with BEGIN IMMEDIATE, so that two writers queue on
the busy timeout instead of failing when a read lock cannot be upgraded; reads use a separate
engine with ordinary deferred transactions, so that they never wait for the write lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL: a committed ping survives power loss as well as a crash; group commit pays for it.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


def normalize_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async driver cronbeat ships with."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
              "postgres": "postgresql+asyncpg"}.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {url!r}: use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        self.write_engine = self._engine(immediate=True, echo=echo)
        self.read_engine = self._engine(immediate=False, echo=echo) if self.is_sqlite else (
            self.write_engine
        )
        self._writes = async_sessionmaker(self.write_engine, expire_on_commit=False)
        # SQLite has one write lock per file. Writers of this process queue for it here, in
        # order, instead of spinning in SQLite's busy handler, which is unfair under load;
        # other processes still wait on the busy timeout.
        self._write_turn = asyncio.Lock() if self.is_sqlite else contextlib.nullcontext()
        self._reads = async_sessionmaker(self.read_engine, expire_on_commit=False)

    def _engine(self, *, immediate: bool, echo: bool) -> AsyncEngine:
        if not self.is_sqlite:
            return create_async_engine(self.url, echo=echo, pool_pre_ping=True)
        engine = create_async_engine(self.url, echo=echo)
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control from the driver so that our BEGIN below is the only one.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql(begin)

        return engine

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends and rolls back on error."""
        async with self._write_turn, self._writes() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reads() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
