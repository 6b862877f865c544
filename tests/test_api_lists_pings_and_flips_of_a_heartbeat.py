"""GET /api/v1/heartbeats/<id>/pings and /flips: newest first, every recorded detail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.sweep import process_due

HEARTBEATS = "/api/v1/heartbeats"
AGENT = {"user-agent": "backup.sh/1.0"}


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 3600, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "",
               body: bytes | None = None, query: str = "") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "") + query
    if body is None:
        answer = await client.get(url, headers=AGENT)
    else:
        answer = await client.post(url, content=body, headers=AGENT)
    assert answer.status_code == 200, answer.text


async def pings_of(client: httpx.AsyncClient, heartbeat_id: int,
                   **params: Any) -> list[dict[str, Any]]:
    answer = await client.get(f"{HEARTBEATS}/{heartbeat_id}/pings", params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()
    return items


async def flips_of(client: httpx.AsyncClient, heartbeat_id: int,
                   **params: Any) -> list[dict[str, Any]]:
    answer = await client.get(f"{HEARTBEATS}/{heartbeat_id}/flips", params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()
    return items


async def test_a_new_heartbeat_has_no_pings_and_no_flips(app_client: httpx.AsyncClient):
    made = await create(app_client)

    assert await pings_of(app_client, made["id"]) == []
    assert await flips_of(app_client, made["id"]) == []


async def test_it_lists_pings_newest_first_with_every_detail(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    await send(app_client, made, "start")
    clock.advance(42.5)
    await send(app_client, made, body=b"dumped 3 tables\n")
    clock.advance(60)
    await send(app_client, made, "fail", body=b"disk full")
    clock.advance(60)
    await send(app_client, made, "3")
    clock.advance(1)
    await send(app_client, made, "log", body=b"just a note")

    pings = await pings_of(app_client, made["id"])

    common = {"rid": None, "source_ip": "203.0.113.7", "user_agent": "backup.sh/1.0",
              "truncated": False, "rule": None}
    assert [{k: v for k, v in p.items() if k != "id"} for p in pings] == [
        {**common, "kind": "log", "received_at": "2026-03-02T12:02:43.500000Z", "exit_code": None,
         "duration": None, "method": "POST", "body": "just a note", "body_size": 11},
        {**common, "kind": "fail", "received_at": "2026-03-02T12:02:42.500000Z", "exit_code": 3,
         "duration": None, "method": "GET", "body": "", "body_size": 0},
        {**common, "kind": "fail", "received_at": "2026-03-02T12:01:42.500000Z",
         "exit_code": None, "duration": None, "method": "POST", "body": "disk full",
         "body_size": 9},
        {**common, "kind": "success", "received_at": "2026-03-02T12:00:42.500000Z",
         "exit_code": None, "duration": 42.5, "method": "POST", "body": "dumped 3 tables\n",
         "body_size": 16},
        {**common, "kind": "start", "received_at": "2026-03-02T12:00:00Z", "exit_code": None,
         "duration": None, "method": "GET", "body": "", "body_size": 0},
    ]
    ids = [p["id"] for p in pings]
    assert ids == sorted(ids, reverse=True)


async def test_an_exit_code_of_zero_is_a_success_with_that_code(app_client: httpx.AsyncClient):
    made = await create(app_client)

    await send(app_client, made, "0")

    [ping] = await pings_of(app_client, made["id"])
    assert (ping["kind"], ping["exit_code"]) == ("success", 0)


async def test_a_ping_keeps_its_run_id(app_client: httpx.AsyncClient, clock: FixedClock):
    made = await create(app_client)
    await send(app_client, made, "start", query="?rid=run-1")
    clock.advance(7)
    await send(app_client, made, query="?rid=run-1")

    pings = await pings_of(app_client, made["id"])

    assert [(p["kind"], p["rid"], p["duration"]) for p in pings] == [
        ("success", "run-1", 7.0), ("start", "run-1", None)
    ]


async def test_a_body_over_the_limit_is_cut_and_flagged(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client)
    output = b"".join(b"line %04d\n" % n for n in range(150))  # 1500 bytes; the limit is 1000

    await send(app_client, made, body=output)

    [ping] = await pings_of(app_client, made["id"])
    assert ping["truncated"] is True
    assert ping["body_size"] == 1500
    assert ping["body"] == output[:1000].decode()


async def test_invalid_utf8_in_a_body_is_shown_replaced(app_client: httpx.AsyncClient):
    made = await create(app_client)

    await send(app_client, made, body=b"ok \xff\xfe done")

    [ping] = await pings_of(app_client, made["id"])
    assert ping["body"] == "ok \ufffd\ufffd done"
    assert ping["body_size"] == 10


async def test_pings_page_with_limit_and_before(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    for _ in range(5):
        await send(app_client, made)
        clock.advance(1)

    first = await pings_of(app_client, made["id"], limit=2)
    second = await pings_of(app_client, made["id"], limit=2, before=first[-1]["id"])
    third = await pings_of(app_client, made["id"], limit=2, before=second[-1]["id"])

    seen = [p["received_at"] for p in first + second + third]
    assert seen == [f"2026-03-02T12:00:0{n}Z" for n in (4, 3, 2, 1, 0)]
    assert len({p["id"] for p in first + second + third}) == 5


async def test_the_pings_of_one_heartbeat_are_not_shown_on_another(
    app_client: httpx.AsyncClient,
):
    first = await create(app_client, name="first")
    second = await create(app_client, name="second")
    await send(app_client, first)

    assert await pings_of(app_client, second["id"]) == []
    assert len(await pings_of(app_client, first["id"])) == 1


async def test_it_lists_flips_newest_first_with_their_reasons(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client, period=60, grace=30)
    await send(app_client, made)
    clock.advance(61)
    async with db.write() as session:
        await process_due(session, clock.now())
    clock.advance(30)
    async with db.write() as session:
        await process_due(session, clock.now())
    clock.advance(9)
    await send(app_client, made)
    clock.advance(10)
    await send(app_client, made, "start")

    flips = await flips_of(app_client, made["id"])

    assert [(f["at"], f["old_status"], f["new_status"]) for f in flips] == [
        ("2026-03-02T12:01:50Z", "up", "running"),
        ("2026-03-02T12:01:40Z", "down", "up"),
        ("2026-03-02T12:01:31Z", "late", "down"),
        ("2026-03-02T12:01:01Z", "up", "late"),
        ("2026-03-02T12:00:00Z", "pending", "up"),
    ]
    # The worker's move to late has no cause to give; the others say what caused them.
    reasons = [f["reason"] for f in flips]
    assert reasons[:3] + reasons[4:] == ["start ping", "success ping", "missed", "success ping"]
    ids = [f["id"] for f in flips]
    assert ids == sorted(ids, reverse=True)
    assert len(await flips_of(app_client, made["id"], limit=2)) == 2


@pytest.mark.parametrize("listing", ["pings", "flips"])
async def test_listing_for_a_missing_heartbeat_answers_404(
    app_client: httpx.AsyncClient, listing: str
):
    answer = await app_client.get(f"{HEARTBEATS}/31337/{listing}")

    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found",
                                       "message": "no heartbeat with id 31337", "fields": []}}


@pytest.mark.parametrize("listing", ["pings", "flips"])
@pytest.mark.parametrize("limit", [0, 501])
async def test_a_limit_out_of_range_answers_422(
    app_client: httpx.AsyncClient, listing: str, limit: int
):
    made = await create(app_client)

    answer = await app_client.get(f"{HEARTBEATS}/{made['id']}/{listing}", params={"limit": limit})

    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["limit"]
