"""Minimum run time and too-early runs over HTTP: set on a heartbeat, judged on its pings,
explained on the incident, its alert and the ping log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cronbeat import messages
from cronbeat.clock import FixedClock
from cronbeat.enums import IncidentReason

HEARTBEATS = "/api/v1/heartbeats"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    answer = await client.post(url)
    assert answer.status_code == 200, answer.text


async def shown(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}")).json()
    return body


async def pings(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        await client.get(f"{HEARTBEATS}/{heartbeat['id']}/pings")).json()
    return items


async def test_a_backup_that_finished_in_two_seconds_opens_an_incident_saying_so(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, period=86400, min_runtime=300, max_runtime=7200)
    assert (made["min_runtime"], made["max_runtime"]) == (300, 7200)
    await send(app_client, made, "start")
    clock.advance(2)
    await send(app_client, made)

    [end, _] = await pings(app_client, made)
    assert (end["kind"], end["duration"], end["rule"]) == (
        "success", 2.0, "finished in 2 s, expected at least 5 min")
    down = await shown(app_client, made)
    assert (down["status"], down["incident"]["reason"]) == ("down", "too_short")
    incident = (await app_client.get(f"/api/v1/incidents/{down['incident']['id']}")).json()
    assert incident["detail"] == "finished in 2 s, expected at least 5 min"
    assert incident["timeline"][0]["detail"] == "finished in 2 s, expected at least 5 min"

    clock.advance(60)
    await send(app_client, made, "start")
    clock.advance(600)
    await send(app_client, made)
    up = await shown(app_client, made)
    assert (up["status"], up["incident"]) == ("up", None)


def test_the_alert_of_a_short_run_says_how_long_it_took_and_what_was_expected() -> None:
    facts = messages.IncidentFacts(
        incident_id=1, heartbeat_id=1, heartbeat_name="nightly backup", tags=(),
        reason=IncidentReason.TOO_SHORT, exit_code=None, output="", opened_at=datetime(
            2026, 3, 2, 12, 0, tzinfo=UTC), last_ping_at=None, max_runtime=None,
        detail="finished in 2 s, expected at least 5 min")
    alert = messages.alert(facts, messages.Links("https://ack"), facts.opened_at, "k")
    assert alert.subject == (
        "[cronbeat] DOWN: nightly backup (finished in 2 s, expected at least 5 min)")
    assert alert.payload["incident"]["reason"] == "too_short"


async def test_a_cron_job_that_runs_hours_early_is_flagged_in_the_ping_log(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, schedule="0 12 * * *", grace=600, early_tolerance=3600)
    await send(app_client, made)  # 12:00, the first ping: nothing to be early for
    clock.advance(2 * 3600)
    await send(app_client, made)  # 14:00, due at 12:00 the next day

    [early, first] = await pings(app_client, made)
    assert first["rule"] is None
    assert (early["kind"], early["rule"]) == (
        "success", "too early: 22 h before its scheduled time 2026-03-03 12:00 UTC")
    assert (await shown(app_client, made))["status"] == "up"


async def test_with_early_fails_a_job_that_runs_early_opens_an_incident(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, schedule="0 12 * * *", grace=600, early_tolerance=3600,
                        early_fails=True)
    await send(app_client, made)
    clock.advance(2 * 3600)
    await send(app_client, made)

    down = await shown(app_client, made)
    assert (down["status"], down["incident"]["reason"]) == ("down", "too_early")


async def test_run_time_bounds_are_changed_and_cleared_by_a_partial_edit(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, period=3600)
    url = f"{HEARTBEATS}/{made['id']}"
    edited = (await app_client.patch(url, json={"min_runtime": 60, "early_tolerance": 600,
                                                "early_fails": True})).json()
    assert (edited["min_runtime"], edited["early_tolerance"], edited["early_fails"]) == (
        60, 600, True)
    cleared = await app_client.patch(url, json={"min_runtime": None, "early_tolerance": None,
                                                "early_fails": False})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["min_runtime"], cleared.json()["early_tolerance"]) == (None, None)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"min_runtime": 0}, "min_runtime", ""),
        ({"min_runtime": 600, "max_runtime": 600}, "min_runtime", "shorter than max_runtime"),
        ({"early_fails": True}, "early_fails", "needs early_tolerance"),
        ({"early_tolerance": -1}, "early_tolerance", ""),
        ({"early_fails": "yes"}, "early_fails", ""),
    ],
)
async def test_it_refuses_run_time_bounds_that_cannot_work(
    app_client: httpx.AsyncClient, fields: dict[str, Any], field: str, words: str
):
    refused = await app_client.post(HEARTBEATS, json={"name": "b", "period": 3600, **fields})
    assert refused.status_code == 422, refused.text
    [named] = refused.json()["error"]["fields"]
    assert named["field"] == field
    assert words in named["message"]
