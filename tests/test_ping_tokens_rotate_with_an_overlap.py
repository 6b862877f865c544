"""A heartbeat's ping token can be rotated: the new URL works at once, the old one for a
configurable overlap (a day by default) so that running jobs do not break, then answers 404."""

from __future__ import annotations

from datetime import timedelta

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from dashboard_helpers import admin_client, csrf_of
from helpers import make_heartbeat, other_team_key, ping_count


async def test_the_old_url_works_for_the_overlap_then_stops(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    old = heartbeat.token
    rotated = await app_client.post(f"/api/v1/heartbeats/{heartbeat.id}/rotate-token",
                                    json={"overlap": 3600})
    assert rotated.status_code == 200
    body = rotated.json()
    new = body["token"]
    assert new != old and len(new) == 22
    assert body["ping_url"].endswith(new)
    assert body["previous_token_until"] == "2026-03-02T13:00:00Z"
    assert (await app_client.post(f"/ping/{new}")).status_code == 200
    assert (await app_client.post(f"/api/v1/heartbeat/{old}/start")).status_code == 200
    clock.advance(3599)
    assert (await app_client.post(f"/ping/{old}")).status_code == 200
    clock.advance(1)
    assert (await app_client.post(f"/ping/{old}")).status_code == 404
    assert (await app_client.post(f"/ping/{new}")).status_code == 200
    assert await ping_count(db, heartbeat.id) == 4


async def test_the_default_overlap_is_a_day_and_zero_stops_the_old_url_at_once(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    first = heartbeat.token
    default = (await app_client.post(f"/api/v1/heartbeats/{heartbeat.id}/rotate-token")).json()
    assert default["previous_token_until"] == "2026-03-03T12:00:00Z"
    second = default["token"]
    now = await app_client.post(f"/api/v1/heartbeats/{heartbeat.id}/rotate-token",
                                json={"overlap": 0})
    assert now.json()["previous_token_until"] is None
    # Only the last token overlaps: both earlier ones stop.
    assert (await app_client.post(f"/ping/{second}")).status_code == 404
    assert (await app_client.post(f"/ping/{first}")).status_code == 404
    assert (await app_client.post(f"/ping/{now.json()['token']}")).status_code == 200


async def test_bad_overlaps_and_other_teams_are_refused(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    url = f"/api/v1/heartbeats/{heartbeat.id}/rotate-token"
    for overlap in (-1, 91 * 86400, "soon"):
        assert (await app_client.post(url, json={"overlap": overlap})).status_code == 422
    assert (await app_client.post(url, json={"overlaps": 5})).status_code == 422
    other = {"Authorization": f"Bearer {await other_team_key(db, clock.now())}"}
    assert (await app_client.post(url, headers=other)).status_code == 404
    assert (await app_client.post(f"/ping/{heartbeat.token}")).status_code == 200


async def test_the_dashboard_makes_a_new_url_and_says_until_when_the_old_one_works(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now())
    await admin_client(app_client, db)
    page = await app_client.get(f"/heartbeats/{heartbeat.id}")
    refused = await app_client.post(f"/heartbeats/{heartbeat.id}/rotate-token")
    assert refused.status_code == 403
    done = await app_client.post(f"/heartbeats/{heartbeat.id}/rotate-token",
                                 data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    shown = (await app_client.get(f"/heartbeats/{heartbeat.id}")).text
    assert "the old one keeps working until 2026-03-03 12:00 UTC" in shown
    assert heartbeat.token not in shown.split('id="ping-url"')[1][:200]
    clock.advance(timedelta(days=1).total_seconds())
    assert (await app_client.post(f"/ping/{heartbeat.token}")).status_code == 404
