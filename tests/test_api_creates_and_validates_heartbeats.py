"""POST /api/v1/heartbeats: what a new heartbeat looks like, and every way a request is refused
with a 422 that names the field to fix (never a 500)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database

HEARTBEATS = "/api/v1/heartbeats"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json=fields)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def test_it_creates_a_period_heartbeat_with_a_token_a_ping_url_and_the_defaults(
    app_client: httpx.AsyncClient,
):
    made = await app_client.post(HEARTBEATS, json={"name": "nightly backup", "period": 3600})

    assert made.status_code == 201, made.text
    body = made.json()
    token = body["token"]
    assert len(token) >= 22
    assert token.replace("-", "").replace("_", "").isalnum()
    assert isinstance(body["id"], int)
    assert body == {
        "id": body["id"],
        "name": "nightly backup",
        "description": "",
        "tags": [],
        "status": "pending",
        "token": token,
        "slug": None,
        "ping_url": f"http://cronbeat.test/api/v1/heartbeat/{token}",
        "previous_token_until": None,
        "period": 3600,
        "schedule": None,
        "oncalendar": None,
        "timezone": "UTC",
        "schedule_text": "every 1 hour",
        "grace": 300,
        "max_runtime": None,
        "policy_id": None,
        "failure_threshold": 1,
        "recovery_threshold": 1,
        "failure_streak": 0,
        "success_streak": 0,
        "streak_text": None,
        "output_rules": [],
        "min_runtime": None,
        "early_tolerance": None,
        "early_fails": False,
        "depends_on": None,
        "last_ping_at": None,
        "next_due_at": None,
        "started_at": None,
        "incident": None,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
    }


async def test_the_ping_url_it_returns_is_the_one_that_takes_pings(
    app_client: httpx.AsyncClient,
):
    body = await create(app_client, name="backup", period=60)
    path = body["ping_url"].removeprefix("http://cronbeat.test")

    pinged = await app_client.get(path)

    assert pinged.status_code == 200
    shown = (await app_client.get(f"{HEARTBEATS}/{body['id']}")).json()
    assert shown["status"] == "up"
    assert shown["last_ping_at"] == "2026-03-02T12:00:00Z"
    assert shown["next_due_at"] == "2026-03-02T12:01:00Z"


async def test_each_heartbeat_gets_its_own_token(app_client: httpx.AsyncClient):
    tokens = {(await create(app_client, name=f"job {n}", period=60))["token"] for n in range(5)}

    assert len(tokens) == 5


async def test_it_keeps_every_optional_field_it_is_given(app_client: httpx.AsyncClient):
    body = await create(
        app_client, name="  billing run  ", period=90, grace=0, max_runtime=600,
        tags=["billing", " prod ", "billing"], description="Runs the monthly invoices",
    )

    assert body["name"] == "billing run"
    assert body["period"] == 90
    assert body["schedule_text"] == "every 90 seconds"
    assert body["grace"] == 0
    assert body["max_runtime"] == 600
    assert body["tags"] == ["billing", "prod"]
    assert body["description"] == "Runs the monthly invoices"


LONG_FOLDING_NAME = "a" * 199 + "ß"  # 200 characters; case-folded ("ss") it has 201


async def test_it_accepts_a_200_character_name_that_grows_when_case_folded(
    app_client: httpx.AsyncClient, db: Database, request: pytest.FixtureRequest
):
    made = await app_client.post(HEARTBEATS, json={"name": LONG_FOLDING_NAME, "period": 60})

    assert made.status_code == 201, made.text
    assert made.json()["name"] == LONG_FOLDING_NAME
    found = await app_client.get(HEARTBEATS, params={"q": "ass"})
    assert [hb["name"] for hb in found.json()["items"]] == [LONG_FOLDING_NAME]


async def test_it_creates_a_cron_heartbeat_in_a_time_zone(app_client: httpx.AsyncClient):
    body = await create(app_client, name="office hours sync", schedule="*/5 9-17 * * 1-5",
                        timezone="America/New_York", grace=120)

    assert body["period"] is None
    assert body["schedule"] == "*/5 9-17 * * 1-5"
    assert body["timezone"] == "America/New_York"
    assert body["schedule_text"] == (
        "Every fifth minute from 09:00 through 17:59 on Monday through Friday (America/New_York)"
    )
    assert body["grace"] == 120
    assert body["status"] == "pending"


async def test_it_computes_the_next_cron_time_in_the_heartbeats_time_zone(
    app_client: httpx.AsyncClient,
):
    body = await create(app_client, name="ledger", schedule="30 8 * * *", timezone="Asia/Tokyo")

    await app_client.get(f"/api/v1/heartbeat/{body['token']}")

    shown = (await app_client.get(f"{HEARTBEATS}/{body['id']}")).json()
    # 12:00 UTC is 21:00 in Tokyo; the next 08:30 there is 23:30 UTC.
    assert shown["next_due_at"] == "2026-03-02T23:30:00Z"


async def test_it_accepts_cron_nicknames_such_as_daily(app_client: httpx.AsyncClient):
    body = await create(app_client, name="daily report", schedule="@daily", timezone="Europe/Riga")

    assert body["schedule"] == "@daily"
    assert body["timezone"] == "Europe/Riga"
    assert body["schedule_text"] == "At 00:00 every day (Europe/Riga)"
    await app_client.get(f"/api/v1/heartbeat/{body['token']}")
    shown = (await app_client.get(f"{HEARTBEATS}/{body['id']}")).json()
    # Midnight in Riga (UTC+2 in March) is 22:00 UTC.
    assert shown["next_due_at"] == "2026-03-02T22:00:00Z"


@pytest.mark.parametrize(
    ("nickname", "meaning"),
    [("@hourly", "At the start of every hour (UTC)"), ("@weekly", "At 00:00 on Sunday (UTC)"),
     ("@monthly", "At 00:00 on the first day of every month (UTC)")],
)
async def test_it_describes_other_nicknames_in_words(
    app_client: httpx.AsyncClient, nickname: str, meaning: str
):
    body = await create(app_client, name="job", schedule=nickname)

    assert body["schedule"] == nickname
    assert body["schedule_text"] == meaning


INVALID = [
    pytest.param({"name": "b", "period": 0}, "period", "at least 1", id="period-zero"),
    pytest.param({"name": "b", "period": 366 * 86400 + 1}, "period", "366 days",
                 id="period-over-366-days"),
    pytest.param({"name": "b", "period": 60, "schedule": "@daily"}, "period", "exactly one of",
                 id="period-and-schedule"),
    pytest.param({"name": "b"}, "period", "`schedule`", id="neither-period-nor-schedule"),
    pytest.param({"name": "b", "schedule": "61 * * * *"}, "schedule", "'61 * * * *'",
                 id="cron-minute-61"),
    pytest.param({"name": "b", "schedule": "* * 31 2 *"}, "schedule", "'* * 31 2 *'",
                 id="cron-february-31"),
    pytest.param({"name": "b", "schedule": "* * * *"}, "schedule", "'* * * *'",
                 id="cron-four-fields"),
    pytest.param({"name": "b", "schedule": "@reboot"}, "schedule", "'@reboot'", id="cron-reboot"),
    pytest.param({"name": "b", "schedule": "@daily", "timezone": "Mars/Base"}, "timezone",
                 "'Mars/Base'", id="unknown-time-zone"),
    pytest.param({"name": "b", "schedule": "@daily", "timezone": "../../etc/passwd"}, "timezone",
                 "'../../etc/passwd'", id="time-zone-path"),
    pytest.param({"name": "b", "period": 60, "grace": -1}, "grace", "greater than or equal to 0",
                 id="negative-grace"),
    pytest.param({"name": "b", "period": 60, "grace": 366 * 86400 + 1}, "grace", "366 days",
                 id="grace-over-366-days"),
    pytest.param({"name": "b", "period": 60, "max_runtime": 0}, "max_runtime", "at least 1",
                 id="max-runtime-zero"),
    pytest.param({"name": "", "period": 60}, "name", "at least 1 character", id="empty-name"),
    pytest.param({"name": "   ", "period": 60}, "name", "at least 1 character", id="blank-name"),
    pytest.param({"period": 60}, "name", "required", id="missing-name"),
    pytest.param({"name": "b", "perod": 60}, "perod", "not permitted", id="unknown-field"),
    pytest.param({"name": "b", "period": 60.5}, "period", "valid integer",
                 id="fractional-period"),
    pytest.param({"name": "b", "period": 60, "tags": [""]}, "tags.0", "at least 1 character",
                 id="empty-tag"),
]


@pytest.mark.parametrize(("body", "field", "words"), INVALID)
async def test_it_refuses_an_invalid_heartbeat_naming_the_field(
    app_client: httpx.AsyncClient, body: dict[str, Any], field: str, words: str
):
    refused = await app_client.post(HEARTBEATS, json=body)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/json"
    error = refused.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "validation_failed"
    [named] = error["fields"]
    assert named["field"] == field
    assert words in named["message"]
    assert error["message"] == f"{field}: {named['message']}"
    listed = await app_client.get(HEARTBEATS)
    assert listed.json() == {"items": [], "next_cursor": None}


async def test_it_names_every_wrong_field_at_once(app_client: httpx.AsyncClient):
    refused = await app_client.post(HEARTBEATS, json={"name": "", "grace": -5, "perod": 1})

    assert refused.status_code == 422
    fields = {f["field"] for f in refused.json()["error"]["fields"]}
    assert fields == {"name", "grace", "perod"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{not json", "application/json"), (b"name=backup&period=60",
                                           "application/x-www-form-urlencoded"),
     (b"[1, 2]", "application/json"), (b"", "application/json")],
    ids=["broken-json", "form-encoded", "json-array", "empty"],
)
async def test_it_refuses_a_body_that_is_not_a_json_object_with_a_422(
    app_client: httpx.AsyncClient, content: bytes, content_type: str
):
    refused = await app_client.post(HEARTBEATS, content=content,
                                    headers={"content-type": content_type})

    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "validation_failed"
    [named] = error["fields"]
    assert named["field"] == "body"
    assert error["message"] == f"body: {named['message']}"
    assert (await app_client.get(HEARTBEATS)).json()["items"] == []


async def test_a_broken_json_body_is_blamed_on_the_body(app_client: httpx.AsyncClient):
    refused = await app_client.post(HEARTBEATS, content=b"{not json",
                                    headers={"content-type": "application/json"})

    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == [
        {"field": "body", "message": "JSON decode error"}
    ]


async def test_it_refuses_an_unknown_time_zone_even_with_a_period(
    app_client: httpx.AsyncClient,
):
    refused = await app_client.post(HEARTBEATS, json={"name": "b", "period": 60,
                                                      "timezone": "Mars/Base"})

    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["timezone"]
    assert "'Mars/Base'" in refused.json()["error"]["fields"][0]["message"]
    assert (await app_client.get(HEARTBEATS)).json()["items"] == []


async def test_it_refuses_a_boolean_period(app_client: httpx.AsyncClient):
    refused = await app_client.post(HEARTBEATS, json={"name": "b", "period": True})

    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["period"]
    assert (await app_client.get(HEARTBEATS)).json()["items"] == []


async def test_a_heartbeat_created_later_shows_that_time(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    clock.advance(90)

    body = await create(app_client, name="later", period=60)

    assert body["created_at"] == "2026-03-02T12:01:30Z"
    assert body["updated_at"] == "2026-03-02T12:01:30Z"
