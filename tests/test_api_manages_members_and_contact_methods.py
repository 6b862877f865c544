"""Members of the team through the API: added, listed, shown, edited and deleted; each with
contact methods that are checked before they are stored. Another team's members are 404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.teams import create_api_key
from helpers import other_team_key

MEMBERS = "/api/v1/members"


async def add(client: httpx.AsyncClient, name: str = "Ana", email: str = "ana@example.test",
              **fields: Any) -> dict[str, Any]:
    made = await client.post(MEMBERS, json={"name": name, "email": email, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def fields_of(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [f["field"] for f in answer.json()["error"]["fields"]]


@pytest.fixture
async def other_team(db: Database, clock: FixedClock, team_id: int) -> dict[str, str]:
    """The Authorization header of a key of another team."""
    key = await other_team_key(db, clock.now())
    return {"Authorization": f"Bearer {key}"}


async def test_the_first_admin_is_already_a_member(app_client: httpx.AsyncClient):
    listed = (await app_client.get(MEMBERS)).json()

    assert [(m["email"], m["is_admin"], m["timezone"]) for m in listed] == [
        ("admin@example.test", True, "UTC")]


async def test_a_member_is_added_shown_edited_and_deleted(app_client: httpx.AsyncClient):
    ana = await add(app_client, "  Ana  ", "ana@EXAMPLE.test", timezone="Europe/Riga")
    assert (ana["name"], ana["email"], ana["timezone"], ana["is_admin"]) == (
        "Ana", "ana@example.test", "Europe/Riga", False)
    assert ana["created_at"] == "2026-03-02T12:00:00Z"

    assert (await app_client.get(f"{MEMBERS}/{ana['id']}")).json() == ana
    edited = await app_client.patch(f"{MEMBERS}/{ana['id']}",
                                    json={"name": "Ana B", "timezone": "America/New_York"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["timezone"], edited.json()["email"]) == (
        "Ana B", "America/New_York", "ana@example.test")

    assert (await app_client.delete(f"{MEMBERS}/{ana['id']}")).status_code == 204
    assert (await app_client.get(f"{MEMBERS}/{ana['id']}")).status_code == 404
    assert [m["email"] for m in (await app_client.get(MEMBERS)).json()] == [
        "admin@example.test"]


async def test_an_email_that_already_belongs_to_a_member_is_a_conflict(
    app_client: httpx.AsyncClient,
):
    ana = await add(app_client)
    bo = await add(app_client, "Bo", "bo@example.test")

    again = await app_client.post(MEMBERS, json={"name": "Ana 2", "email": "ANA@example.test"})
    taken = await app_client.patch(f"{MEMBERS}/{bo['id']}", json={"email": ana["email"]})
    same = await app_client.patch(f"{MEMBERS}/{ana['id']}", json={"email": ana["email"]})

    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        "the email ANA@example.test already belongs to a member")
    assert taken.status_code == 409
    assert same.status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Ana", "email": "ana@example.test", "timezone": "Mars/Olympus"}, "timezone"),
    ({"name": "Ana", "email": "ana@example.test", "timezone": "Europe"}, "timezone"),
    ({"name": "Ana", "email": "not an address"}, "email"),
    ({"name": "Ana", "email": "a@b@c"}, "email"),
    ({"name": "   ", "email": "ana@example.test"}, "name"),
    ({"name": "Ana\u0000", "email": "ana@example.test"}, "name"),
    ({"name": "Ana", "email": "ana@example.test", "role": "admin"}, "role"),
    ({"name": "Ana"}, "email"),
])
async def test_a_bad_member_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, body: dict[str, Any], field: str
):
    assert fields_of(await app_client.post(MEMBERS, json=body)) == [field]


async def test_an_edit_with_an_unknown_time_zone_changes_nothing(
    app_client: httpx.AsyncClient,
):
    ana = await add(app_client)

    answer = await app_client.patch(f"{MEMBERS}/{ana['id']}", json={"timezone": "Nowhere"})

    assert fields_of(answer) == ["timezone"]
    assert (await app_client.get(f"{MEMBERS}/{ana['id']}")).json()["timezone"] == "UTC"


async def test_contact_methods_are_added_listed_and_deleted(app_client: httpx.AsyncClient):
    ana = await add(app_client)
    url = f"{MEMBERS}/{ana['id']}/contact-methods"

    mail = await app_client.post(url, json={"kind": "email", "target": " ana@Work.test ",
                                            "label": "work"})
    chat = await app_client.post(url, json={"kind": "apprise",
                                            "target": "json://127.0.0.1:9/hook"})
    assert (mail.status_code, chat.status_code) == (201, 201), (mail.text, chat.text)
    assert [(m["member_id"], m["kind"], m["target"], m["label"])
            for m in (await app_client.get(url)).json()] == [
        (ana["id"], "email", "ana@work.test", "work"),
        (ana["id"], "apprise", "json://127.0.0.1:9/hook", ""),
    ]

    assert (await app_client.delete(f"{url}/{mail.json()['id']}")).status_code == 204
    assert [m["kind"] for m in (await app_client.get(url)).json()] == ["apprise"]
    assert (await app_client.delete(f"{url}/{mail.json()['id']}")).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "email", "target": "nobody"}, "target"),
    ({"kind": "apprise", "target": "nope://x"}, "target"),
    ({"kind": "apprise", "target": "json://a json://b"}, "target"),
    ({"kind": "webhook", "target": "https://example.test/hook"}, "kind"),
    ({"kind": "sms", "target": "+371 2000000"}, "kind"),
    ({"kind": "email"}, "target"),
    ({"kind": "email", "target": "ana@x.test", "label": "home\u0000"}, "label"),
])
async def test_a_bad_contact_method_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, body: dict[str, Any], field: str
):
    ana = await add(app_client)

    answer = await app_client.post(f"{MEMBERS}/{ana['id']}/contact-methods", json=body)

    assert fields_of(answer) == [field]
    assert (await app_client.get(f"{MEMBERS}/{ana['id']}/contact-methods")).json() == []


async def test_deleting_a_member_takes_their_contact_methods_with_them(
    app_client: httpx.AsyncClient,
):
    ana = await add(app_client)
    await app_client.post(f"{MEMBERS}/{ana['id']}/contact-methods",
                          json={"kind": "email", "target": "ana@home.test"})

    assert (await app_client.delete(f"{MEMBERS}/{ana['id']}")).status_code == 204

    assert (await app_client.get(f"{MEMBERS}/{ana['id']}/contact-methods")).status_code == 404


async def test_another_teams_members_and_contact_methods_are_not_found(
    app_client: httpx.AsyncClient, other_team: dict[str, str],
):
    ana = await add(app_client)
    methods = f"{MEMBERS}/{ana['id']}/contact-methods"
    mail = (await app_client.post(methods, json={"kind": "email", "target": "a@x.test"})).json()

    answers = [
        await app_client.get(f"{MEMBERS}/{ana['id']}", headers=other_team),
        await app_client.patch(f"{MEMBERS}/{ana['id']}", json={"name": "X"},
                               headers=other_team),
        await app_client.delete(f"{MEMBERS}/{ana['id']}", headers=other_team),
        await app_client.get(methods, headers=other_team),
        await app_client.post(methods, json={"kind": "email", "target": "b@x.test"},
                              headers=other_team),
        await app_client.delete(f"{methods}/{mail['id']}", headers=other_team),
        await app_client.post(f"{methods}/{mail['id']}/test", headers=other_team),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert answers[0].json()["error"]["message"] == f"no member with id {ana['id']}"
    assert (await app_client.get(MEMBERS, headers=other_team)).json() == []
    assert (await app_client.get(f"{MEMBERS}/{ana['id']}")).json()["name"] == "Ana"


async def test_a_contact_method_of_another_member_is_not_found(app_client: httpx.AsyncClient):
    ana = await add(app_client)
    bo = await add(app_client, "Bo", "bo@example.test")
    mail = (await app_client.post(f"{MEMBERS}/{ana['id']}/contact-methods",
                                  json={"kind": "email", "target": "a@x.test"})).json()

    answer = await app_client.delete(f"{MEMBERS}/{bo['id']}/contact-methods/{mail['id']}")

    assert answer.status_code == 404


@pytest.mark.parametrize("path", [
    "/api/v1/members/{}", "/api/v1/members/{}/contact-methods",
    "/api/v1/members/1/contact-methods/{}/test",
])
@pytest.mark.parametrize("number", [str(2**63), "0", "-1"])
async def test_an_id_no_row_can_have_is_refused_not_a_server_error(
    app_client: httpx.AsyncClient, path: str, number: str
):
    method = "POST" if path.endswith("/test") else "GET"

    answer = await app_client.request(method, path.format(number))

    assert answer.status_code == 422, answer.text


async def test_a_read_only_key_reads_members_but_cannot_change_them(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "viewer", clock.now(), read_only=True)
    viewer = {"Authorization": f"Bearer {key}"}

    assert (await app_client.get(MEMBERS, headers=viewer)).status_code == 200
    refused = await app_client.post(MEMBERS, json={"name": "A", "email": "a@x.test"},
                                    headers=viewer)
    assert refused.status_code == 403
