"""A heartbeat can name its escalation policy; without one it follows the team's default."""

from __future__ import annotations

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from helpers import add_channel, incidents_of, notifications_of


async def test_a_heartbeat_pages_by_its_own_policy_and_falls_back_to_the_default(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    channel = await add_channel(db, team_id, "webhook", "http://127.0.0.1:9/hook", clock.now())
    policy = (await app_client.post("/api/v1/policies", json={
        "name": "webhook only",
        "steps": [{"wait": 0, "targets": [{"kind": "channel", "ref": channel}]}],
    })).json()
    made = (await app_client.post("/api/v1/heartbeats", json={
        "name": "invoices", "period": 60, "policy_id": policy["id"]})).json()
    assert made["policy_id"] == policy["id"]

    await app_client.post(f"/api/v1/heartbeat/{made['token']}/fail")
    [first] = await incidents_of(db, made["id"])
    assert [n[1:] for n in await notifications_of(db, first.id)] == [
        ("webhook", "http://127.0.0.1:9/hook", "webhook channel")]

    # Back to the team's default: the admin is emailed.
    edited = await app_client.patch(f"/api/v1/heartbeats/{made['id']}", json={"policy_id": None})
    assert edited.json()["policy_id"] is None
    await app_client.post(f"/api/v1/heartbeat/{made['token']}")
    await app_client.post(f"/api/v1/heartbeat/{made['token']}/fail")
    second = (await incidents_of(db, made["id"]))[1]
    assert [n[1:] for n in await notifications_of(db, second.id)] == [
        ("email", "admin@example.test", "Admin")]


async def test_a_policy_of_another_team_or_none_at_all_is_refused(
    app_client: httpx.AsyncClient,
):
    for policy_id in (999, True, "1"):
        answer = await app_client.post("/api/v1/heartbeats", json={
            "name": "x", "period": 60, "policy_id": policy_id})
        assert answer.status_code == 422
        assert answer.json()["error"]["fields"][0]["field"] == "policy_id"


async def test_a_nul_byte_in_a_failure_output_is_stored_and_opens_the_incident(
    app_client: httpx.AsyncClient, db: Database
):
    made = (await app_client.post("/api/v1/heartbeats", json={"name": "nul", "period": 60})).json()
    answer = await app_client.post(f"/api/v1/heartbeat/{made['token']}/2", content=b"a\x00b")
    assert answer.status_code == 200
    [incident] = await incidents_of(db, made["id"])
    assert incident.output == "a\ufffdb"
    pings = (await app_client.get(f"/api/v1/heartbeats/{made['id']}/pings")).json()
    assert (pings[0]["body"], pings[0]["body_size"]) == ("a\ufffdb", 3)


async def test_a_name_with_control_characters_is_refused(app_client: httpx.AsyncClient):
    answer = await app_client.post("/api/v1/heartbeats", json={"name": "a\u0000b", "period": 60})
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "name"
