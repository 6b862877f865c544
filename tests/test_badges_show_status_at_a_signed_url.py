"""Status badges: an SVG and a shields.io JSON per heartbeat and per tag, at a signed URL that
needs no API key; a URL with a wrong signature, or pointed at another heartbeat, is a 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from helpers import make_heartbeat, other_team, sweep

HEARTBEATS = "/api/v1/heartbeats"
COLORS = {"up": "#4c1", "late": "#fe7d37", "down": "#e05d44", "running": "#007ec6",
          "paused": "#9f9f9f", "pending": "#9f9f9f"}


async def create(client: httpx.AsyncClient, name: str = "backup", **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": name, "period": 60, "grace": 30,
                                               **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    assert (await client.get(url)).status_code == 200


async def badge_urls(client: httpx.AsyncClient, url: str, **params: str) -> dict[str, str]:
    answer = await client.get(url, params=params)
    assert answer.status_code == 200, answer.text
    urls: dict[str, str] = answer.json()
    assert set(urls) == {"svg", "json"}
    return urls


def path_of(url: str) -> str:
    assert url.startswith("http://cronbeat.test/badge/")
    return urlsplit(url).path


async def fetch(url: str, client: httpx.AsyncClient) -> httpx.Response:
    """Fetched as a README viewer would: without the API key."""
    return await client.get(path_of(url), headers={"Authorization": ""})


async def into_status(
    status: str, client: httpx.AsyncClient, db: Database, clock: FixedClock,
    heartbeat: dict[str, Any],
) -> None:
    if status == "pending":
        return
    if status == "paused":
        assert (await client.post(f"{HEARTBEATS}/{heartbeat['id']}/pause")).status_code == 200
        return
    await send(client, heartbeat, {"running": "start", "down": "fail"}.get(status, ""))
    if status == "late":
        clock.advance(61)
        await sweep(db, clock.now())


@pytest.mark.parametrize("status", list(COLORS))
async def test_a_heartbeat_badge_shows_its_name_and_status_in_svg_and_json(
    status: str, app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    heartbeat = await create(app_client, "nightly backup")
    await into_status(status, app_client, db, clock, heartbeat)
    urls = await badge_urls(app_client, f"{HEARTBEATS}/{heartbeat['id']}/badges")

    svg = await fetch(urls["svg"], app_client)
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["cache-control"] == "no-cache"
    assert svg.text.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    assert ">nightly backup</text>" in svg.text
    assert f">{status}</text>" in svg.text
    assert f'fill="{COLORS[status]}"' in svg.text

    shields = await fetch(urls["json"], app_client)
    assert shields.status_code == 200
    assert shields.headers["cache-control"] == "no-cache"
    assert shields.json() == {"schemaVersion": 1, "label": "nightly backup", "message": status,
                              "color": COLORS[status]}


async def test_a_name_with_markup_is_escaped_in_the_svg(app_client: httpx.AsyncClient):
    heartbeat = await create(app_client, '<script>alert("x")</script>')
    urls = await badge_urls(app_client, f"{HEARTBEATS}/{heartbeat['id']}/badges")
    svg = (await fetch(urls["svg"], app_client)).text
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    shields = (await fetch(urls["json"], app_client)).json()
    assert shields["label"] == '<script>alert("x")</script>'


async def test_a_tag_badge_shows_the_worst_status_of_its_heartbeats(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    healthy = await create(app_client, "a", tags=["prod/db"])
    await send(app_client, healthy)
    await create(app_client, "untagged")
    urls = await badge_urls(app_client, "/api/v1/badges", tag="prod/db")
    assert (await fetch(urls["json"], app_client)).json()["message"] == "up"

    failing = await create(app_client, "b", tags=["prod/db"])
    await send(app_client, failing, "start")
    assert (await fetch(urls["json"], app_client)).json()["message"] == "running"
    await send(app_client, failing, "fail")
    svg = (await fetch(urls["svg"], app_client)).text
    assert ">prod/db</text>" in svg and ">down</text>" in svg
    assert (await fetch(urls["json"], app_client)).json() == {
        "schemaVersion": 1, "label": "prod/db", "message": "down", "color": "#e05d44"}


async def test_a_tag_no_heartbeat_has_gets_no_badge(app_client: httpx.AsyncClient):
    answer = await app_client.get("/api/v1/badges", params={"tag": "nothing"})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


async def test_a_wrong_signature_is_a_404(app_client: httpx.AsyncClient):
    heartbeat = await create(app_client, tags=["prod"])
    urls = await badge_urls(app_client, f"{HEARTBEATS}/{heartbeat['id']}/badges")
    tag_urls = await badge_urls(app_client, "/api/v1/badges", tag="prod")
    for url in (urls["svg"], urls["json"], tag_urls["svg"], tag_urls["json"]):
        signature = path_of(url).split("/")[2]
        forged = url.replace(signature, ("A" if signature[0] != "A" else "B") + signature[1:])
        assert (await fetch(forged, app_client)).status_code == 404
        assert (await fetch(url.replace(signature, "x"), app_client)).status_code == 404
    assert (await fetch(urls["svg"][:-4] + ".png", app_client)).status_code == 404


async def test_a_signature_for_one_heartbeat_does_not_open_another_teams(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
):
    other_id = await other_team(db, clock.now())
    theirs = await make_heartbeat(db, other_id, clock.now(), name="their secret job",
                                  tags=["prod"])
    mine = await create(app_client, tags=["prod"])
    urls = await badge_urls(app_client, f"{HEARTBEATS}/{mine['id']}/badges")
    tag_urls = await badge_urls(app_client, "/api/v1/badges", tag="prod")

    forged = urls["json"].replace(f"/heartbeat/{mine['id']}.", f"/heartbeat/{theirs.id}.")
    assert (await fetch(forged, app_client)).status_code == 404
    forged = tag_urls["json"].replace(f"/tag/{team_id}/", f"/tag/{other_id}/")
    assert (await fetch(forged, app_client)).status_code == 404
    answer = await app_client.get(f"{HEARTBEATS}/{theirs.id}/badges")
    assert answer.status_code == 404


async def test_a_deleted_heartbeat_has_no_badge_any_more(app_client: httpx.AsyncClient):
    heartbeat = await create(app_client)
    urls = await badge_urls(app_client, f"{HEARTBEATS}/{heartbeat['id']}/badges")
    assert (await app_client.delete(f"{HEARTBEATS}/{heartbeat['id']}")).status_code == 204
    assert (await fetch(urls["svg"], app_client)).status_code == 404


async def test_badge_urls_need_an_api_key(app_client: httpx.AsyncClient):
    heartbeat = await create(app_client)
    answer = await app_client.get(f"{HEARTBEATS}/{heartbeat['id']}/badges",
                                  headers={"Authorization": ""})
    assert answer.status_code == 401
