"""Re-alerts: a policy's `realert_every` alerts everyone paged so far again while the incident
stays open and unacknowledged. Pure timing first, then the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.escalation import Policy, Step, Target, TargetKind, next_realert, validate
from cronbeat.services.escalations import process_due_escalations
from helpers import notifications_of

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ONCE = (Step(0, (Target(TargetKind.TEAM),)),)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("previous", "now", "expected"),
    [
        (at(0), at(0), at(30)),
        (at(30), at(30), at(60)),
        (at(30), at(30.5), at(60)),  # a worker a little late keeps the rhythm
        (at(30), at(95), at(120)),  # a worker stopped for an hour: one re-alert, then on time
        (at(30), at(120), at(150)),
    ],
)
def test_re_alerts_keep_their_rhythm_and_never_burst(
    previous: datetime, now: datetime, expected: datetime
) -> None:
    assert next_realert(Policy(ONCE, realert_every=1800), previous, now) == expected


def test_a_policy_without_re_alerts_has_none() -> None:
    assert next_realert(Policy(ONCE), at(0), at(0)) is None


@pytest.mark.parametrize("every", [1, 59, 7 * 24 * 3600 + 1])
def test_a_re_alert_interval_out_of_range_is_refused(every: int) -> None:
    with pytest.raises(ValueError, match="realert_every"):
        validate(Policy(ONCE, realert_every=every))


async def escalations(db: Database, clock: FixedClock) -> None:
    async with db.write() as session:
        await process_due_escalations(session, clock.now())


async def make(client: httpx.AsyncClient, path: str, **body: Any) -> dict[str, Any]:
    made = await client.post(path, json=body)
    assert made.status_code == 201, made.text
    data: dict[str, Any] = made.json()
    return data


async def test_it_re_alerts_every_thirty_minutes_until_acknowledged(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    policy = await make(app_client, "/api/v1/policies", name="nag", realert_every=1800,
                        steps=[{"wait": 0, "targets": [{"kind": "team"}]}])
    assert policy["realert_every"] == 1800
    heartbeat = await make(app_client, "/api/v1/heartbeats", name="backup", period=3600,
                           policy_id=policy["id"])
    assert (await app_client.post(f"/api/v1/heartbeat/{heartbeat['token']}/fail")
            ).status_code == 200
    incident_id = (await app_client.get("/api/v1/incidents")).json()["items"][0]["id"]
    assert len(await notifications_of(db, incident_id)) == 1

    clock.advance(1800 - 1)
    await escalations(db, clock)
    assert len(await notifications_of(db, incident_id)) == 1
    clock.advance(1)  # 12:30
    await escalations(db, clock)
    assert [p for p, *_ in await notifications_of(db, incident_id)] == ["alert", "alert"]
    clock.advance(1800)  # 13:00
    await escalations(db, clock)
    assert len(await notifications_of(db, incident_id)) == 3
    shown = (await app_client.get(f"/api/v1/incidents/{incident_id}")).json()
    assert [e["detail"] for e in shown["timeline"] if e["kind"] == "notified"][-1].startswith(
        "re-alert, still open and unacknowledged: Admin (email)")

    await app_client.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    clock.advance(3 * 3600)
    await escalations(db, clock)
    assert len(await notifications_of(db, incident_id)) == 3


async def test_a_policy_re_alert_interval_can_be_changed_and_switched_off(
    app_client: httpx.AsyncClient,
):
    policy = await make(app_client, "/api/v1/policies", name="nag", realert_every=600,
                        steps=[{"wait": 0, "targets": [{"kind": "team"}]}])
    url = f"/api/v1/policies/{policy['id']}"
    assert (await app_client.patch(url, json={"realert_every": 0})).json()["realert_every"] == 0
    refused = await app_client.patch(url, json={"realert_every": 30})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "realert_every"
