"""Upgrading a database made by an earlier release keeps its heartbeats and gives them the
defaults of the new settings (on a fresh SQLite file, and a fresh PostgreSQL database)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cronbeat.db.engine import normalize_url
from cronbeat.db.migrate import upgrade
from own_postgres import empty_postgres

POSTGRES_URL = os.environ.get("CRONBEAT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="set CRONBEAT_TEST_POSTGRES_URL to run on PostgreSQL"))]


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    assert POSTGRES_URL
    with empty_postgres("cronbeat_migrate") as (_, url):
        yield url


def run_sql(url: str, *statements: str) -> list[tuple[object, ...]]:
    """Run `statements` in one transaction; the rows of the last."""

    async def run() -> list[tuple[object, ...]]:
        engine = create_async_engine(normalize_url(url))
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    result = await conn.execute(sa.text(statement))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_an_0004_database_upgrades_keeping_its_heartbeats_and_pings_as_they_were(
    empty_url: str,
):
    upgrade(empty_url, "0004")
    run_sql(
        empty_url,
        "INSERT INTO teams (id, name, ping_key, created_at) "
        "VALUES (1, 'team', 'k0123456789012345678', '2026-01-01 00:00:00')",
        "INSERT INTO heartbeats (id, team_id, name, name_folded, description, tags, token, "
        "period, timezone, grace, status, created_at, updated_at) VALUES (1, 1, 'old', "
        "'old', '', '[]', 'tok0123456789abcdef', 60, 'UTC', 30, 'up', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO incidents (id, team_id, heartbeat_id, state, reason, output, opened_at, "
        "escalation_step, escalation_cycle) VALUES (1, 1, 1, 'resolved', 'missed', '', "
        "'2026-01-01 00:00:00', 0, 0)",
        "INSERT INTO pings (id, heartbeat_id, received_at, kind, body, body_size, truncated, "
        "method) VALUES (1, 1, '2026-01-01 00:00:00', 'success', '', 0, false, 'GET')",
    )

    upgrade(empty_url)

    [row] = run_sql(
        empty_url,
        "SELECT name, failure_threshold, recovery_threshold, failure_streak, success_streak, "
        "output_rules FROM heartbeats",
    )
    assert row[:5] == ("old", 1, 1, 0, 0)
    assert row[5] in ([], "[]")  # JSON: a list on PostgreSQL, its text on SQLite
    assert run_sql(empty_url, "SELECT kind, rule FROM pings") == [("success", None)]
    assert run_sql(
        empty_url,
        "SELECT min_runtime, early_tolerance, early_fails, started_early FROM heartbeats",
    ) == [(None, None, False, False)]
    assert run_sql(empty_url, "SELECT reason, detail FROM incidents") == [("missed", "")]
    assert run_sql(empty_url, "SELECT count(*) FROM maintenance_windows") == [(0,)]
    assert run_sql(empty_url, "SELECT depends_on_id, oncalendar FROM heartbeats") == [
        (None, None)]
    assert run_sql(empty_url, "SELECT suppressed_by, next_realert_at FROM incidents") == [
        (None, None)]
