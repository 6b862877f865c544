"""Who may do what: every REST call needs an API key of the team; a read-only key reads but
never writes; a key of another team sees nothing of this team (404, never 403)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import ApiKey, Team
from cronbeat.services.teams import create_api_key

HEARTBEATS = "/api/v1/heartbeats"
INCIDENTS = "/api/v1/incidents"

READS = [
    ("GET", HEARTBEATS),
    ("GET", f"{HEARTBEATS}/{{hb}}"),
    ("GET", f"{HEARTBEATS}/{{hb}}/pings"),
    ("GET", f"{HEARTBEATS}/{{hb}}/flips"),
    ("GET", INCIDENTS),
    ("GET", f"{INCIDENTS}/{{inc}}"),
]
WRITES = [
    ("POST", HEARTBEATS, {"name": "sneaky", "period": 60}),
    ("PATCH", f"{HEARTBEATS}/{{hb}}", {"name": "renamed"}),
    ("POST", f"{HEARTBEATS}/{{hb}}/pause", None),
    ("POST", f"{HEARTBEATS}/{{hb}}/resume", None),
    ("DELETE", f"{HEARTBEATS}/{{hb}}", None),
    ("POST", f"{INCIDENTS}/{{inc}}/acknowledge", None),
    ("POST", f"{INCIDENTS}/{{inc}}/resolve", None),
]
EVERY_CALL = [(method, path, None) for method, path in READS] + WRITES
ONE_THING = [call for call in EVERY_CALL if "{" in call[1]]


def ids_of(calls: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{method} {path}" for method, path, _ in calls]


async def setup_things(client: httpx.AsyncClient) -> dict[str, Any]:
    """One heartbeat with an open incident, as the team's own full key sees it."""
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 60})
    assert made.status_code == 201
    heartbeat = made.json()
    pinged = await client.get(f"/api/v1/heartbeat/{heartbeat['token']}/fail")
    assert pinged.status_code == 200
    shown = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}")).json()
    return {"hb": heartbeat["id"], "inc": shown["incident"]["id"], "heartbeat": shown}


async def call(client: httpx.AsyncClient, method: str, path: str, body: Any,
               things: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    url = path.format(hb=things["hb"], inc=things["inc"])
    return await client.request(method, url, json=body, headers=headers)


async def new_key(db: Database, clock: FixedClock, team_id: int, *, read_only: bool = False,
                  name: str = "other") -> str:
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, name, clock.now(), read_only=read_only)
    return key


async def other_team(db: Database, clock: FixedClock) -> int:
    async with db.write() as session:
        team = Team(name="Someone else", created_at=clock.now())
        session.add(team)
        await session.flush()
        return team.id


async def snapshot(client: httpx.AsyncClient, things: dict[str, Any]) -> tuple[Any, ...]:
    """Everything the team can see of its heartbeats and incidents."""
    return (
        (await client.get(HEARTBEATS)).json(),
        (await client.get(f"{HEARTBEATS}/{things['hb']}/flips")).json(),
        (await client.get(f"{INCIDENTS}/{things['inc']}")).json(),
    )


@pytest.mark.parametrize(("method", "path", "body"), EVERY_CALL, ids=ids_of(EVERY_CALL))
async def test_a_call_without_a_key_answers_401_with_a_bearer_challenge(
    app_client: httpx.AsyncClient, method: str, path: str, body: Any
):
    things = await setup_things(app_client)
    before = await snapshot(app_client, things)
    key = app_client.headers.pop("Authorization")

    answer = await call(app_client, method, path, body, things)

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {"error": {
        "code": "unauthorized", "message": "send an API key: 'Authorization: Bearer <key>'",
        "fields": [],
    }}
    assert answer.headers["content-type"] == "application/json"
    app_client.headers["Authorization"] = key
    assert await snapshot(app_client, things) == before


@pytest.mark.parametrize(
    "authorization",
    ["Bearer cb_not-a-key-anyone-was-given", "Bearer ", "Basic dXNlcjpwYXNz", "cb_no-scheme"],
    ids=["unknown-key", "empty-bearer", "basic-auth", "no-scheme"],
)
async def test_a_wrong_authorization_header_answers_401(
    app_client: httpx.AsyncClient, authorization: str
):
    answer = await app_client.get(HEARTBEATS, headers={"Authorization": authorization})

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.json()["error"]["fields"] == []


async def test_an_unknown_key_is_told_apart_from_a_missing_one(app_client: httpx.AsyncClient):
    answer = await app_client.get(HEARTBEATS, headers={"Authorization": "Bearer cb_nope"})

    assert answer.json()["error"]["message"] == "unknown or revoked API key"


async def test_a_revoked_key_answers_401(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    key = await new_key(db, clock, team_id, name="leaked")
    headers = {"Authorization": f"Bearer {key}"}
    assert (await app_client.get(HEARTBEATS, headers=headers)).status_code == 200
    async with db.write() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.name == "leaked"))
        assert row is not None
        row.revoked_at = clock.now()

    answer = await app_client.get(HEARTBEATS, headers=headers)

    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "unknown or revoked API key"


