"""Two people act on one incident at the same moment (an on-call engineer resolves it while a
colleague acknowledges or resolves it too): once resolved, it stays resolved, with one
`resolved` event, and the late request is told so with a 409.

On PostgreSQL the interleaving is forced: a transaction resolves the incident and holds its
row locks until the API request has read the incident and is waiting for a lock; only then does
it commit. SQLite runs one write transaction at a time, so there the two requests are simply
sent together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Incident
from cronbeat.services.heartbeats import resolve_by_hand

INCIDENTS = "/api/v1/incidents"
COLLEAGUE = "API key 'first key'"


async def failing_incident(client: httpx.AsyncClient) -> int:
    made = (await client.post("/api/v1/heartbeats", json={"name": "backup", "period": 60})).json()
    assert (await client.get(f"/api/v1/heartbeat/{made['token']}/fail")).status_code == 200
    shown = (await client.get(f"/api/v1/heartbeats/{made['id']}")).json()
    incident_id: int = shown["incident"]["id"]
    return incident_id


async def wait_until_a_request_waits_for_a_lock(db: Database) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND wait_event_type = 'Lock'")
    for _ in range(250):
        async with db.read() as session:
            if await session.scalar(query):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the API request never waited for the incident's locks")


async def race(db: Database, clock: FixedClock, incident_id: int,
               request: Awaitable[httpx.Response]) -> httpx.Response:
    """A colleague resolves the incident; `request` reads it before that commits."""
    async with db.write() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await resolve_by_hand(session, incident, clock.now(), COLLEAGUE)
        await session.flush()
        task: asyncio.Task[httpx.Response] = asyncio.ensure_future(request)
        await wait_until_a_request_waits_for_a_lock(db)
    return await task


def resolved_events(shown: dict[str, Any]) -> list[str]:
    return [e["actor"] for e in shown["timeline"] if e["kind"] == "resolved"]


async def test_resolving_an_incident_a_colleague_is_resolving_answers_409(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
    request: pytest.FixtureRequest,
):
    incident_id = await failing_incident(app_client)
    resolve = app_client.post(f"{INCIDENTS}/{incident_id}/resolve")

    if db.is_sqlite:
        answers = await asyncio.gather(resolve, app_client.post(f"{INCIDENTS}/{incident_id}/"
                                                                "resolve"))
        assert sorted(a.status_code for a in answers) == [200, 409]
    else:
        late = await race(db, clock, incident_id, resolve)
        assert late.status_code == 409, late.text

    shown = (await app_client.get(f"{INCIDENTS}/{incident_id}")).json()
    assert shown["state"] == "resolved"
    assert len(resolved_events(shown)) == 1


async def test_acknowledging_an_incident_a_colleague_is_resolving_leaves_it_resolved(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
    request: pytest.FixtureRequest,
):
    incident_id = await failing_incident(app_client)
    acknowledge = app_client.post(f"{INCIDENTS}/{incident_id}/acknowledge")

    if db.is_sqlite:
        await asyncio.gather(acknowledge, app_client.post(f"{INCIDENTS}/{incident_id}/resolve"))
    else:
        late = await race(db, clock, incident_id, acknowledge)
        assert late.status_code == 409, late.text

    shown = (await app_client.get(f"{INCIDENTS}/{incident_id}")).json()
    assert shown["state"] == "resolved"
    assert len(resolved_events(shown)) == 1
    still_acknowledged = (await app_client.get(INCIDENTS, params={"state": "acknowledged"}))
    assert still_acknowledged.json()["items"] == []
