"""GET /api/v1/heartbeats: oldest first, with each one's state, filtered by status, tag and
name, and paged with `after`/`next_cursor` so that walking every page sees each heartbeat once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.sweep import process_due

HEARTBEATS = "/api/v1/heartbeats"


async def create(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": name, "period": 3600, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def ping(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    suffix = f"/{action}" if action else ""
    answer = await client.get(f"/api/v1/heartbeat/{heartbeat['token']}{suffix}")
    assert answer.status_code == 200, answer.text


async def sweep(db: Database, clock: FixedClock) -> int:
    async with db.write() as session:
        return await process_due(session, clock.now())


async def listed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    answer = await client.get(HEARTBEATS, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


async def test_an_empty_team_lists_nothing(app_client: httpx.AsyncClient):
    assert await listed(app_client) == {"items": [], "next_cursor": None}


async def test_it_lists_heartbeats_oldest_first_each_with_its_state(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    healthy = await create(app_client, "healthy", period=3600)
    broken = await create(app_client, "broken", period=60, grace=0)
    await create(app_client, "never pinged", period=60)
    await ping(app_client, healthy)
    await ping(app_client, broken)
    clock.advance(61)
    assert await sweep(db, clock) == 1

    page = await listed(app_client)

    assert names(page) == ["healthy", "broken", "never pinged"]
    assert page["next_cursor"] is None
    first, second, third = page["items"]
    assert (first["status"], first["last_ping_at"], first["next_due_at"], first["incident"]) == (
        "up", "2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z", None
    )
    assert (second["status"], second["last_ping_at"]) == ("down", "2026-03-02T12:00:00Z")
    incidents = (await app_client.get("/api/v1/incidents")).json()["items"]
    assert len(incidents) == 1
    assert second["incident"] == {
        "id": incidents[0]["id"], "state": "open", "reason": "missed",
        "opened_at": "2026-03-02T12:01:01Z", "suppressed": False,
    }
    assert (third["status"], third["last_ping_at"], third["next_due_at"], third["incident"]) == (
        "pending", None, None, None
    )


async def test_the_incident_summary_follows_an_acknowledgement(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    broken = await create(app_client, "broken")
    await ping(app_client, broken, "fail")
    incident = (await app_client.get("/api/v1/incidents")).json()["items"][0]
    await app_client.post(f"/api/v1/incidents/{incident['id']}/acknowledge")

    item = (await listed(app_client))["items"][0]

    assert item["status"] == "down"
    assert item["incident"] == {"id": incident["id"], "state": "acknowledged",
                                "reason": "failed", "opened_at": "2026-03-02T12:00:00Z",
                                "suppressed": False}


@pytest.mark.parametrize(
    ("status", "expected"),
    [("up", ["healthy"]), ("down", ["failing"]), ("pending", ["new"]), ("paused", ["on hold"]),
     ("running", ["in progress"]), ("late", [])],
)
async def test_it_filters_by_status(
    app_client: httpx.AsyncClient, status: str, expected: list[str]
):
    await ping(app_client, await create(app_client, "healthy"))
    await ping(app_client, await create(app_client, "failing"), "fail")
    await create(app_client, "new")
    on_hold = await create(app_client, "on hold")
    await app_client.post(f"{HEARTBEATS}/{on_hold['id']}/pause")
    await ping(app_client, await create(app_client, "in progress"), "start")

    assert names(await listed(app_client, status=status)) == expected


async def test_it_lists_a_late_heartbeat_under_late(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    await ping(app_client, await create(app_client, "slow", period=60, grace=300))
    await ping(app_client, await create(app_client, "fine", period=3600))
    clock.advance(61)
    await sweep(db, clock)

    page = await listed(app_client, status="late")

    assert names(page) == ["slow"]
    assert page["items"][0]["next_due_at"] == "2026-03-02T12:01:00Z"


async def test_it_filters_by_an_exact_tag(app_client: httpx.AsyncClient):
    await create(app_client, "db backup", tags=["backup", "prod"])
    await create(app_client, "file backup", tags=["backup"])
    await create(app_client, "staging", tags=["production-like", "staging"])
    await create(app_client, "untagged")

    assert names(await listed(app_client, tag="backup")) == ["db backup", "file backup"]
    assert names(await listed(app_client, tag="prod")) == ["db backup"]
    assert names(await listed(app_client, tag="production-like")) == ["staging"]
    assert names(await listed(app_client, tag="back")) == []
    assert names(await listed(app_client, tag="ack")) == []


async def test_a_tag_filter_tells_upper_from_lower_case_on_both_databases(
    app_client: httpx.AsyncClient,
):
    await create(app_client, "db backup", tags=["backup"])
    await create(app_client, "Backup Team", tags=["Backup"])

    assert names(await listed(app_client, tag="Backup")) == ["Backup Team"]
    assert names(await listed(app_client, tag="backup")) == ["db backup"]


async def test_it_filters_by_a_tag_with_accents_and_punctuation(app_client: httpx.AsyncClient):
    await create(app_client, "cafe", tags=["café", "team:ops", "50%"])
    await create(app_client, "other", tags=["cafe", "team_ops", "500"])

    assert names(await listed(app_client, tag="café")) == ["cafe"]
    assert names(await listed(app_client, tag="team:ops")) == ["cafe"]
    assert names(await listed(app_client, tag="50%")) == ["cafe"]


async def test_a_tag_filter_does_not_match_the_end_of_a_tag_with_a_quote(
    app_client: httpx.AsyncClient,
):
    await create(app_client, "quoted", tags=['say "a', "b,c"])

    assert names(await listed(app_client, tag="a")) == []
    assert names(await listed(app_client, tag="b")) == []
    assert names(await listed(app_client, tag='say "a')) == ["quoted"]
    assert names(await listed(app_client, tag="b,c")) == ["quoted"]


async def test_it_finds_heartbeats_by_part_of_the_name_ignoring_case(
    app_client: httpx.AsyncClient,
):
    for name in ["Nightly BACKUP", "backup of mail", "billing", "50% done", "a_b", "axb"]:
        await create(app_client, name)

    assert names(await listed(app_client, q="backup")) == ["Nightly BACKUP", "backup of mail"]
    assert names(await listed(app_client, q="LING")) == ["billing"]
    assert names(await listed(app_client, q="50%")) == ["50% done"]
    assert names(await listed(app_client, q="%")) == ["50% done"]
    assert names(await listed(app_client, q="a_b")) == ["a_b"]
    assert names(await listed(app_client, q="nothing like it")) == []


async def test_it_finds_a_heartbeat_whose_name_is_not_ascii_ignoring_case(
    app_client: httpx.AsyncClient,
):
    await create(app_client, "Überweisung nightly")
    await create(app_client, "ÄRZTE sync")
    await create(app_client, "Uberweisung ascii")

    assert names(await listed(app_client, q="Über")) == ["Überweisung nightly"]
    assert names(await listed(app_client, q="über")) == ["Überweisung nightly"]
    assert names(await listed(app_client, q="ärzte")) == ["ÄRZTE sync"]
    assert names(await listed(app_client, q="ÄRZTE")) == ["ÄRZTE sync"]


async def test_filters_combine(app_client: httpx.AsyncClient):
    await ping(app_client, await create(app_client, "prod backup", tags=["prod"]))
    await create(app_client, "prod report", tags=["prod"])
    await ping(app_client, await create(app_client, "dev backup", tags=["dev"]))

    page = await listed(app_client, status="up", tag="prod", q="backup")

    assert names(page) == ["prod backup"]


async def test_walking_every_page_sees_each_heartbeat_once_in_order(
    app_client: httpx.AsyncClient,
):
    made = [(await create(app_client, f"job {n}"))["id"] for n in range(7)]

    seen: list[int] = []
    cursors: list[int | None] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = await listed(app_client, **params)
        seen += [item["id"] for item in page["items"]]
        cursors.append(page["next_cursor"])
        if page["next_cursor"] is None:
            break
        params["after"] = page["next_cursor"]

    assert seen == made
    assert cursors == [made[2], made[5], None]


async def test_a_last_page_that_is_exactly_full_has_no_cursor(app_client: httpx.AsyncClient):
    made = [(await create(app_client, f"job {n}"))["id"] for n in range(4)]

    first = await listed(app_client, limit=2)
    second = await listed(app_client, limit=2, after=first["next_cursor"])

    assert [i["id"] for i in first["items"]] == made[:2]
    assert first["next_cursor"] == made[1]
    assert [i["id"] for i in second["items"]] == made[2:]
    assert second["next_cursor"] is None


async def test_pages_of_a_filtered_list_stay_filtered(app_client: httpx.AsyncClient):
    for n in range(6):
        await create(app_client, f"job {n}", tags=["even" if n % 2 == 0 else "odd"])

    first = await listed(app_client, tag="even", limit=2)
    second = await listed(app_client, tag="even", limit=2, after=first["next_cursor"])

    assert names(first) == ["job 0", "job 2"]
    assert names(second) == ["job 4"]
    assert second["next_cursor"] is None


async def test_a_heartbeat_created_between_pages_appears_on_a_later_page(
    app_client: httpx.AsyncClient,
):
    for n in range(3):
        await create(app_client, f"job {n}")
    first = await listed(app_client, limit=2)

    await create(app_client, "job 3")
    second = await listed(app_client, limit=2, after=first["next_cursor"])

    assert names(first) + names(second) == ["job 0", "job 1", "job 2", "job 3"]


async def test_the_default_page_holds_fifty(app_client: httpx.AsyncClient):
    for n in range(51):
        await create(app_client, f"job {n:02}")

    page = await listed(app_client)

    assert len(page["items"]) == 50
    assert page["items"][-1]["name"] == "job 49"
    assert page["next_cursor"] == page["items"][-1]["id"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [({"limit": 0}, "limit", "Input should be greater than or equal to 1"),
     ({"limit": 501}, "limit", "Input should be less than or equal to 500"),
     ({"status": "sleeping"}, "status",
      "Input should be 'pending', 'up', 'late', 'down', 'running' or 'paused'"),
     ({"after": "last"}, "after",
      "Input should be a valid integer, unable to parse string as an integer"),
     ({"q": "x" * 201}, "q", "String should have at most 200 characters")],
    ids=["limit-0", "limit-501", "unknown-status", "cursor-not-a-number", "q-too-long"],
)
async def test_it_refuses_bad_list_parameters_naming_them(
    app_client: httpx.AsyncClient, params: dict[str, Any], field: str, message: str
):
    refused = await app_client.get(HEARTBEATS, params=params)

    assert refused.status_code == 422
    assert refused.json() == {"error": {
        "code": "validation_failed", "message": f"{field}: {message}",
        "fields": [{"field": field, "message": message}],
    }}
