"""`/metrics` for Prometheus, without an API key: heartbeats by status, read at scrape time,
and the pings stored for known heartbeats, by kind."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from helpers import sweep

HEARTBEATS = "/api/v1/heartbeats"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and sorted labels."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await client.get("/metrics", headers={"Authorization": ""})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(answer.text)


def by_status(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    return {dict(labels)["status"]: value for (name, labels), value in scraped.items()
            if name == "cronbeat_heartbeats"}


def pings(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    return {dict(labels)["kind"]: value for (name, labels), value in scraped.items()
            if name == "cronbeat_pings_received_total"}


async def create(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": name, "period": 60, "grace": 30})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, token: str, action: str = "") -> int:
    url = f"/api/v1/heartbeat/{token}" + (f"/{action}" if action else "")
    return (await client.post(url, content=b"output")).status_code


async def test_heartbeats_are_counted_by_status_at_each_scrape(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    assert by_status(await scrape(app_client)) == {
        "pending": 0, "up": 0, "late": 0, "down": 0, "running": 0, "paused": 0}
    made = [await create(app_client, name) for name in ("a", "b", "c", "d", "e")]
    for heartbeat in made[:3]:
        await send(app_client, heartbeat["token"])
    await send(app_client, made[2]["token"], "fail")
    await send(app_client, made[3]["token"], "start")
    assert by_status(await scrape(app_client)) == {
        "pending": 1, "up": 2, "late": 0, "down": 1, "running": 1, "paused": 0}

    clock.advance(61)
    await sweep(db, clock.now())
    assert by_status(await scrape(app_client)) == {
        "pending": 1, "up": 0, "late": 2, "down": 1, "running": 1, "paused": 0}


async def test_pings_of_known_heartbeats_are_counted_by_kind(app_client: httpx.AsyncClient):
    heartbeat = await create(app_client, "backup")
    token = heartbeat["token"]
    for action in ("start", "", "", "0", "fail", "3", "log"):
        assert await send(app_client, token, action) == 200
    assert await send(app_client, "no-such-token") == 404
    assert pings(await scrape(app_client)) == {"start": 1, "success": 3, "fail": 2, "log": 1}


async def test_the_worker_and_notification_metrics_are_there_before_anything_happens(
    app_client: httpx.AsyncClient,
):
    names = {name for name, _ in await scrape(app_client)}
    assert {"cronbeat_alert_delay_seconds_count", "cronbeat_worker_lag_seconds_count"} <= names
