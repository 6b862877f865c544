"""Send test on the team page: the same queued test message as the API's, to a local
receiver only, and a page that follows what became of it."""

from __future__ import annotations

import httpx

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.delivery import Deliverer
from cronbeat.services.people import get_channel, send_channel_test
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_channel, add_member, other_team
from local_http_receiver import running_receiver

FETCH = {"X-Requested-With": "fetch"}


async def test_send_test_queues_a_message_and_its_page_shows_it_delivered(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
    settings: Settings,
):
    csrf = await admin_client(app_client, db)
    with running_receiver() as receiver:
        channel = await add_channel(db, team_id, "webhook", receiver.url(), clock.now(),
                                    secret="s3cret")
        team = await app_client.get("/team")
        assert f'action="/team/channels/{channel}/test"' in team.text

        queued = await app_client.post(f"/team/channels/{channel}/test",
                                       data={"csrf_token": csrf})
        assert queued.status_code == 303
        result = queued.headers["location"]
        assert result.startswith("/team/notifications/")
        waiting = await app_client.get(result)
        assert "A test message to webhook channel is queued." in waiting.text
        assert f'data-live="{result}"' in waiting.text
        assert "Status pending" in text_of(waiting.text)

        await Deliverer(db, clock, settings, max_sleep=60).deliver_due()

        assert len(receiver.requests) == 1
    done = await app_client.get(result, headers=FETCH)
    assert "<html" not in done.text
    assert "Status sent" in text_of(done.text)
    assert "delivered in" in text_of(done.text)


async def test_a_failed_test_says_why(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
    settings: Settings,
):
    csrf = await admin_client(app_client, db)
    with running_receiver() as receiver:
        receiver.answer.status = 404
        channel = await add_channel(db, team_id, "webhook", receiver.url(), clock.now())
        queued = await app_client.post(f"/team/channels/{channel}/test",
                                       data={"csrf_token": csrf})
        await Deliverer(db, clock, settings, max_sleep=60).deliver_due()

    shown = text_of((await app_client.get(queued.headers["location"], headers=FETCH)).text)
    assert "Status failed" in shown
    assert "answered 404" in shown


async def test_a_member_who_is_not_an_admin_may_send_a_test(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    csrf = await log_in(app_client, "bea@example.test")
    channel = await add_channel(db, team_id, "webhook", "http://127.0.0.1:9/hook", clock.now())

    queued = await app_client.post(f"/team/channels/{channel}/test", data={"csrf_token": csrf})

    assert queued.status_code == 303


async def test_another_teams_channel_and_notification_are_404_pages(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    their_team = await other_team(db, clock.now())
    theirs = await add_channel(db, their_team, "webhook",
                               "http://127.0.0.1:9/their-secret-hook", clock.now())

    answer = await app_client.post(f"/team/channels/{theirs}/test", data={"csrf_token": csrf})
    assert answer.status_code == 404
    assert "their-secret-hook" not in (await app_client.get("/team")).text

    async with db.write() as session:
        channel = await get_channel(session, their_team, theirs)
        notification = await send_channel_test(session, channel, clock.now())
    shown = await app_client.get(f"/team/notifications/{notification.id}")
    assert shown.status_code == 404
    assert "their-secret-hook" not in shown.text
