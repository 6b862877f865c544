"""A test notification to a channel or a contact method is a row in the outbox, like an alert:
answered 202 at once, delivered by the worker, and followed at /api/v1/notifications/{id}
with every attempt and its error."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.db.outbox_models import Notification
from cronbeat.delivery import Deliverer
from cronbeat.enums import NotificationPurpose, NotificationStatus
from cronbeat.notifiers.webhook import verify
from cronbeat.services.teams import create_api_key
from helpers import other_team_key
from local_http_receiver import running_receiver

NOTIFICATIONS = "/api/v1/notifications"


async def made(client: httpx.AsyncClient, path: str, **body: Any) -> dict[str, Any]:
    answer = await client.post(path, json=body)
    assert answer.status_code == 201, answer.text
    shown: dict[str, Any] = answer.json()
    return shown


async def queue_test(client: httpx.AsyncClient, path: str) -> int:
    answer = await client.post(path)
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "pending"
    notification_id: int = answer.json()["notification_id"]
    return notification_id


async def row(db: Database, notification_id: int) -> Notification:
    async with db.read() as session:
        found = await session.scalar(select(Notification).where(
            Notification.id == notification_id))
    assert found is not None
    return found


async def shown(client: httpx.AsyncClient, notification_id: int) -> dict[str, Any]:
    answer = await client.get(f"{NOTIFICATIONS}/{notification_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def deliver(db: Database, clock: FixedClock, settings: Settings) -> int:
    """One pass of the real deliverer, as the worker would run it."""
    return await Deliverer(db, clock, settings, max_sleep=1.0).deliver_due()


async def test_a_channel_test_is_a_pending_test_notification_in_the_outbox(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    channel = await made(app_client, "/api/v1/channels", name="ops hook", kind="webhook",
                         target="https://hooks.example.test/x")

    notification_id = await queue_test(app_client, f"/api/v1/channels/{channel['id']}/test")

    stored = await row(db, notification_id)
    assert (stored.purpose, stored.status, stored.incident_id, stored.attempts) == (
        NotificationPurpose.TEST, NotificationStatus.PENDING, None, 0)
    assert (stored.kind, stored.target, stored.recipient, stored.secret) == (
        "webhook", "https://hooks.example.test/x", "ops hook", channel["secret"])
    assert stored.next_attempt_at == clock.now()
    assert await shown(app_client, notification_id) == {
        "id": notification_id, "incident_id": None, "purpose": "test", "kind": "webhook",
        "recipient": "ops hook", "status": "pending", "attempts": 0, "last_error": None,
        "next_attempt_at": "2026-03-02T12:00:00Z", "created_at": "2026-03-02T12:00:00Z",
        "sent_at": None, "attempt_log": [],
    }


async def test_a_contact_method_test_is_addressed_to_the_member(
    app_client: httpx.AsyncClient, db: Database
):
    ana = await made(app_client, "/api/v1/members", name="Ana", email="ana@example.test")
    method = await made(app_client, f"/api/v1/members/{ana['id']}/contact-methods",
                        kind="email", target="ana@home.test")

    notification_id = await queue_test(
        app_client, f"/api/v1/members/{ana['id']}/contact-methods/{method['id']}/test")

    stored = await row(db, notification_id)
    assert (stored.purpose, stored.kind, stored.target, stored.recipient, stored.secret) == (
        NotificationPurpose.TEST, "email", "ana@home.test", "Ana", None)


async def test_a_delivered_test_shows_as_sent_with_its_attempt(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, settings: Settings
):
    with running_receiver() as receiver:
        channel = await made(app_client, "/api/v1/channels", name="ops hook", kind="webhook",
                             target=receiver.url())
        notification_id = await queue_test(app_client,
                                           f"/api/v1/channels/{channel['id']}/test")
        clock.advance(1)

        assert await deliver(db, clock, settings) == 1

    [request] = receiver.requests
    assert json.loads(request.body)["event"] == "test"
    assert verify(channel["secret"], request.headers["x-cronbeat-timestamp"], request.body,
                  request.headers["x-cronbeat-signature"])
    after = await shown(app_client, notification_id)
    assert (after["status"], after["attempts"], after["last_error"], after["sent_at"]) == (
        "sent", 1, None, "2026-03-02T12:00:01Z")
    assert [(a["at"], a["ok"], a["error"]) for a in after["attempt_log"]] == [
        ("2026-03-02T12:00:01Z", True, "")]


async def test_a_test_that_cannot_be_delivered_shows_why(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, settings: Settings
):
    ana = await made(app_client, "/api/v1/members", name="Ana", email="ana@example.test")
    method = await made(app_client, f"/api/v1/members/{ana['id']}/contact-methods",
                        kind="email", target="ana@home.test")
    notification_id = await queue_test(
        app_client, f"/api/v1/members/{ana['id']}/contact-methods/{method['id']}/test")

    await deliver(db, clock, settings)  # no SMTP server is set up in these settings

    after = await shown(app_client, notification_id)
    assert (after["status"], after["attempts"]) == ("failed", 1)
    assert after["last_error"] == "email is not set up: set CRONBEAT_SMTP_HOST"
    assert [(a["ok"], a["permanent"], a["error"]) for a in after["attempt_log"]] == [
        (False, True, "email is not set up: set CRONBEAT_SMTP_HOST")]


async def test_another_teams_notification_is_not_found(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    channel = await made(app_client, "/api/v1/channels", name="ops", kind="email",
                         target="ops@example.test")
    notification_id = await queue_test(app_client, f"/api/v1/channels/{channel['id']}/test")
    key = await other_team_key(db, clock.now())

    answer = await app_client.get(f"{NOTIFICATIONS}/{notification_id}",
                                  headers={"Authorization": f"Bearer {key}"})

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"no notification with id {notification_id}"


@pytest.mark.parametrize("number", [str(2**63), "0", "abc"])
async def test_a_notification_id_no_row_can_have_is_refused(
    app_client: httpx.AsyncClient, number: str
):
    answer = await app_client.get(f"{NOTIFICATIONS}/{number}")

    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["notification_id"]


async def test_a_read_only_key_can_follow_but_not_send_a_test(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    channel = await made(app_client, "/api/v1/channels", name="ops", kind="email",
                         target="ops@example.test")
    notification_id = await queue_test(app_client, f"/api/v1/channels/{channel['id']}/test")
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "viewer", clock.now(), read_only=True)
    viewer = {"Authorization": f"Bearer {key}"}

    assert (await app_client.get(f"{NOTIFICATIONS}/{notification_id}",
                                 headers=viewer)).status_code == 200
    assert (await app_client.post(f"/api/v1/channels/{channel['id']}/test",
                                  headers=viewer)).status_code == 403
