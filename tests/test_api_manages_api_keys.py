"""API keys through the API: listed without their secret, created with the key shown once,
revoked so that they stop working at once; only writer keys of the team manage them."""

from __future__ import annotations

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.teams import create_api_key
from helpers import other_team_key

KEYS = "/api/v1/team/api-keys"


async def test_a_new_key_is_shown_once_and_works(app_client: httpx.AsyncClient):
    made = await app_client.post(KEYS, json={"name": "  deploy bot ", "read_only": True})

    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["name"], body["read_only"], body["revoked_at"]) == ("deploy bot", True, None)
    assert body["created_at"] == "2026-03-02T12:00:00Z"
    assert body["key"].startswith(body["prefix"])
    as_new = {"Authorization": f"Bearer {body['key']}"}
    assert (await app_client.get("/api/v1/heartbeats", headers=as_new)).status_code == 200
    assert (await app_client.post("/api/v1/heartbeats", json={"name": "x", "period": 60},
                                  headers=as_new)).status_code == 403
    listed = (await app_client.get(KEYS)).json()
    assert [k["name"] for k in listed] == ["first key", "tests", "deploy bot"]
    assert all("key" not in k and "key_hash" not in k for k in listed)


async def test_a_revoked_key_stops_working_at_once_and_revoking_again_changes_nothing(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = (await app_client.post(KEYS, json={"name": "leaked"})).json()
    as_leaked = {"Authorization": f"Bearer {made['key']}"}

    clock.advance(60)
    revoked = await app_client.post(f"{KEYS}/{made['id']}/revoke")
    clock.advance(60)
    again = await app_client.post(f"{KEYS}/{made['id']}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] == "2026-03-02T12:01:00Z"
    assert again.json()["revoked_at"] == "2026-03-02T12:01:00Z"
    answer = await app_client.get("/api/v1/heartbeats", headers=as_leaked)
    assert answer.status_code == 401


async def test_a_key_may_revoke_itself(app_client: httpx.AsyncClient):
    made = (await app_client.post(KEYS, json={"name": "last use"})).json()
    as_itself = {"Authorization": f"Bearer {made['key']}"}

    assert (await app_client.post(f"{KEYS}/{made['id']}/revoke",
                                  headers=as_itself)).status_code == 200
    assert (await app_client.get(KEYS, headers=as_itself)).status_code == 401


async def test_a_read_only_key_can_neither_list_create_nor_revoke_keys(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    async with db.write() as session:
        key, row = await create_api_key(session, team_id, "viewer", clock.now(),
                                        read_only=True)
    as_viewer = {"Authorization": f"Bearer {key}"}

    for method, path, body in (("GET", KEYS, None), ("POST", KEYS, {"name": "escalate"}),
                               ("POST", f"{KEYS}/{row.id}/revoke", None)):
        answer = await app_client.request(method, path, json=body, headers=as_viewer)
        assert answer.status_code == 403, (method, path)
        assert answer.json()["error"]["code"] == "forbidden"
    names = [k["name"] for k in (await app_client.get(KEYS)).json()]
    assert "escalate" not in names


async def test_another_teams_key_is_not_found_and_stays_working(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    theirs = await other_team_key(db, clock.now())
    as_them = {"Authorization": f"Bearer {theirs}"}
    [their_row] = (await app_client.get(KEYS, headers=as_them)).json()

    answer = await app_client.post(f"{KEYS}/{their_row['id']}/revoke")

    assert answer.status_code == 404
    assert answer.json()["error"] == {"code": "not_found",
                                      "message": f"no API key with id {their_row['id']}",
                                      "fields": []}
    assert "other" not in [k["name"] for k in (await app_client.get(KEYS)).json()]
    assert (await app_client.get(KEYS, headers=as_them)).status_code == 200


async def test_bad_input_is_a_validation_error_never_a_server_error(
    app_client: httpx.AsyncClient,
):
    for body in ({}, {"name": ""}, {"name": "x" * 201}, {"name": "a\nb"},
                 {"name": "x", "read_only": "yes"}, {"name": "x", "admin": True}):
        answer = await app_client.post(KEYS, json=body)
        assert answer.status_code == 422, body
    for key_id in ("0", "abc", "99999999999999999999"):
        assert (await app_client.post(f"{KEYS}/{key_id}/revoke")).status_code == 422, key_id
