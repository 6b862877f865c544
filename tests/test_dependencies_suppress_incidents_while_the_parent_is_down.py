"""Dependencies over HTTP: while the heartbeat another depends on is down, the dependent's
incidents open suppressed (visible, linked, paging nobody) and page once the parent recovers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from helpers import notifications_of, other_team

HEARTBEATS = "/api/v1/heartbeats"


async def create(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": name, "period": 3600, "grace": 60,
                                               **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    assert (await client.post(url)).status_code == 200


async def incident_of(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> dict[str, Any]:
    shown = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}")).json()
    assert shown["incident"] is not None, shown
    body: dict[str, Any] = (await client.get(f"/api/v1/incidents/{shown['incident']['id']}")
                            ).json()
    return body


async def test_a_child_failing_while_its_parent_is_down_is_suppressed_then_paged_after(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    parent = await create(app_client, "db-host-alive")
    child = await create(app_client, "backup", depends_on=parent["id"])
    assert child["depends_on"] == parent["id"]
    await send(app_client, parent, "fail")
    parent_incident = await incident_of(app_client, parent)
    assert len(await notifications_of(db, parent_incident["id"])) == 1

    clock.advance(30)
    await send(app_client, child, "fail")
    suppressed = await incident_of(app_client, child)
    assert (suppressed["state"], suppressed["suppressed"], suppressed["suppressed_by"]) == (
        "open", True, parent_incident["id"])
    assert suppressed["timeline"][-1]["kind"] == "suppressed"
    assert "'db-host-alive'" in suppressed["timeline"][-1]["detail"]
    assert await notifications_of(db, suppressed["id"]) == []
    shown = (await app_client.get(f"{HEARTBEATS}/{child['id']}")).json()
    assert (shown["status"], shown["incident"]["suppressed"]) == ("down", True)

    clock.advance(30)
    await send(app_client, parent)  # the parent recovers: the child, still down, pages now
    released = await incident_of(app_client, child)
    assert (released["suppressed"], released["suppressed_by"]) == (False, parent_incident["id"])
    assert [e["kind"] for e in released["timeline"]][-2:] == ["released", "notified"]
    assert [p for p, *_ in await notifications_of(db, suppressed["id"])] == ["alert"]


async def test_a_child_that_recovers_before_its_parent_pages_nobody(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    parent = await create(app_client, "db-host-alive")
    child = await create(app_client, "backup", depends_on=parent["id"])
    await send(app_client, parent, "fail")
    await send(app_client, child, "fail")
    suppressed = await incident_of(app_client, child)
    clock.advance(10)
    await send(app_client, child)
    clock.advance(10)
    await send(app_client, parent)
    assert await notifications_of(db, suppressed["id"]) == []
    done = (await app_client.get(f"/api/v1/incidents/{suppressed['id']}")).json()
    assert (done["state"], done["suppressed"]) == ("resolved", False)


async def test_a_child_failing_while_its_parent_is_up_pages_as_usual(
    app_client: httpx.AsyncClient, db: Database
):
    parent = await create(app_client, "db-host-alive")
    child = await create(app_client, "backup", depends_on=parent["id"])
    await send(app_client, parent)
    await send(app_client, child, "fail")
    incident = await incident_of(app_client, child)
    assert (incident["suppressed"], incident["suppressed_by"]) == (False, None)
    assert len(await notifications_of(db, incident["id"])) == 1


async def test_deleting_a_down_parent_pages_its_suppressed_children(
    app_client: httpx.AsyncClient, db: Database
):
    parent = await create(app_client, "db-host-alive")
    child = await create(app_client, "backup", depends_on=parent["id"])
    await send(app_client, parent, "fail")
    await send(app_client, child, "fail")
    suppressed = await incident_of(app_client, child)
    assert (await app_client.delete(f"{HEARTBEATS}/{parent['id']}")).status_code == 204
    assert len(await notifications_of(db, suppressed["id"])) == 1
    shown = (await app_client.get(f"{HEARTBEATS}/{child['id']}")).json()
    assert shown["depends_on"] is None


async def test_a_dependency_can_be_set_and_cleared_by_a_partial_edit(
    app_client: httpx.AsyncClient,
):
    parent = await create(app_client, "db-host-alive")
    child = await create(app_client, "backup")
    url = f"{HEARTBEATS}/{child['id']}"
    assert (await app_client.patch(url, json={"depends_on": parent["id"]})).json()[
        "depends_on"] == parent["id"]
    assert (await app_client.patch(url, json={"depends_on": None})).json()["depends_on"] is None


async def test_it_refuses_a_dependency_on_itself_a_loop_or_a_heartbeat_it_cannot_see(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    a = await create(app_client, "a")
    b = await create(app_client, "b", depends_on=a["id"])
    c = await create(app_client, "c", depends_on=b["id"])
    for target, body, words in [
        (a, {"depends_on": a["id"]}, "cannot depend on itself"),
        (a, {"depends_on": c["id"]}, "a loop"),
        (a, {"depends_on": 99999}, "no heartbeat with id 99999"),
    ]:
        refused = await app_client.patch(f"{HEARTBEATS}/{target['id']}", json=body)
        assert refused.status_code == 422, refused.text
        [named] = refused.json()["error"]["fields"]
        assert named["field"] == "depends_on" and words in named["message"]

    from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat

    theirs = await other_team(db, clock.now())
    async with db.write() as session:
        foreign = await create_heartbeat(session, theirs, HeartbeatSpec(name="x", period=60),
                                         clock.now())
    refused = await app_client.post(HEARTBEATS, json={"name": "d", "period": 60,
                                                      "depends_on": foreign.id})
    assert refused.status_code == 422
    assert f"no heartbeat with id {foreign.id} in this team" in refused.text


@pytest.mark.parametrize("value", [0, "1", True])
async def test_it_refuses_a_depends_on_that_is_not_an_id(
    app_client: httpx.AsyncClient, value: object
):
    refused = await app_client.post(HEARTBEATS, json={"name": "d", "period": 60,
                                                      "depends_on": value})
    assert refused.status_code == 422
