"""Alerts leave for real, on 127.0.0.1: email to an SMTP server, a signed webhook, an apprise
json:// call; and the acknowledge link in the email acknowledges the incident."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.db.oncall_models import ContactMethod
from cronbeat.delivery import Deliverer
from cronbeat.enums import IncidentState, PingKind
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.notifiers.webhook import verify
from helpers import (
    add_channel,
    add_member,
    add_schedule,
    incidents_of,
    make_heartbeat,
    ping,
    set_team_policy,
)
from local_http_receiver import Receiver, running_receiver
from local_smtp import Mailbox, parsed, running_smtp

SECRET = "whsec-test-secret"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with running_smtp(box) as port:
        yield box, port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def deliverer(db: Database, clock: FixedClock, smtp_port: int) -> Deliverer:
    settings = Settings(base_url="http://cronbeat.test", smtp_host="127.0.0.1",
                        smtp_port=smtp_port, smtp_from="alerts@cronbeat.test")
    return Deliverer(db, clock, settings, max_sleep=60)


async def test_an_alert_reaches_email_webhook_and_apprise_and_its_link_acknowledges(
    db: Database, team_id: int, clock: FixedClock, mailbox: tuple[Mailbox, int],
    receiver: Receiver, app_client: httpx.AsyncClient,
):
    box, smtp_port = mailbox
    ana = await add_member(db, team_id, "Ana", clock.now())
    await add_schedule(db, team_id, [ana], clock.now())
    channel = await add_channel(db, team_id, "webhook", receiver.url("/hook"), clock.now(),
                                secret=SECRET)
    async with db.write() as session:
        session.add_all([
            ContactMethod(user_id=ana, kind="email", target="ana@example.test", label="",
                          created_at=clock.now()),
            ContactMethod(user_id=ana, kind="apprise", target=f"json://127.0.0.1:{receiver.port}/apprise",
                          label="", created_at=clock.now()),
        ])
    await set_team_policy(db, team_id, Policy(steps=(Step(0, (
        Target(TargetKind.ONCALL), Target(TargetKind.CHANNEL, channel))),)), clock.now())
    hb = await make_heartbeat(db, team_id, clock.now(), name="nightly backup")
    await ping(db, hb.token, clock.now(), PingKind.FAIL, exit_code=3, body=b"disk full")

    assert await deliverer(db, clock, smtp_port).deliver_due() == 3

    [envelope] = box.envelopes
    email = parsed(envelope)
    assert email["Subject"] == "[cronbeat] DOWN: nightly backup (failed with exit code 3)"
    assert email["To"] == "ana@example.test"
    text = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "nightly backup is DOWN: failed with exit code 3." in text
    assert "disk full" in text
    link = re.search(r"Acknowledge: (http://cronbeat\.test/ack/\S+)", text)
    assert link, text
    [opened] = await incidents_of(db, hb.id)
    incident_page = f"http://cronbeat.test/incidents/{opened.id}"
    assert f"Incident: {incident_page}" in text

    by_path = {request.path: request for request in receiver.requests}
    hook = by_path["/hook"]
    assert verify(SECRET, hook.headers["x-cronbeat-timestamp"], hook.body,
                  hook.headers["x-cronbeat-signature"])
    payload = json.loads(hook.body)
    assert (payload["schema"], payload["event"]) == ("cronbeat.notification/v1", "incident.alert")
    assert (payload["heartbeat"]["name"], payload["incident"]["exit_code"]) == ("nightly backup", 3)
    assert hook.headers["idempotency-key"] == payload["id"]
    assert payload["links"]["incident"] == incident_page
    apprise_body = json.loads(by_path["/apprise"].body)
    assert apprise_body["title"] == email["Subject"]

    page = await app_client.get(link.group(1).removeprefix("http://cronbeat.test"))
    assert page.status_code == 200
    assert "Acknowledge" in page.text and "nightly backup" in page.text
    [still_open] = await incidents_of(db, hb.id)
    assert still_open.state is IncidentState.OPEN  # opening the link alone does nothing
    done = await app_client.post(link.group(1).removeprefix("http://cronbeat.test"))
    assert done.status_code == 200
    assert "Acknowledged. Escalation has stopped." in done.text
    [acknowledged] = await incidents_of(db, hb.id)
    assert acknowledged.state is IncidentState.ACKNOWLEDGED
    assert acknowledged.acknowledged_by == "Ana (link in alert)"


async def test_without_smtp_settings_an_email_fails_at_once_with_a_clear_reason(
    db: Database, team_id: int, clock: FixedClock
):
    from sqlalchemy import select

    from cronbeat.db.outbox_models import Notification

    hb = await make_heartbeat(db, team_id, clock.now())
    await ping(db, hb.token, clock.now(), PingKind.FAIL)
    settings = Settings(base_url="http://cronbeat.test")
    await Deliverer(db, clock, settings, max_sleep=60).deliver_due()
    async with db.read() as session:
        [row] = (await session.scalars(select(Notification))).all()
    assert (row.status.value, row.last_error) == (
        "failed", "email is not set up: set CRONBEAT_SMTP_HOST")
