"""On-call schedules through the API: a rotation of members checked before it is stored,
who is on call now (the FixedClock's 2026-03-02T12:00Z, a Monday) or at any instant, the next
hand-offs, and overrides that win over the rotation.

The schedule WEEKLY hands off on Mondays at 09:00 Europe/Riga from Monday 2026-02-23:
Ana from 02-23 07:00Z (EET, UTC+2), Bo from 03-02 07:00Z, Cy from 03-09 07:00Z, Ana from
03-16 07:00Z, Bo from 03-23 07:00Z, Cy from 03-30 06:00Z (EEST since 03-29, UTC+3), Ana from
04-06 06:00Z.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Team, User
from helpers import other_team_key

SCHEDULES = "/api/v1/schedules"
WEEK = 7 * 86400


@pytest.fixture
async def people(app_client: httpx.AsyncClient) -> dict[str, int]:
    ids = {}
    for name in ("Ana", "Bo", "Cy"):
        made = await app_client.post("/api/v1/members",
                                     json={"name": name, "email": f"{name}@example.test"})
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    return ids


async def create(client: httpx.AsyncClient, people: dict[str, int],
                 **fields: Any) -> dict[str, Any]:
    body = {"name": "primary", "timezone": "Europe/Riga", "handoff": "09:00", "shift": WEEK,
            "start_date": "2026-02-23", "member_ids": [people[n] for n in ("Ana", "Bo", "Cy")],
            **fields}
    made = await client.post(SCHEDULES, json=body)
    assert made.status_code == 201, made.text
    schedule: dict[str, Any] = made.json()
    return schedule


async def on_call(client: httpx.AsyncClient, schedule_id: int,
                  at: str | None = None) -> dict[str, Any]:
    answer = await client.get(f"{SCHEDULES}/{schedule_id}/oncall",
                              params={} if at is None else {"at": at})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def name(user: dict[str, Any] | None) -> str | None:
    return None if user is None else str(user["name"])


def handoffs(shown: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(h["at"], name(h["user"])) for h in shown["next_handoffs"]]


def fields_of(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [f["field"] for f in answer.json()["error"]["fields"]]


async def test_a_schedule_is_created_shown_listed_edited_and_deleted(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    made = await create(app_client, people, handoff="9:00")

    assert {k: made[k] for k in ("name", "timezone", "handoff", "shift", "start_date")} == {
        "name": "primary", "timezone": "Europe/Riga", "handoff": "09:00", "shift": WEEK,
        "start_date": "2026-02-23"}
    assert made["member_ids"] == [people["Ana"], people["Bo"], people["Cy"]]
    assert (await app_client.get(f"{SCHEDULES}/{made['id']}")).json() == made
    assert (await app_client.get(SCHEDULES)).json() == [made]

    edited = await app_client.patch(f"{SCHEDULES}/{made['id']}",
                                    json={"name": "nights", "handoff": "21:30"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["handoff"], edited.json()["shift"]) == (
        "nights", "21:30", WEEK)

    assert (await app_client.delete(f"{SCHEDULES}/{made['id']}")).status_code == 204
    assert (await app_client.get(f"{SCHEDULES}/{made['id']}")).status_code == 404


async def test_a_schedule_without_a_start_date_starts_today_in_its_time_zone(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    utc = await app_client.post(SCHEDULES, json={"name": "s", "member_ids": [people["Ana"]]})
    # 2026-03-02T12:00Z is 01:00 on 03-03 in Auckland (NZDT, UTC+13).
    auckland = await app_client.post(SCHEDULES, json={"name": "nz",
                                                      "timezone": "Pacific/Auckland"})

    assert utc.status_code == 201, utc.text
    assert (utc.json()["start_date"], utc.json()["timezone"], utc.json()["shift"]) == (
        "2026-03-02", "UTC", WEEK)
    assert auckland.json()["start_date"] == "2026-03-03"


async def test_it_says_who_is_on_call_now_and_the_next_five_handoffs(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    schedule = await create(app_client, people)

    shown = await on_call(app_client, schedule["id"])

    assert (shown["at"], name(shown["user"]), shown["schedule_id"]) == (
        "2026-03-02T12:00:00Z", "Bo", schedule["id"])
    assert shown["user"]["id"] == people["Bo"]
    assert handoffs(shown) == [
        ("2026-03-09T07:00:00Z", "Cy"), ("2026-03-16T07:00:00Z", "Ana"),
        ("2026-03-23T07:00:00Z", "Bo"), ("2026-03-30T06:00:00Z", "Cy"),
        ("2026-04-06T06:00:00Z", "Ana"),
    ]


@pytest.mark.parametrize(("at", "who"), [
    ("2026-02-23T06:59:59Z", None),  # before the first hand-off
    ("2026-02-23T07:00:00Z", "Ana"),
    ("2026-03-02T08:59:59+02:00", "Ana"),
    ("2026-03-02T09:00:00+02:00", "Bo"),
    ("2026-03-30T05:59:59Z", "Bo"),
    ("2026-03-30T09:00:00+03:00", "Cy"),
    ("2026-12-25T00:00:00Z", "Bo"),  # shift 43 (305 days in), and 43 % 3 = 1
])
async def test_it_says_who_is_on_call_at_an_instant(
    app_client: httpx.AsyncClient, people: dict[str, int], at: str, who: str | None
):
    schedule = await create(app_client, people)

    shown = await on_call(app_client, schedule["id"], at)

    assert shown["at"].replace("Z", "+00:00")[:19] == at.replace("Z", "+00:00")[:19]
    assert name(shown["user"]) == who


async def test_an_override_wins_over_the_rotation_and_ends_on_time(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    schedule = await create(app_client, people)
    url = f"{SCHEDULES}/{schedule['id']}/overrides"

    made = await app_client.post(url, json={"member_id": people["Cy"],
                                            "starts_at": "2026-03-02T12:00:00+02:00",
                                            "ends_at": "2026-03-03T10:00:00Z"})

    assert made.status_code == 201, made.text
    assert (made.json()["member_id"], made.json()["starts_at"], made.json()["ends_at"]) == (
        people["Cy"], "2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z")
    shown = await on_call(app_client, schedule["id"])
    assert name(shown["user"]) == "Cy"
    assert handoffs(shown)[:2] == [("2026-03-03T10:00:00Z", "Bo"),
                                   ("2026-03-09T07:00:00Z", "Cy")]
    assert name((await on_call(app_client, schedule["id"], "2026-03-02T09:59:59Z"))["user"]) \
        == "Bo"
    assert [o["id"] for o in (await app_client.get(url)).json()] == [made.json()["id"]]


async def test_the_newer_of_two_overlapping_overrides_wins(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    schedule = await create(app_client, people)
    url = f"{SCHEDULES}/{schedule['id']}/overrides"
    day = {"starts_at": "2026-03-02T00:00:00Z", "ends_at": "2026-03-03T00:00:00Z"}
    await app_client.post(url, json={"member_id": people["Cy"], **day})
    newer = (await app_client.post(url, json={"member_id": people["Ana"], **day})).json()

    assert name((await on_call(app_client, schedule["id"]))["user"]) == "Ana"

    assert (await app_client.delete(f"{url}/{newer['id']}")).status_code == 204
    assert name((await on_call(app_client, schedule["id"]))["user"]) == "Cy"
    assert (await app_client.delete(f"{url}/{newer['id']}")).status_code == 404


async def test_a_schedule_without_members_has_nobody_on_call(app_client: httpx.AsyncClient):
    made = await app_client.post(SCHEDULES, json={"name": "empty"})

    shown = await on_call(app_client, made.json()["id"])

    assert (shown["user"], shown["next_handoffs"]) == (None, [])


async def test_deleting_a_member_takes_them_out_of_every_rotation(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    first = await create(app_client, people)
    second = await create(app_client, people, name="backup",
                          member_ids=[people["Bo"], people["Cy"], people["Bo"]])

    assert (await app_client.delete(f"/api/v1/members/{people['Bo']}")).status_code == 204

    assert (await app_client.get(f"{SCHEDULES}/{first['id']}")).json()["member_ids"] == [
        people["Ana"], people["Cy"]]
    assert (await app_client.get(f"{SCHEDULES}/{second['id']}")).json()["member_ids"] == [
        people["Cy"]]
    # Shift 1 of [Ana, Cy] is Cy's.
    assert name((await on_call(app_client, first["id"]))["user"]) == "Cy"


@pytest.mark.parametrize(("fields", "field"), [
    ({"handoff": "25:00"}, "handoff"),
    ({"handoff": "9"}, "handoff"),
    ({"handoff": "\u0660\u0669:\u0660\u0660"}, "handoff"),  # Arabic-Indic 09:00
    ({"handoff": "\u00b9:00"}, "handoff"),  # superscript one: a digit int() refuses
    ({"shift": 1800}, "shift"),
    ({"shift": 400 * 86400}, "shift"),
    ({"shift": "3600"}, "shift"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"start_date": "9999-12-31"}, "start_date"),
    ({"start_date": "2026-02-30"}, "start_date"),
    ({"member_ids": [2**62]}, "member_ids"),
    ({"member_ids": ["1"]}, "member_ids.0"),
    ({"name": " "}, "name"),
    ({"name": "a\u0000b"}, "name"),
    ({"members": []}, "members"),
])
async def test_a_bad_schedule_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, people: dict[str, int], fields: dict[str, Any], field: str
):
    body = {"name": "s", "member_ids": [people["Ana"]], **fields}

    assert fields_of(await app_client.post(SCHEDULES, json=body)) == [field]
    assert (await app_client.get(SCHEDULES)).json() == []


async def test_a_member_of_another_team_cannot_join_a_rotation_or_an_override(
    app_client: httpx.AsyncClient, people: dict[str, int], db: Database, clock: FixedClock
):
    schedule = await create(app_client, people)
    async with db.write() as session:
        team = Team(name="Other team", created_at=clock.now())
        session.add(team)
        await session.flush()
        stranger = User(team_id=team.id, name="Zed", email="zed@example.test",
                        created_at=clock.now())
        session.add(stranger)
        await session.flush()

    joined = await app_client.patch(f"{SCHEDULES}/{schedule['id']}",
                                    json={"member_ids": [people["Ana"], stranger.id]})
    override = await app_client.post(f"{SCHEDULES}/{schedule['id']}/overrides", json={
        "member_id": stranger.id, "starts_at": "2026-03-02T00:00:00Z",
        "ends_at": "2026-03-03T00:00:00Z"})

    assert fields_of(joined) == ["member_ids"]
    assert joined.json()["error"]["message"] == (
        f"member_ids: no member with id {stranger.id} in this team")
    assert fields_of(override) == ["member_id"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"starts_at": "2026-03-02T00:00:00"}, "starts_at"),
    ({"ends_at": "2026-03-01T00:00:00Z"}, "ends_at"),
    ({"ends_at": "2026-03-02T00:00:00Z"}, "ends_at"),
    ({"starts_at": "0001-01-01T00:00:00Z"}, "starts_at"),
    ({"ends_at": "9999-12-31T23:00:00Z"}, "ends_at"),
    ({"member_id": 2**63}, "member_id"),
    ({"member_id": True}, "member_id"),
])
async def test_a_bad_override_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, people: dict[str, int], fields: dict[str, Any], field: str
):
    schedule = await create(app_client, people)
    body = {"member_id": people["Ana"], "starts_at": "2026-03-02T00:00:00Z",
            "ends_at": "2026-03-03T00:00:00Z", **fields}

    answer = await app_client.post(f"{SCHEDULES}/{schedule['id']}/overrides", json=body)

    assert fields_of(answer) == [field]


@pytest.mark.parametrize("at", ["2026-03-02T12:00:00", "yesterday", "9999-12-31T00:00:00Z",
                                "0001-01-01T00:00:00Z"])
async def test_an_instant_without_an_offset_or_out_of_range_is_refused(
    app_client: httpx.AsyncClient, people: dict[str, int], at: str
):
    schedule = await create(app_client, people)

    answer = await app_client.get(f"{SCHEDULES}/{schedule['id']}/oncall", params={"at": at})

    assert fields_of(answer) == ["at"]


async def test_another_teams_schedules_and_overrides_are_not_found(
    app_client: httpx.AsyncClient, people: dict[str, int], db: Database, clock: FixedClock
):
    schedule = await create(app_client, people)
    url = f"{SCHEDULES}/{schedule['id']}"
    override = (await app_client.post(f"{url}/overrides", json={
        "member_id": people["Ana"], "starts_at": "2026-03-02T00:00:00Z",
        "ends_at": "2026-03-03T00:00:00Z"})).json()
    key = await other_team_key(db, clock.now())
    other = {"Authorization": f"Bearer {key}"}

    answers = [
        await app_client.get(url, headers=other),
        await app_client.patch(url, json={"name": "mine"}, headers=other),
        await app_client.delete(url, headers=other),
        await app_client.get(f"{url}/oncall", headers=other),
        await app_client.get(f"{url}/overrides", headers=other),
        await app_client.post(f"{url}/overrides", headers=other, json={
            "member_id": people["Ana"], "starts_at": "2026-03-02T00:00:00Z",
            "ends_at": "2026-03-03T00:00:00Z"}),
        await app_client.delete(f"{url}/overrides/{override['id']}", headers=other),
    ]

    assert [a.status_code for a in answers] == [404] * 7
    assert (await app_client.get(SCHEDULES, headers=other)).json() == []


async def test_an_override_of_another_schedule_is_not_found(
    app_client: httpx.AsyncClient, people: dict[str, int]
):
    first = await create(app_client, people)
    second = await create(app_client, people, name="second")
    override = (await app_client.post(f"{SCHEDULES}/{first['id']}/overrides", json={
        "member_id": people["Ana"], "starts_at": "2026-03-02T00:00:00Z",
        "ends_at": "2026-03-03T00:00:00Z"})).json()

    answer = await app_client.delete(f"{SCHEDULES}/{second['id']}/overrides/{override['id']}")

    assert answer.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/schedules/{}", "/api/v1/schedules/{}/oncall",
                                  "/api/v1/schedules/{}/overrides",
                                  "/api/v1/schedules/1/overrides/{}"])
async def test_an_id_no_row_can_have_is_refused_not_a_server_error(
    app_client: httpx.AsyncClient, path: str
):
    method = "DELETE" if path.endswith("overrides/{}") else "GET"

    answer = await app_client.request(method, path.format(2**63))

    assert answer.status_code == 422, answer.text
