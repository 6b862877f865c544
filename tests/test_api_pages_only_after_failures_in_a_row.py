"""Failure and recovery thresholds over HTTP: pings through the real app, the worker's sweep
called by hand at exact instants."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.sweep import process_due
from helpers import notifications_of

HEARTBEATS = "/api/v1/heartbeats"
INCIDENTS = "/api/v1/incidents"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 60, "grace": 30,
                                               **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    answer = await client.post(url)
    assert answer.status_code == 200, answer.text


async def shown(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> dict[str, Any]:
    answer = await client.get(f"{HEARTBEATS}/{heartbeat['id']}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def incidents(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get(INCIDENTS)).json()["items"]
    return items


async def test_three_failures_with_threshold_three_open_exactly_one_incident_at_the_third(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made = await create(app_client, failure_threshold=3)
    await send(app_client, made)

    clock.advance(10)
    await send(app_client, made, "fail")
    assert await incidents(app_client) == []
    first = await shown(app_client, made)
    assert (first["status"], first["failure_streak"], first["streak_text"]) == (
        "up", 1, "failing 1 of 3")
    [ping] = (await app_client.get(f"{HEARTBEATS}/{made['id']}/pings")).json()[:1]
    assert ping["kind"] == "fail"  # the counted failure is recorded as its ping

    clock.advance(10)
    await send(app_client, made, "1")
    assert await incidents(app_client) == []
    assert (await shown(app_client, made))["streak_text"] == "failing 2 of 3"

    clock.advance(10)
    third_at = clock.now()
    await send(app_client, made, "fail")
    [incident] = await incidents(app_client)
    assert incident["opened_at"] == third_at.isoformat().replace("+00:00", "Z")
    assert incident["reason"] == "failed"
    assert len(await notifications_of(db, incident["id"])) >= 1
    after = await shown(app_client, made)
    assert (after["status"], after["streak_text"]) == ("down", None)

    clock.advance(10)
    await send(app_client, made, "fail")
    assert len(await incidents(app_client)) == 1


async def test_a_success_between_failures_keeps_the_incident_from_opening(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, failure_threshold=3)
    for action in ("fail", "fail", "", "fail", "fail"):
        clock.advance(5)
        await send(app_client, made, action)
    assert await incidents(app_client) == []
    assert (await shown(app_client, made))["streak_text"] == "failing 2 of 3"


async def test_missed_periods_open_the_incident_at_the_third_miss(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made = await create(app_client, failure_threshold=3)
    await send(app_client, made)
    # The worker looks at each due time (late) and each due time + grace (a miss).
    for seconds, expected in ((60, None), (30, "failing 1 of 3"), (30, "failing 1 of 3"),
                              (30, "failing 2 of 3"), (30, "failing 2 of 3")):
        clock.advance(seconds)
        async with db.write() as session:
            await process_due(session, clock.now())
        assert await incidents(app_client) == []
        assert (await shown(app_client, made))["streak_text"] == expected
    clock.advance(30)
    async with db.write() as session:
        await process_due(session, clock.now())
    [incident] = await incidents(app_client)
    assert incident["reason"] == "missed"
    assert incident["opened_at"] == clock.now().isoformat().replace("+00:00", "Z")
    flips = (await app_client.get(f"{HEARTBEATS}/{made['id']}/flips")).json()
    assert [(f["new_status"], f["reason"]) for f in reversed(flips)] == [
        ("up", "success ping"), ("late", "due time passed"), ("up", "missed (1 of 3)"),
        ("late", "due time passed"), ("up", "missed (2 of 3)"), ("late", "due time passed"),
        ("down", "missed")]
    assert all(f["old_status"] != f["new_status"] for f in flips)


async def test_it_resolves_only_after_two_successes_in_a_row_with_recovery_threshold_two(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, recovery_threshold=2)
    await send(app_client, made, "fail")
    [opened] = await incidents(app_client)

    clock.advance(10)
    await send(app_client, made)
    still = await shown(app_client, made)
    assert (still["status"], still["streak_text"]) == ("down", "recovering 1 of 2")
    assert still["incident"]["id"] == opened["id"]

    clock.advance(10)
    await send(app_client, made, "fail")
    clock.advance(10)
    await send(app_client, made)
    assert (await shown(app_client, made))["streak_text"] == "recovering 1 of 2"

    clock.advance(10)
    await send(app_client, made)
    up = await shown(app_client, made)
    assert (up["status"], up["incident"], up["streak_text"]) == ("up", None, None)
    [resolved] = await incidents(app_client)
    assert resolved["state"] == "resolved"
    assert resolved["resolved_at"] == clock.now().isoformat().replace("+00:00", "Z")


async def test_thresholds_can_be_changed_with_a_partial_edit(app_client: httpx.AsyncClient):
    made = await create(app_client)
    assert (made["failure_threshold"], made["recovery_threshold"]) == (1, 1)
    edited = await app_client.patch(f"{HEARTBEATS}/{made['id']}",
                                    json={"failure_threshold": 5, "recovery_threshold": 2})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["failure_threshold"], edited.json()["recovery_threshold"]) == (5, 2)
    assert (await shown(app_client, made))["failure_threshold"] == 5


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"failure_threshold": 0}, "failure_threshold"),
     ({"failure_threshold": 101}, "failure_threshold"),
     ({"recovery_threshold": 0}, "recovery_threshold"),
     ({"recovery_threshold": "2"}, "recovery_threshold")],
)
async def test_it_refuses_a_threshold_out_of_range_naming_the_field(
    app_client: httpx.AsyncClient, fields: dict[str, Any], field: str
):
    refused = await app_client.post(HEARTBEATS, json={"name": "b", "period": 60, **fields})
    assert refused.status_code == 422, refused.text
    assert [f["field"] for f in refused.json()["error"]["fields"]] == [field]
