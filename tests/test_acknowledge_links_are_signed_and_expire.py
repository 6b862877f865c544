"""The link in every alert acknowledges its own incident and nothing else, and not forever."""

from __future__ import annotations

from datetime import timedelta

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.enums import IncidentState, PingKind
from cronbeat.links import ACK_LIFETIME, sign_ack
from cronbeat.services.instance import LINK_SIGNING, instance_secret
from helpers import incidents_of, make_heartbeat, ping


async def failed_incident(db: Database, team_id: int, clock: FixedClock, name: str) -> int:
    hb = await make_heartbeat(db, team_id, clock.now(), name=name)
    await ping(db, hb.token, clock.now(), PingKind.FAIL)
    [incident] = await incidents_of(db, hb.id)
    return incident.id


async def link_for(db: Database, incident_id: int, clock: FixedClock) -> str:
    async with db.write() as session:
        secret = await instance_secret(session, LINK_SIGNING)
    return f"/ack/{sign_ack(secret, incident_id, 'Ana', clock.now())}"


async def state_of(db: Database, incident_id: int) -> IncidentState:
    async with db.read() as session:
        from cronbeat.db.models import Incident

        incident = await session.get(Incident, incident_id)
        assert incident is not None
        return incident.state


async def test_a_valid_link_shows_the_incident_and_only_the_button_acknowledges(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    incident = await failed_incident(db, team_id, clock, "invoices")
    link = await link_for(db, incident, clock)
    shown = await app_client.get(link)
    assert shown.status_code == 200
    assert "invoices" in shown.text and '<form method="post">' in shown.text
    assert await state_of(db, incident) is IncidentState.OPEN
    assert (await app_client.post(link)).status_code == 200
    assert await state_of(db, incident) is IncidentState.ACKNOWLEDGED
    again = await app_client.post(link)  # a second click is harmless
    assert again.status_code == 200 and "<form" not in again.text


async def test_a_changed_link_is_refused_with_a_page_that_says_so(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    first = await failed_incident(db, team_id, clock, "first")
    link = await link_for(db, first, clock)
    cut = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for bad in (cut, "/ack/not-a-token", link + "x"):
        answer = await app_client.post(bad)
        assert answer.status_code == 400, bad
        assert "this acknowledge link is not valid" in answer.text
    assert await state_of(db, first) is IncidentState.OPEN


async def test_a_link_signed_with_another_key_is_refused(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    incident = await failed_incident(db, team_id, clock, "other key")
    forged = f"/ack/{sign_ack('not-the-instance-secret', incident, 'Mallory', clock.now())}"
    assert (await app_client.post(forged)).status_code == 400
    assert await state_of(db, incident) is IncidentState.OPEN


async def test_a_link_for_one_incident_leaves_the_others_alone(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    first = await failed_incident(db, team_id, clock, "first")
    second = await failed_incident(db, team_id, clock, "second")
    await app_client.post(await link_for(db, first, clock))
    assert (await state_of(db, first), await state_of(db, second)) == (
        IncidentState.ACKNOWLEDGED, IncidentState.OPEN)


async def test_an_expired_link_is_refused_with_410(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    incident = await failed_incident(db, team_id, clock, "late")
    link = await link_for(db, incident, clock)
    clock.advance((ACK_LIFETIME - timedelta(seconds=1)).total_seconds())
    assert (await app_client.get(link)).status_code == 200
    clock.advance(1)
    expired = await app_client.post(link)
    assert expired.status_code == 410
    assert "this acknowledge link has expired" in expired.text
    assert await state_of(db, incident) is IncidentState.OPEN