async def test_writes_are_recorded_under_the_name_of_the_key(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    things = await setup_things(app_client)
    key = await new_key(db, clock, team_id, name="on-call phone")

    answer = await app_client.post(f"{INCIDENTS}/{things['inc']}/acknowledge",
                                   headers={"Authorization": f"Bearer {key}"})

    assert answer.status_code == 200
    assert answer.json()["acknowledged_by"] == "API key 'on-call phone'"


@pytest.mark.parametrize(("method", "path"), READS, ids=[f"{m} {p}" for m, p in READS])
async def test_a_read_only_key_can_read(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int,
    method: str, path: str
):
    things = await setup_things(app_client)
    full = await call(app_client, method, path, None, things)
    key = await new_key(db, clock, team_id, read_only=True)

    answer = await call(app_client, method, path, None, things,
                        headers={"Authorization": f"Bearer {key}"})

    assert answer.status_code == 200
    assert answer.json() == full.json()


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=ids_of(WRITES))
async def test_a_read_only_key_cannot_write(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int,
    method: str, path: str, body: Any
):
    things = await setup_things(app_client)
    before = await snapshot(app_client, things)
    key = await new_key(db, clock, team_id, read_only=True)
    clock.advance(60)

    answer = await call(app_client, method, path, body, things,
                        headers={"Authorization": f"Bearer {key}"})

    assert answer.status_code == 403
    assert answer.json() == {"error": {
        "code": "forbidden",
        "message": "this API key is read-only; create a key without --read-only",
        "fields": [],
    }}
    assert await snapshot(app_client, things) == before


async def test_a_read_only_key_is_refused_before_its_body_is_judged(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    key = await new_key(db, clock, team_id, read_only=True)

    answer = await app_client.post(HEARTBEATS, json={"name": "", "period": 0},
                                   headers={"Authorization": f"Bearer {key}"})

    assert answer.status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), ONE_THING, ids=ids_of(ONE_THING))
async def test_a_key_of_another_team_gets_404_for_this_teams_things(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
    method: str, path: str, body: Any
):
    things = await setup_things(app_client)
    before = await snapshot(app_client, things)
    key = await new_key(db, clock, await other_team(db, clock))
    clock.advance(60)

    answer = await call(app_client, method, path, body, things,
                        headers={"Authorization": f"Bearer {key}"})

    assert answer.status_code == 404
    kind = "incident" if path.startswith(INCIDENTS) else "heartbeat"
    number = things["inc"] if kind == "incident" else things["hb"]
    assert answer.json() == {"error": {"code": "not_found",
                                       "message": f"no {kind} with id {number}", "fields": []}}
    assert await snapshot(app_client, things) == before


async def test_a_key_of_another_team_lists_nothing_of_this_team(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    things = await setup_things(app_client)
    headers = {"Authorization": f"Bearer {await new_key(db, clock, await other_team(db, clock))}"}

    heartbeats = await app_client.get(HEARTBEATS, headers=headers)
    incidents = await app_client.get(INCIDENTS, headers=headers)
    by_heartbeat = await app_client.get(INCIDENTS, params={"heartbeat_id": things["hb"]},
                                        headers=headers)

    assert heartbeats.json() == {"items": [], "next_cursor": None}
    assert incidents.json() == {"items": [], "next_cursor": None}
    assert by_heartbeat.json() == {"items": [], "next_cursor": None}


async def test_two_teams_each_see_only_their_own_heartbeats(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    await setup_things(app_client)
    headers = {"Authorization": f"Bearer {await new_key(db, clock, await other_team(db, clock))}"}

    theirs = await app_client.post(HEARTBEATS, json={"name": "their job", "period": 60},
                                   headers=headers)

    assert theirs.status_code == 201
    ours = [hb["name"] for hb in (await app_client.get(HEARTBEATS)).json()["items"]]
    assert ours == ["backup"]
    listed = (await app_client.get(HEARTBEATS, headers=headers)).json()["items"]
    assert [hb["name"] for hb in listed] == ["their job"]
    mine = await app_client.get(f"{HEARTBEATS}/{theirs.json()['id']}")
    assert mine.status_code == 404


@pytest.mark.parametrize(("method", "path"), [("POST", HEARTBEATS),
                                            ("PATCH", f"{HEARTBEATS}/{{hb}}")])
async def test_a_caller_without_a_key_gets_401_even_with_a_broken_body(
    app_client: httpx.AsyncClient, method: str, path: str
):
    things = await setup_things(app_client)
    del app_client.headers["Authorization"]

    answer = await app_client.request(method, path.format(hb=things["hb"]), content=b"{not json",
                                      headers={"content-type": "application/json"})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["www-authenticate"] == "Bearer"
