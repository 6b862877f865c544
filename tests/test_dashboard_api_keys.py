"""API keys on the team page: listed without their secret, created with the key shown once
with a copy button, revoked (after a confirmation) so that they stop working."""

from __future__ import annotations

import re

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.teams import create_api_key, list_api_keys
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_member, other_team

BEARER = "Authorization"


async def test_a_new_key_is_shown_once_with_a_copy_button_and_works(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)

    made = await app_client.post("/team/api-keys", data={
        "csrf_token": csrf, "name": "deploy script", "read_only": "on"})

    assert made.status_code == 200
    found = re.search(r'<code id="api-key">([^<]+)</code>', made.text)
    assert found
    key = found.group(1)
    assert 'data-copy="#api-key"' in made.text
    assert (await app_client.get("/api/v1/heartbeats",
                                 headers={BEARER: f"Bearer {key}"})).status_code == 200
    listing = await app_client.get("/team")
    assert key not in listing.text
    assert "deploy script" in text_of(listing.text)
    assert f"{key[:10]}…" in listing.text
    assert "deploy script " + key[:10] + "… read-only just now in use" in text_of(listing.text)


async def test_revoking_asks_first_and_the_key_stops_working(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    async with db.write() as session:
        key, row = await create_api_key(session, team_id, "leaked", clock.now())
    page = await app_client.get("/team")
    assert 'data-confirm="Revoke the key leaked? Everything using it stops working at once."' in (
        page.text)

    clock.advance(120)
    revoked = await app_client.post(f"/team/api-keys/{row.id}/revoke",
                                    data={"csrf_token": csrf}, follow_redirects=True)

    assert "The API key leaked is revoked: it no longer works." in revoked.text
    assert "leaked " + key[:10] + "… read and write 2 min ago revoked just now" in (
        text_of(revoked.text))
    answer = await app_client.get("/api/v1/heartbeats", headers={BEARER: f"Bearer {key}"})
    assert answer.status_code == 401


async def test_a_member_who_is_not_an_admin_can_neither_create_nor_revoke_keys(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    csrf = await log_in(app_client, "bea@example.test")

    created = await app_client.post("/team/api-keys", data={"csrf_token": csrf, "name": "mine"})
    revoked = await app_client.post("/team/api-keys/1/revoke", data={"csrf_token": csrf})

    assert (created.status_code, revoked.status_code) == (403, 403)
    assert "cb_" not in created.text
    async with db.read() as session:
        keys = await list_api_keys(session, team_id)
    assert [(k.name, k.revoked_at) for k in keys] == [("first key", None), ("tests", None)]


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    await admin_client(app_client, db)

    assert (await app_client.post("/team/api-keys/1/revoke")).status_code == 403
    assert (await app_client.post("/team/api-keys", data={"name": "x"})).status_code == 403
    async with db.read() as session:
        keys = await list_api_keys(session, team_id)
    assert [(k.name, k.revoked_at) for k in keys] == [("first key", None), ("tests", None)]


async def test_another_teams_key_is_a_404_page_and_never_shown(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    their_team = await other_team(db, clock.now())
    async with db.write() as session:
        _, theirs = await create_api_key(session, their_team, "their ci key", clock.now())

    answer = await app_client.post(f"/team/api-keys/{theirs.id}/revoke",
                                   data={"csrf_token": csrf})

    assert answer.status_code == 404
    assert "their ci key" not in (await app_client.get("/team")).text
    async with db.read() as session:
        [still] = await list_api_keys(session, their_team)
    assert still.revoked_at is None


async def test_a_bad_name_is_shown_beside_the_field(
    app_client: httpx.AsyncClient, db: Database
):
    csrf = await admin_client(app_client, db)

    answer = await app_client.post("/team/api-keys", data={"csrf_token": csrf, "name": "  "})

    assert answer.status_code == 422
    assert 'id="key.name-error"' in answer.text
