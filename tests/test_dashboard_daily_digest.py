"""The daily digest in the dashboard: set from its page, shown on the Team page, refused
beside the field when wrong, sent by hand, and changed by admins only."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Team
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import NotificationPurpose
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_channel, add_member


async def team_row(db: Database, team_id: int) -> Team:
    async with db.read() as session:
        team = await session.get(Team, team_id)
    assert team is not None
    return team


async def test_an_admin_sets_the_digest_and_the_team_page_says_when_and_to_whom(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    channel = await add_channel(db, team_id, "webhook", "http://127.0.0.1:9/ops", clock.now())
    csrf = await admin_client(app_client, db)
    assert "Off: nobody gets a daily list" in text_of((await app_client.get("/team")).text)
    form = (await app_client.get("/team/digest")).text
    assert 'name="time"' in form and f'value="channel:{channel}"' in form

    saved = await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "09:00", "timezone": "Europe/Berlin",
        "targets": ["team", f"channel:{channel}"]})
    assert saved.status_code == 303, saved.text
    team = await team_row(db, team_id)
    assert (team.digest_time, team.digest_timezone) == ("09:00", "Europe/Berlin")
    assert team.digest_targets == [{"kind": "team", "ref": None},
                                   {"kind": "channel", "ref": channel}]
    assert team.next_digest_at is not None and team.next_digest_at.isoformat() == \
        "2026-03-03T08:00:00+00:00"
    said = text_of((await app_client.get("/team")).text)
    assert ("Every day at 09:00 (Europe/Berlin), a list of every heartbeat still down goes to "
            "The whole team, Channel: webhook channel.") in said
    page = (await app_client.get("/team/digest")).text
    assert re.search(r'name="time" value="09:00"', page)
    assert re.search(rf'value="channel:{channel}" selected', page)
    assert "Next digest: 2026-03-03 09:00" in text_of(page)

    off = await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "", "timezone": "Europe/Berlin", "targets": ["team"]})
    assert off.status_code == 303
    assert (await team_row(db, team_id)).next_digest_at is None
    assert "The daily digest is off." in text_of((await app_client.get("/team/digest")).text)


async def test_a_wrong_time_is_shown_beside_the_field_and_keeps_what_was_typed(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)
    refused = await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "25:00", "timezone": "Mars/Base", "targets": ["team"]})
    assert refused.status_code == 422
    assert "is not a time of day" in text_of(refused.text)
    assert 'value="25:00"' in refused.text and 'value="Mars/Base"' in refused.text
    nobody = await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "08:00", "timezone": "UTC"})
    assert nobody.status_code == 422 and "name at least one recipient" in text_of(nobody.text)
    forged = await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "08:00", "timezone": "UTC", "targets": ["everyone:1"]})
    assert forged.status_code == 422 and "choose who receives it" in text_of(forged.text)
    assert (await team_row(db, team_id)).digest_time is None


async def test_send_now_queues_the_digest_and_shows_its_delivery(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)
    unset = await app_client.post("/team/digest/send", data={"csrf_token": csrf})
    assert unset.status_code == 303
    await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "", "timezone": "UTC", "targets": ["team"]})
    sent = await app_client.post("/team/digest/send", data={"csrf_token": csrf})
    assert sent.status_code == 303
    async with db.read() as session:
        [row] = (await session.scalars(select(Notification).where(
            Notification.purpose == NotificationPurpose.DIGEST))).all()
    assert sent.headers["location"] == f"/team/notifications/{row.id}"
    assert row.subject == "[cronbeat] Daily digest: nothing is down"
    shown = await app_client.get(sent.headers["location"])
    assert shown.status_code == 200 and "Digest message to Admin" in text_of(shown.text)


async def test_a_member_sees_the_digest_but_cannot_change_or_send_it(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    app_client.cookies.clear()
    csrf = await log_in(app_client, "bea@example.test")
    page = await app_client.get("/team/digest")
    assert page.status_code == 200 and "Only admins change the digest" in page.text
    assert "Send the digest now" not in page.text
    refused = await app_client.post("/team/digest", data={
        "csrf_token": csrf, "time": "09:00", "timezone": "UTC", "targets": ["team"]})
    assert refused.status_code == 403
    assert (await app_client.post("/team/digest/send", data={"csrf_token": csrf})
            ).status_code == 403
    assert (await team_row(db, team_id)).digest_time is None
