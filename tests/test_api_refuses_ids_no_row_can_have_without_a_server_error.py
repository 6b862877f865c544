"""An id or cursor that no row can have (beyond the databases' 64-bit integers, zero or
negative) is refused with a 422 naming the parameter, never a 500.

These requests go through a client that hands back the app's 500 answer instead of raising the
server-side exception, so that a regression shows as a wrong status code."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.services.teams import create_api_key

TOO_BIG = str(2**63)  # one past the largest BIGINT; SQLite's INTEGER is 64-bit too
BIGGEST = str(2**63 - 1)

@pytest.fixture
async def client(
    db: Database, clock: FixedClock, settings: Settings, team_id: int
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db=db, clock=clock, run_worker=False)
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "tests", clock.now())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False,
                                        client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://cronbeat.test",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            yield client


async def test_the_largest_64_bit_id_is_simply_not_found(client: httpx.AsyncClient):
    answer = await client.get(f"/api/v1/heartbeats/{BIGGEST}")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


PATH_IDS = [
    ("GET", "/api/v1/heartbeats/{}", "heartbeat_id"),
    ("PATCH", "/api/v1/heartbeats/{}", "heartbeat_id"),
    ("DELETE", "/api/v1/heartbeats/{}", "heartbeat_id"),
    ("POST", "/api/v1/heartbeats/{}/pause", "heartbeat_id"),
    ("POST", "/api/v1/heartbeats/{}/resume", "heartbeat_id"),
    ("GET", "/api/v1/heartbeats/{}/pings", "heartbeat_id"),
    ("GET", "/api/v1/heartbeats/{}/flips", "heartbeat_id"),
    ("GET", "/api/v1/incidents/{}", "incident_id"),
    ("POST", "/api/v1/incidents/{}/acknowledge", "incident_id"),
    ("POST", "/api/v1/incidents/{}/resolve", "incident_id"),
]


@pytest.mark.parametrize("number", [TOO_BIG, "0", "-1"], ids=["2**63", "zero", "negative"])
@pytest.mark.parametrize(("method", "path", "field"), PATH_IDS,
                         ids=[f"{m} {p}" for m, p, _ in PATH_IDS])
async def test_an_id_no_row_can_have_is_refused_naming_it(
    client: httpx.AsyncClient, method: str, path: str, field: str, number: str
):
    body = {"name": "x"} if method == "PATCH" else None

    answer = await client.request(method, path.format(number), json=body)

    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_failed"
    assert [f["field"] for f in error["fields"]] == [field]


CURSORS = [
    ("/api/v1/heartbeats", "after"),
    ("/api/v1/incidents", "before"),
    ("/api/v1/incidents", "heartbeat_id"),
]


@pytest.mark.parametrize(("path", "param"), CURSORS, ids=[f"{p}?{q}" for p, q in CURSORS])
async def test_a_list_cursor_beyond_64_bits_is_refused_naming_it(
    client: httpx.AsyncClient, path: str, param: str
):
    answer = await client.get(path, params={param: TOO_BIG})

    assert answer.status_code == 422, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [param]


async def test_the_largest_64_bit_cursor_is_accepted(client: httpx.AsyncClient):
    made = (await client.post("/api/v1/heartbeats", json={"name": "b", "period": 60})).json()
    await client.get(f"/api/v1/heartbeat/{made['token']}/fail")

    after = await client.get("/api/v1/heartbeats", params={"after": BIGGEST})
    before = await client.get("/api/v1/incidents", params={"before": BIGGEST})

    assert after.json() == {"items": [], "next_cursor": None}
    assert [i["heartbeat_id"] for i in before.json()["items"]] == [made["id"]]


async def test_a_pings_cursor_beyond_64_bits_is_refused_naming_it(client: httpx.AsyncClient):
    made = (await client.post("/api/v1/heartbeats", json={"name": "b", "period": 60})).json()

    answer = await client.get(f"/api/v1/heartbeats/{made['id']}/pings",
                              params={"before": TOO_BIG})

    assert answer.status_code == 422, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["before"]
