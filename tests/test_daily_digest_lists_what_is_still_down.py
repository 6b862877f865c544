"""The daily digest through the real services: set over the REST API, claimed by the worker
at its exact instant, and delivered to a real webhook receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.db.outbox_models import Notification
from cronbeat.delivery import Deliverer
from cronbeat.enums import NotificationPurpose
from cronbeat.services.digests import process_due_digests
from cronbeat.worker import Worker
from helpers import add_channel
from local_http_receiver import Receiver, running_receiver

BASE = "http://cronbeat.test"
# START is Monday 2026-03-02 12:00 UTC; 09:00 in Berlin (UTC+1) is 08:00 UTC.
NEXT_MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def digests(db: Database) -> list[Notification]:
    async with db.read() as session:
        return list((await session.scalars(
            select(Notification).where(Notification.purpose == NotificationPurpose.DIGEST)
            .order_by(Notification.id))).all())


async def run_digests(db: Database, clock: FixedClock) -> int:
    async with db.write() as session:
        return await process_due_digests(session, clock.now(), base_url=BASE)


async def heartbeat(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    made = await client.post("/api/v1/heartbeats", json={"name": name, "period": 3600})
    assert made.status_code == 201, made.text
    data: dict[str, Any] = made.json()
    return data


async def webhook_digest(
    client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock, url: str
) -> int:
    channel = await add_channel(db, team_id, "webhook", url, clock.now())
    answer = await client.put("/api/v1/team/digest", json={
        "time": "09:00", "timezone": "Europe/Berlin",
        "targets": [{"kind": "channel", "ref": channel}]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"time": "09:00", "timezone": "Europe/Berlin",
                             "targets": [{"kind": "channel", "ref": channel}],
                             "next_at": "2026-03-03T08:00:00Z"}
    return channel


async def test_the_digest_goes_out_at_its_local_time_listing_what_is_down(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
    receiver: Receiver,
):
    await webhook_digest(app_client, db, team_id, clock, receiver.url("/digest"))
    backup = await heartbeat(app_client, "nightly backup")
    report = await heartbeat(app_client, "report")
    await heartbeat(app_client, "fine job")
    assert (await app_client.post(f"/api/v1/heartbeat/{backup['token']}/fail")).status_code == 200
    clock.advance(600)
    assert (await app_client.post(f"/api/v1/heartbeat/{report['token']}/fail")).status_code == 200
    incidents = (await app_client.get("/api/v1/incidents")).json()["items"]
    by_heartbeat = {i["heartbeat_id"]: i["id"] for i in incidents}
    await app_client.post(f"/api/v1/incidents/{by_heartbeat[backup['id']]}/acknowledge")

    clock.set(NEXT_MORNING - timedelta(seconds=1))
    assert await run_digests(db, clock) == 0
    assert await digests(db) == []
    clock.set(NEXT_MORNING)
    assert await run_digests(db, clock) == 1
    [row] = await digests(db)
    assert row.incident_id is None and row.kind == "webhook"
    assert row.subject == "[cronbeat] Daily digest: 2 heartbeats still down"
    assert (await app_client.get("/api/v1/team/digest")).json()["next_at"] == \
        "2026-03-04T08:00:00Z"

    settings = Settings(base_url=BASE)
    # The two alerts (to the admin's email, not set up here) and the digest to the webhook.
    assert await Deliverer(db, clock, settings, max_sleep=60).deliver_due() == 3
    [request] = receiver.requests
    payload = json.loads(request.body)
    assert payload["event"] == "digest"
    assert request.headers["idempotency-key"] == payload["id"] == row.idempotency_key
    assert [(d["heartbeat"]["name"], d["incident"]["state"]) for d in payload["down"]] == [
        ("nightly backup", "acknowledged"), ("report", "open")]
    assert payload["text"].splitlines()[0] == \
        "2 heartbeats of Default team still down at 2026-03-03 09:00 Europe/Berlin:"
    assert "- nightly backup: down for 20 hours, failed, acknowledged by" in payload["text"]
    assert f"{BASE}/incidents/{by_heartbeat[report['id']]}" in payload["text"]

    # Both recover: the next morning, nothing is down and nothing is sent.
    for job in (backup, report):
        await app_client.post(f"/api/v1/heartbeat/{job['token']}")
    clock.set(NEXT_MORNING + timedelta(days=1))
    assert await run_digests(db, clock) == 1
    assert len(await digests(db)) == 1
    assert (await app_client.get("/api/v1/team/digest")).json()["next_at"] == \
        "2026-03-05T08:00:00Z"


async def test_the_worker_sleeps_until_the_digest_and_sends_it_then(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
):
    answer = await app_client.put("/api/v1/team/digest", json={"time": "13:30"})
    assert answer.json()["targets"] == [{"kind": "team", "ref": None}]
    job = await heartbeat(app_client, "job")  # new: no deadline before its first ping
    worker = Worker(db, clock, max_sleep=86400, base_url=BASE)
    assert await worker.tick() == pytest.approx(5400)  # 12:00 -> 13:30 UTC

    await app_client.post(f"/api/v1/heartbeat/{job['token']}/fail")
    clock.advance(5400)
    await worker.tick()
    [row] = await digests(db)
    assert (row.recipient, row.kind, row.target) == ("Admin", "email", "admin@example.test")
    assert row.text is not None and "- job: down for 1 hour 30 minutes, failed" in row.text


async def test_sending_by_hand_tries_the_digest_even_with_nothing_down(
    app_client: httpx.AsyncClient, db: Database,
):
    refused = await app_client.post("/api/v1/team/digest/send")
    assert refused.status_code == 409
    assert "PUT /api/v1/team/digest" in refused.json()["error"]["message"]
    await app_client.put("/api/v1/team/digest", json={"time": None})
    sent = await app_client.post("/api/v1/team/digest/send")
    assert sent.status_code == 202, sent.text
    [queued] = sent.json()["notifications"]
    assert sent.json()["down"] == 0
    assert queued["status"] == "pending"
    [row] = await digests(db)
    assert row.id == queued["notification_id"]
    assert row.subject == "[cronbeat] Daily digest: nothing is down"
    shown = (await app_client.get("/api/v1/team/digest")).json()
    assert shown["time"] is None and shown["next_at"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"time": "25:00"}, "time"),
    ({"time": "9am"}, "time"),
    ({"time": "09:00", "timezone": "Mars/Olympus"}, "timezone"),
    ({"time": "09:00", "targets": []}, "targets"),
    ({"time": "09:00", "targets": [{"kind": "channel", "ref": 999}]}, "targets.0.ref"),
    ({"time": "09:00", "targets": [{"kind": "user"}]}, "targets.0.ref"),
    ({"time": "09:00", "every": "day"}, "every"),
    ({}, "time"),
])
async def test_a_wrong_digest_is_refused_naming_the_field_and_changes_nothing(
    app_client: httpx.AsyncClient, body: dict[str, Any], field: str,
):
    assert (await app_client.put("/api/v1/team/digest", json={"time": "07:15"})).status_code == 200
    answer = await app_client.put("/api/v1/team/digest", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["fields"][0]["field"].endswith(field)
    kept = (await app_client.get("/api/v1/team/digest")).json()
    assert (kept["time"], kept["timezone"]) == ("07:15", "UTC")


async def test_a_channel_that_receives_the_digest_cannot_be_deleted_from_under_it(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
):
    channel = await webhook_digest(app_client, db, team_id, clock, "http://127.0.0.1:9/x")
    refused = await app_client.delete(f"/api/v1/channels/{channel}")
    assert refused.status_code == 409
    assert "daily digest" in refused.json()["error"]["message"]
    await app_client.put("/api/v1/team/digest", json={"time": None, "targets": [{"kind": "team"}]})
    assert (await app_client.delete(f"/api/v1/channels/{channel}")).status_code == 204


async def test_a_read_only_key_reads_the_digest_but_cannot_change_or_send_it(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
):
    made = await app_client.post("/api/v1/team/api-keys", json={"name": "ro", "read_only": True})
    headers = {"Authorization": f"Bearer {made.json()['key']}"}
    assert (await app_client.get("/api/v1/team/digest", headers=headers)).status_code == 200
    assert (await app_client.put("/api/v1/team/digest", json={"time": "09:00"},
                                 headers=headers)).status_code == 403
    assert (await app_client.post("/api/v1/team/digest/send", headers=headers)).status_code == 403


async def test_two_workers_at_the_same_instant_send_the_digest_once(
    app_client: httpx.AsyncClient, db: Database, database_url: str, clock: FixedClock,
):
    await app_client.put("/api/v1/team/digest", json={"time": "13:00"})
    job = await heartbeat(app_client, "job")
    await app_client.post(f"/api/v1/heartbeat/{job['token']}/fail")
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    other = Database(database_url)
    try:
        async def claim(database: Database) -> int:
            async with database.write() as session:
                return await process_due_digests(session, clock.now(), base_url=BASE)

        done = await asyncio.gather(claim(db), claim(other))
    finally:
        await other.dispose()
    assert sorted(done) == [0, 1]
    assert len(await digests(db)) == 1


async def test_a_day_with_only_heartbeats_in_maintenance_down_sends_no_digest(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
):
    await app_client.put("/api/v1/team/digest", json={"time": "13:00"})
    db_job = (await app_client.post("/api/v1/heartbeats", json={
        "name": "db dump", "period": 3600, "tags": ["db"]})).json()
    other = await heartbeat(app_client, "report")
    made = await app_client.post("/api/v1/maintenance-windows", json={
        "name": "db upgrade", "tag": "db", "starts_at": "2026-03-02T12:30:00Z",
        "ends_at": "2026-03-03T14:00:00Z"})
    assert made.status_code == 201, made.text
    await app_client.post(f"/api/v1/heartbeat/{db_job['token']}/fail")

    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    assert await run_digests(db, clock) == 1
    assert await digests(db) == []  # only the heartbeat in maintenance is down

    await app_client.post(f"/api/v1/heartbeat/{other['token']}/fail")
    clock.set(datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
    assert await run_digests(db, clock) == 1
    [row] = await digests(db)
    assert row.text is not None
    assert "- db dump: down for 1 day 1 hour, failed, not acknowledged, in maintenance until " \
        "2026-03-03 14:00 UTC" in row.text
    assert "- report: down for " in row.text and row.text.count("in maintenance") == 1
