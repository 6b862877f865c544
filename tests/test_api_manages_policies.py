"""Escalation policies through the API: steps of targets that must exist in the team, one
default policy per team that cannot be deleted, and members, channels and schedules that a
policy pages by id kept until the policy no longer names them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Heartbeat
from cronbeat.errors import Invalid
from cronbeat.services.oncall_config import check_policy
from helpers import make_heartbeat, other_team, other_team_key, reload

POLICIES = "/api/v1/policies"


@pytest.fixture
async def refs(app_client: httpx.AsyncClient) -> dict[str, int]:
    """A member, a channel and a schedule of the team, to page."""
    member = await app_client.post("/api/v1/members",
                                   json={"name": "Ana", "email": "ana@example.test"})
    channel = await app_client.post("/api/v1/channels", json={
        "name": "ops", "kind": "webhook", "target": "https://hooks.example.test/x"})
    schedule = await app_client.post("/api/v1/schedules", json={
        "name": "primary", "member_ids": [member.json()["id"]]})
    for made in (member, channel, schedule):
        assert made.status_code == 201, made.text
    return {"user": member.json()["id"], "channel": channel.json()["id"],
            "schedule": schedule.json()["id"]}


def steps_paging(refs: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"wait": 0, "targets": [{"kind": "oncall", "ref": refs["schedule"]}]},
        {"wait": 300, "targets": [{"kind": "user", "ref": refs["user"]},
                                  {"kind": "channel", "ref": refs["channel"]}]},
        {"wait": 900, "targets": [{"kind": "team"}, {"kind": "oncall"}]},
    ]


async def create(client: httpx.AsyncClient, refs: dict[str, int],
                 **fields: Any) -> dict[str, Any]:
    body = {"name": "business hours", "steps": steps_paging(refs), "repeat": 2,
            "repeat_delay": 600, **fields}
    made = await client.post(POLICIES, json=body)
    assert made.status_code == 201, made.text
    policy: dict[str, Any] = made.json()
    return policy


def fields_of(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [f["field"] for f in answer.json()["error"]["fields"]]


async def test_the_team_starts_with_a_default_policy(app_client: httpx.AsyncClient):
    [default] = (await app_client.get(POLICIES)).json()

    assert (default["name"], default["is_default"], default["repeat"]) == ("Default", True, 0)
    assert default["steps"] == [
        {"wait": 0, "targets": [{"kind": "oncall", "ref": None}]},
        {"wait": 300, "targets": [{"kind": "team", "ref": None}]},
    ]


async def test_a_policy_is_created_shown_listed_and_edited(
    app_client: httpx.AsyncClient, refs: dict[str, int]
):
    made = await create(app_client, refs)

    assert (made["name"], made["repeat"], made["repeat_delay"], made["is_default"]) == (
        "business hours", 2, 600, False)
    assert made["steps"][1] == {"wait": 300, "targets": [
        {"kind": "user", "ref": refs["user"]}, {"kind": "channel", "ref": refs["channel"]}]}
    assert made["steps"][2]["targets"] == [{"kind": "team", "ref": None},
                                           {"kind": "oncall", "ref": None}]
    assert (await app_client.get(f"{POLICIES}/{made['id']}")).json() == made
    assert [p["name"] for p in (await app_client.get(POLICIES)).json()] == [
        "Default", "business hours"]

    edited = await app_client.patch(f"{POLICIES}/{made['id']}", json={
        "name": "nights", "steps": [{"wait": 60, "targets": [{"kind": "team"}]}]})

    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["repeat"]) == ("nights", 2)
    assert edited.json()["steps"] == [{"wait": 60, "targets": [{"kind": "team", "ref": None}]}]


@pytest.mark.parametrize(("target", "message"), [
    ({"kind": "user", "ref": 999_999}, "no member with id 999999 in this team"),
    ({"kind": "channel", "ref": 999_999}, "no channel with id 999999 in this team"),
    ({"kind": "oncall", "ref": 999_999}, "no schedule with id 999999 in this team"),
    ({"kind": "user"}, "a user target needs `ref`"),
    ({"kind": "channel", "ref": None}, "a channel target needs `ref`"),
    ({"kind": "team", "ref": 1}, "a team target pages every member and takes no ref"),
])
async def test_a_target_that_names_nothing_in_the_team_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, refs: dict[str, int], target: dict[str, Any], message: str
):
    steps = steps_paging(refs)
    steps[1]["targets"].append(target)

    answer = await app_client.post(POLICIES, json={"name": "p", "steps": steps})

    assert fields_of(answer) == ["steps.1.targets.2.ref"]
    assert answer.json()["error"]["fields"][0]["message"] == message
    assert len((await app_client.get(POLICIES)).json()) == 1


async def test_a_member_channel_or_schedule_of_another_team_cannot_be_paged(
    app_client: httpx.AsyncClient, refs: dict[str, int], db: Database, clock: FixedClock
):
    key = await other_team_key(db, clock.now())
    other = {"Authorization": f"Bearer {key}"}

    answers = [
        await app_client.post(POLICIES, headers=other, json={"name": "p", "steps": [
            {"wait": 0, "targets": [{"kind": "team"}, {"kind": kind, "ref": refs[name]}]}]})
        for kind, name in (("user", "user"), ("channel", "channel"), ("oncall", "schedule"))
    ]

    assert [fields_of(a) for a in answers] == [["steps.0.targets.1.ref"]] * 3


@pytest.mark.parametrize(("fields", "field"), [
    ({"steps": []}, "steps"),
    ({"steps": [{"wait": 0, "targets": []}]}, "steps.0.targets"),
    ({"steps": [{"wait": 8 * 86400, "targets": [{"kind": "team"}]}]}, "steps.0.wait"),
    ({"steps": [{"wait": -1, "targets": [{"kind": "team"}]}]}, "steps.0.wait"),
    ({"steps": [{"wait": "60", "targets": [{"kind": "team"}]}]}, "steps.0.wait"),
    ({"steps": [{"wait": 0, "targets": [{"kind": "everyone"}]}]}, "steps.0.targets.0.kind"),
    ({"steps": [{"wait": 0, "targets": [{"kind": "user", "ref": 2**63}]}]},
     "steps.0.targets.0.ref"),
    ({"steps": [{"wait": 0, "targets": [{"kind": "team"}]}], "repeat": 3}, "repeat_delay"),
    ({"repeat": 21}, "repeat"),
    ({"repeat_delay": -5}, "repeat_delay"),
    ({"name": ""}, "name"),
    ({"name": "nights\u0000"}, "name"),
    ({"escalate": True}, "escalate"),
])
async def test_a_bad_policy_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, fields: dict[str, Any], field: str
):
    body = {"name": "p", "steps": [{"wait": 60, "targets": [{"kind": "team"}]}], **fields}

    assert fields_of(await app_client.post(POLICIES, json=body)) == [field]


async def test_the_default_policy_cannot_be_deleted_until_another_is_the_default(
    app_client: httpx.AsyncClient, refs: dict[str, int]
):
    [default] = (await app_client.get(POLICIES)).json()
    mine = await create(app_client, refs)

    refused = await app_client.delete(f"{POLICIES}/{default['id']}")
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"policy {default['id']} is the team's default: make another policy the default first")

    made_default = await app_client.post(f"{POLICIES}/{mine['id']}/make-default")
    assert made_default.status_code == 200, made_default.text
    assert made_default.json()["is_default"] is True
    assert [(p["id"], p["is_default"]) for p in (await app_client.get(POLICIES)).json()] == [
        (default["id"], False), (mine["id"], True)]
    assert (await app_client.delete(f"{POLICIES}/{default['id']}")).status_code == 204
    assert (await app_client.delete(f"{POLICIES}/{mine['id']}")).status_code == 409


async def test_heartbeats_of_a_deleted_policy_fall_back_to_the_default(
    app_client: httpx.AsyncClient, refs: dict[str, int], db: Database, clock: FixedClock,
    team_id: int,
):
    mine = await create(app_client, refs)
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    async with db.write() as session:
        row = await session.get(Heartbeat, heartbeat.id)
        assert row is not None
        row.policy_id = mine["id"]

    assert (await app_client.delete(f"{POLICIES}/{mine['id']}")).status_code == 204

    assert (await reload(db, heartbeat.id)).policy_id is None


@pytest.mark.parametrize(("path", "ref"), [
    ("/api/v1/members/{}", "user"), ("/api/v1/channels/{}", "channel"),
    ("/api/v1/schedules/{}", "schedule"),
])
async def test_what_a_policy_pages_by_id_is_kept_until_the_policy_is_edited(
    app_client: httpx.AsyncClient, refs: dict[str, int], path: str, ref: str
):
    mine = await create(app_client, refs)

    refused = await app_client.delete(path.format(refs[ref]))

    assert refused.status_code == 409
    assert refused.json()["error"]["message"].endswith(
        f"is a target of policy 'business hours' (id {mine['id']}): edit the policy first")
    assert (await app_client.get(path.format(refs[ref]))).status_code == 200
    await app_client.patch(f"{POLICIES}/{mine['id']}",
                           json={"steps": [{"wait": 0, "targets": [{"kind": "team"}]}]})
    assert (await app_client.delete(path.format(refs[ref]))).status_code == 204


async def test_another_teams_policies_are_not_found(
    app_client: httpx.AsyncClient, refs: dict[str, int], db: Database, clock: FixedClock
):
    mine = await create(app_client, refs)
    key = await other_team_key(db, clock.now())
    other = {"Authorization": f"Bearer {key}"}
    url = f"{POLICIES}/{mine['id']}"

    answers = [
        await app_client.get(url, headers=other),
        await app_client.patch(url, json={"name": "x"}, headers=other),
        await app_client.delete(url, headers=other),
        await app_client.post(f"{url}/make-default", headers=other),
    ]

    assert [a.status_code for a in answers] == [404] * 4
    assert (await app_client.get(POLICIES, headers=other)).json() == []


async def test_a_heartbeat_may_name_only_a_policy_of_its_own_team(
    app_client: httpx.AsyncClient, refs: dict[str, int], db: Database, clock: FixedClock,
    team_id: int,
):
    mine = await create(app_client, refs)
    other_team_id = await other_team(db, clock.now())

    async with db.write() as session:
        await check_policy(session, team_id, mine["id"])
        await check_policy(session, team_id, None)
        for team, policy_id in ((other_team_id, mine["id"]), (team_id, 999_999)):
            with pytest.raises(Invalid) as refused:
                await check_policy(session, team, policy_id)
            assert (refused.value.field, refused.value.message) == (
                "policy_id", f"no policy with id {policy_id} in this team")


@pytest.mark.parametrize("suffix", ["", "/make-default"])
async def test_an_id_no_row_can_have_is_refused_not_a_server_error(
    app_client: httpx.AsyncClient, suffix: str
):
    method = "POST" if suffix else "GET"

    answer = await app_client.request(method, f"{POLICIES}/{2**63}{suffix}")

    assert fields_of(answer) == ["policy_id"]
