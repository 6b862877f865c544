"""What the API offers for the healthchecks.io-style URLs: a heartbeat made with a token of
one's own (the old UUID), slugs unique in a team, and the team's ping key, which can be
rotated."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Team
from cronbeat.errors import Conflict
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.teams import create_api_key

HEARTBEATS = "/api/v1/heartbeats"
UUID = "0f2a6c7e-3b1d-4e55-9a0b-6d1c2e3f4a5b"


async def create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post(HEARTBEATS, json={"name": "job", "period": 60, **fields})


def refusal(answer: httpx.Response) -> tuple[int, str, list[str]]:
    error = answer.json()["error"]
    return answer.status_code, error["message"], [f["field"] for f in error["fields"]]


async def test_a_heartbeat_can_be_made_with_its_old_uuid_as_token(app_client: httpx.AsyncClient):
    answer = await create(app_client, token=UUID)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["token"], body["slug"]) == (UUID, None)
    assert body["ping_url"] == f"http://cronbeat.test/api/v1/heartbeat/{UUID}"


async def test_a_token_already_taken_is_refused_with_409(app_client: httpx.AsyncClient):
    assert (await create(app_client, token=UUID)).status_code == 201

    answer = await create(app_client, name="copy", token=UUID)

    assert refusal(answer) == (409, "another heartbeat already has this token", [])
    assert len((await app_client.get(HEARTBEATS)).json()["items"]) == 1


@pytest.mark.parametrize("token", ["too-short", "has space in it ......", "x" * 65, "ü" * 20])
async def test_a_malformed_token_is_refused_with_422_naming_it(
    app_client: httpx.AsyncClient, token: str
):
    status, _, fields = refusal(await create(app_client, token=token))

    assert (status, fields) == (422, ["token"])


async def test_a_slug_is_kept_shown_changed_and_cleared(app_client: httpx.AsyncClient):
    made = (await create(app_client, slug="db-backup-2")).json()
    assert made["slug"] == "db-backup-2"

    changed = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json={"slug": "db-backup"})
    assert changed.json()["slug"] == "db-backup"
    assert (await app_client.get(f"{HEARTBEATS}/{made['id']}")).json()["slug"] == "db-backup"

    cleared = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json={"slug": None})
    assert cleared.json()["slug"] is None


@pytest.mark.parametrize("slug", ["Backup", "db_backup", "a b", "", "x" * 101, "ü"])
async def test_a_malformed_slug_is_refused_with_422_naming_it(
    app_client: httpx.AsyncClient, slug: str
):
    status, _, fields = refusal(await create(app_client, slug=slug))
    assert (status, fields) == (422, ["slug"])

    made = (await create(app_client)).json()
    answer = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json={"slug": slug})
    assert refusal(answer)[::2] == (422, ["slug"])


async def test_a_slug_taken_in_the_team_is_refused_with_409_on_create_and_edit(
    app_client: httpx.AsyncClient,
):
    first = (await create(app_client, slug="backup")).json()
    second = (await create(app_client, slug="restore")).json()

    assert refusal(await create(app_client, slug="backup")) == (
        409, "another heartbeat of this team already has the slug 'backup'", [])
    answer = await app_client.patch(f"{HEARTBEATS}/{second['id']}", json={"slug": "backup"})
    assert answer.status_code == 409
    assert (await app_client.get(f"{HEARTBEATS}/{second['id']}")).json()["slug"] == "restore"
    # Setting a heartbeat's own slug again is no clash.
    same = await app_client.patch(f"{HEARTBEATS}/{first['id']}", json={"slug": "backup"})
    assert same.status_code == 200


async def test_two_teams_may_use_the_same_slug(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    assert (await create(app_client, slug="backup")).status_code == 201
    async with db.write() as session:
        team = Team(name="Someone else", created_at=clock.now())
        session.add(team)
        await session.flush()
        spec = HeartbeatSpec(name="backup", period=60, slug="backup")
        await create_heartbeat(session, team.id, spec, clock.now())
        with pytest.raises(Conflict):
            await create_heartbeat(session, team.id, spec, clock.now())


async def test_the_team_shows_its_ping_key(app_client: httpx.AsyncClient, team_id: int):
    answer = await app_client.get("/api/v1/team")

    assert answer.status_code == 200
    body = answer.json()
    assert body == {"id": team_id, "name": "Default team", "ping_key": body["ping_key"]}
    assert len(body["ping_key"]) == 22


async def test_rotating_the_ping_key_retires_the_old_slug_urls(app_client: httpx.AsyncClient):
    await create(app_client, slug="backup")
    old = (await app_client.get("/api/v1/team")).json()["ping_key"]

    answer = await app_client.post("/api/v1/team/ping-key/rotate")

    assert answer.status_code == 200
    new = answer.json()["ping_key"]
    assert new != old
    assert (await app_client.get("/api/v1/team")).json()["ping_key"] == new
    assert (await app_client.get(f"/ping/{old}/backup")).status_code == 404
    assert (await app_client.get(f"/ping/{new}/backup")).status_code == 200


async def test_a_read_only_key_sees_the_ping_key_but_cannot_rotate_it(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "viewer", clock.now(), read_only=True)
    headers = {"Authorization": f"Bearer {key}"}

    assert (await app_client.get("/api/v1/team", headers=headers)).status_code == 200
    answer = await app_client.post("/api/v1/team/ping-key/rotate", headers=headers)
    assert answer.status_code == 403


async def test_the_team_routes_need_a_key(app_client: httpx.AsyncClient):
    headers = {"Authorization": ""}
    assert (await app_client.get("/api/v1/team", headers=headers)).status_code == 401
    assert (await app_client.post("/api/v1/team/ping-key/rotate",
                                  headers=headers)).status_code == 401
