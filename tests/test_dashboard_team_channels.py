"""Team channels on the team page: admins add them (a webhook's signing secret is shown once)
and remove them unless a policy pages them; other members only look."""

from __future__ import annotations

import re

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services import people
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_channel, add_member, other_team, set_team_policy


async def channels(db: Database, team_id: int) -> list[tuple[str, str, str]]:
    async with db.read() as session:
        return [(c.name, c.kind, c.target) for c in await people.list_channels(session, team_id)]


async def test_a_new_webhook_shows_its_signing_secret_once(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)

    made = await app_client.post("/team/channels", data={
        "csrf_token": csrf, "name": "ops hook", "kind": "webhook",
        "target": "http://127.0.0.1:9/hook"})

    assert made.status_code == 200
    found = re.search(r'<code id="channel-secret">([^<]+)</code>', made.text)
    assert found and 'data-copy="#channel-secret"' in made.text
    async with db.read() as session:
        [channel] = await people.list_channels(session, team_id)
    assert channel.secret == found.group(1)
    listing = await app_client.get("/team")
    assert found.group(1) not in listing.text
    assert "ops hook webhook signed http://127.0.0.1:9/hook" in text_of(listing.text)


async def test_an_email_channel_needs_no_secret(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)

    made = await app_client.post("/team/channels", data={
        "csrf_token": csrf, "name": "ops list", "kind": "email", "target": "ops@example.test"},
        follow_redirects=True)

    assert "The channel ops list is added." in made.text
    assert await channels(db, team_id) == [("ops list", "email", "ops@example.test")]


async def test_a_bad_target_is_shown_beside_the_field(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)

    for kind, target in (("webhook", "not a url"), ("email", "nobody"), ("sms", "+371")):
        answer = await app_client.post("/team/channels", data={
            "csrf_token": csrf, "name": "broken", "kind": kind, "target": target})
        assert answer.status_code == 422, kind
        assert 'id="channel.target-error"' in answer.text or (
            'id="channel.kind-error"' in answer.text), kind
        assert f'value="{target}"' in answer.text  # kept as typed
    assert await channels(db, team_id) == []


async def test_a_channel_a_policy_pages_is_not_removed(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    used = await add_channel(db, team_id, "webhook", "http://127.0.0.1:9/a", clock.now())
    unused = await add_channel(db, team_id, "email", "ops@example.test", clock.now())
    await set_team_policy(db, team_id, Policy(steps=(
        Step(0, (Target(TargetKind.CHANNEL, used),)),)), clock.now())

    refused = await app_client.post(f"/team/channels/{used}/delete", data={"csrf_token": csrf},
                                    follow_redirects=True)
    removed = await app_client.post(f"/team/channels/{unused}/delete",
                                    data={"csrf_token": csrf}, follow_redirects=True)

    assert f"Not removed: channel {used} is a target of policy" in text_of(refused.text)
    assert "The channel email channel is removed." in removed.text
    # A refusal looks like one: marked, and read out at once by screen readers.
    assert '<p class="flash failed" role="alert">Not removed' in refused.text
    assert '<p class="flash" role="status">The channel email channel is removed.' in removed.text
    assert await channels(db, team_id) == [("webhook channel", "webhook", "http://127.0.0.1:9/a")]


async def test_a_member_who_is_not_an_admin_can_neither_add_nor_remove_channels(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    channel = await add_channel(db, team_id, "email", "ops@example.test", clock.now())
    await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    csrf = await log_in(app_client, "bea@example.test")

    assert "Add a channel" not in (await app_client.get("/team")).text
    added = await app_client.post("/team/channels", data={
        "csrf_token": csrf, "name": "mine", "kind": "email", "target": "bea@example.test"})
    removed = await app_client.post(f"/team/channels/{channel}/delete",
                                    data={"csrf_token": csrf})

    assert (added.status_code, removed.status_code) == (403, 403)
    assert await channels(db, team_id) == [("email channel", "email", "ops@example.test")]


async def test_another_teams_channel_cannot_be_removed(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    their_team = await other_team(db, clock.now())
    theirs = await add_channel(db, their_team, "email", "their@example.test", clock.now())

    answer = await app_client.post(f"/team/channels/{theirs}/delete", data={"csrf_token": csrf})

    assert answer.status_code == 404
    assert "their@example.test" not in answer.text
    assert await channels(db, their_team) == [("email channel", "email", "their@example.test")]


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    await admin_client(app_client, db)

    answer = await app_client.post("/team/channels", data={
        "name": "x", "kind": "email", "target": "x@example.test"})

    assert answer.status_code == 403
    assert await channels(db, team_id) == []
