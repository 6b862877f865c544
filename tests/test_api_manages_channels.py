"""Team channels through the API: created with a checked target, listed, renamed, pointed
elsewhere and deleted. A webhook channel's signing secret is shown once, at creation or when
it is rotated, and never in a listing. Another team's channels are 404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.oncall_models import Channel
from helpers import other_team_key

CHANNELS = "/api/v1/channels"
HOOK = "https://hooks.example.test/cronbeat"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(CHANNELS, json={"name": "ops hook", "kind": "webhook",
                                             "target": HOOK, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def stored_secret(db: Database, channel_id: int) -> str | None:
    async with db.read() as session:
        secret: str | None = await session.scalar(
            select(Channel.secret).where(Channel.id == channel_id))
    return secret


def fields_of(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [f["field"] for f in answer.json()["error"]["fields"]]


async def test_a_webhook_channel_shows_its_secret_only_when_created(
    app_client: httpx.AsyncClient, db: Database
):
    made = await create(app_client)

    assert made["secret"] and len(made["secret"]) >= 43
    assert made["secret"] == await stored_secret(db, made["id"])
    assert (made["name"], made["kind"], made["target"], made["signed"]) == (
        "ops hook", "webhook", HOOK, True)
    shown = (await app_client.get(f"{CHANNELS}/{made['id']}")).json()
    listed = (await app_client.get(CHANNELS)).json()
    assert "secret" not in shown
    assert listed == [shown]
    assert shown == {k: v for k, v in made.items() if k != "secret"}


async def test_email_and_apprise_channels_have_no_secret(app_client: httpx.AsyncClient):
    mail = await create(app_client, name="ops list", kind="email", target="ops@Example.test")
    chat = await create(app_client, name="chat", kind="apprise",
                        target="json://127.0.0.1:9/notify")

    assert (mail["target"], mail["secret"], mail["signed"]) == ("ops@example.test", None, False)
    assert (chat["secret"], chat["signed"]) == (None, False)


async def test_rotating_the_secret_replaces_it_and_shows_the_new_one_once(
    app_client: httpx.AsyncClient, db: Database
):
    made = await create(app_client)

    rotated = await app_client.post(f"{CHANNELS}/{made['id']}/rotate-secret")

    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["channel_id"] == made["id"]
    assert rotated.json()["secret"] not in (made["secret"], None)
    assert rotated.json()["secret"] == await stored_secret(db, made["id"])


async def test_only_a_webhook_has_a_secret_to_rotate(app_client: httpx.AsyncClient):
    mail = await create(app_client, kind="email", target="ops@example.test")

    answer = await app_client.post(f"{CHANNELS}/{mail['id']}/rotate-secret")

    assert answer.status_code == 409
    assert "only webhooks sign their requests" in answer.json()["error"]["message"]


async def test_a_channel_is_renamed_and_pointed_elsewhere_keeping_its_secret(
    app_client: httpx.AsyncClient, db: Database
):
    made = await create(app_client)

    edited = await app_client.patch(f"{CHANNELS}/{made['id']}",
                                    json={"name": "new hook", "target": "http://10.0.0.1:81/x"})

    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["target"]) == ("new hook",
                                                                "http://10.0.0.1:81/x")
    assert await stored_secret(db, made["id"]) == made["secret"]


async def test_a_channel_cannot_change_its_kind(app_client: httpx.AsyncClient):
    made = await create(app_client)

    assert fields_of(await app_client.patch(f"{CHANNELS}/{made['id']}",
                                            json={"kind": "email"})) == ["kind"]


async def test_an_edit_to_a_bad_target_changes_nothing(app_client: httpx.AsyncClient):
    made = await create(app_client)

    answer = await app_client.patch(f"{CHANNELS}/{made['id']}", json={"target": "ftp://x"})

    assert fields_of(answer) == ["target"]
    assert (await app_client.get(f"{CHANNELS}/{made['id']}")).json()["target"] == HOOK


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "kind": "webhook", "target": "ftp://example.test/"}, "target"),
    ({"name": "x", "kind": "webhook", "target": "http://:80/"}, "target"),
    ({"name": "x", "kind": "webhook", "target": "http://example.test:99999/"}, "target"),
    ({"name": "x", "kind": "email", "target": "ops"}, "target"),
    ({"name": "x", "kind": "apprise", "target": "nope://x"}, "target"),
    ({"name": "x", "kind": "pager", "target": HOOK}, "kind"),
    ({"name": "", "kind": "webhook", "target": HOOK}, "name"),
    ({"name": "ops\nhook", "kind": "webhook", "target": HOOK}, "name"),
    ({"name": "x", "kind": "webhook", "target": HOOK, "secret": "mine"}, "secret"),
    ({"name": "x", "kind": "webhook", "target": "h" * 2001}, "target"),
])
async def test_a_bad_channel_is_refused_naming_the_field(
    app_client: httpx.AsyncClient, body: dict[str, Any], field: str
):
    assert fields_of(await app_client.post(CHANNELS, json=body)) == [field]
    assert (await app_client.get(CHANNELS)).json() == []


async def test_a_deleted_channel_is_gone(app_client: httpx.AsyncClient):
    made = await create(app_client)

    assert (await app_client.delete(f"{CHANNELS}/{made['id']}")).status_code == 204

    assert (await app_client.get(f"{CHANNELS}/{made['id']}")).status_code == 404
    assert (await app_client.delete(f"{CHANNELS}/{made['id']}")).status_code == 404


async def test_another_teams_channels_are_not_found(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    key = await other_team_key(db, clock.now())
    other = {"Authorization": f"Bearer {key}"}
    url = f"{CHANNELS}/{made['id']}"

    answers = [
        await app_client.get(url, headers=other),
        await app_client.patch(url, json={"name": "mine"}, headers=other),
        await app_client.delete(url, headers=other),
        await app_client.post(f"{url}/test", headers=other),
        await app_client.post(f"{url}/rotate-secret", headers=other),
    ]

    assert [a.status_code for a in answers] == [404] * 5
    assert (await app_client.get(CHANNELS, headers=other)).json() == []
    assert (await app_client.get(url)).json()["name"] == "ops hook"


@pytest.mark.parametrize("suffix", ["", "/test", "/rotate-secret"])
async def test_an_id_no_row_can_have_is_refused_not_a_server_error(
    app_client: httpx.AsyncClient, suffix: str
):
    method = "POST" if suffix else "GET"

    answer = await app_client.request(method, f"{CHANNELS}/{2**63}{suffix}")

    assert fields_of(answer) == ["channel_id"]
