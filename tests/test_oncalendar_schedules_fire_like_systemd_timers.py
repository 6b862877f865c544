"""systemd OnCalendar schedules: pure tables of exact instants (across DST), then through
the API and the status engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.schedules import Calendar, ScheduleError, parse_oncalendar
from cronbeat.services.sweep import process_due

HEARTBEATS = "/api/v1/heartbeats"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expression", "timezone", "after", "expected"),
    [
        ("Mon..Fri 02:30", "UTC", utc(2026, 3, 6, 2, 30), utc(2026, 3, 9, 2, 30)),  # Fri → Mon
        ("daily", "UTC", utc(2026, 3, 2, 12, 0), utc(2026, 3, 3, 0, 0)),
        ("*-*-01 04:00", "Europe/Riga", utc(2026, 3, 2), utc(2026, 4, 1, 1, 0)),  # UTC+3
        ("*:0/15", "UTC", utc(2026, 3, 2, 12, 7, 30), utc(2026, 3, 2, 12, 15)),
        # Riga skips 03:00-04:00 on 29 March 2026: systemd does not fire a time in the gap.
        ("*-*-* 03:30", "Europe/Riga", utc(2026, 3, 28, 1, 30), utc(2026, 3, 30, 0, 30)),
        # Riga repeats 03:00-04:00 on 25 October 2026: the first pass is expected, and after
        # it the next day's (a second run in the repeated hour is harmless).
        ("*-*-* 03:30", "Europe/Riga", utc(2026, 10, 24, 1, 0), utc(2026, 10, 25, 0, 30)),
        ("*-*-* 03:30", "Europe/Riga", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
    ],
)
def test_the_next_calendar_time_is_the_one_systemd_would_fire(
    expression: str, timezone: str, after: datetime, expected: datetime
) -> None:
    assert Calendar(expression, timezone).next_due(after) == expected


@pytest.mark.parametrize(
    ("expression", "words"),
    [("Mon..Fri 25:00", "invalid OnCalendar expression"), ("not a time", "invalid"),
     ("   ", "give an OnCalendar expression"), ("2020-01-01 00:00", "never fires again")],
)
def test_it_refuses_an_expression_that_cannot_fire(expression: str, words: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        parse_oncalendar(expression, "UTC", utc(2026, 3, 2))
    assert refused.value.field == "oncalendar"
    assert words in refused.value.message


async def create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post(HEARTBEATS, json={"name": "timer", "grace": 60, **fields})


async def test_an_oncalendar_heartbeat_is_due_at_its_calendar_times_and_down_after_grace(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    # START is Monday 2 March 2026 12:00 UTC, 14:00 in Riga.
    made = (await create(app_client, oncalendar="Mon..Fri  14:30", timezone="Europe/Riga"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["oncalendar"], body["schedule"], body["period"]) == ("Mon..Fri 14:30", None,
                                                                      None)
    assert body["schedule_text"] == "OnCalendar Mon..Fri 14:30 (Europe/Riga)"
    assert (await app_client.get(f"/api/v1/heartbeat/{body['token']}")).status_code == 200
    shown = (await app_client.get(f"{HEARTBEATS}/{body['id']}")).json()
    assert shown["next_due_at"] == "2026-03-02T12:30:00Z"
    clock.advance(30 * 60 + 60)
    async with db.write() as session:
        await process_due(session, clock.now())
    assert (await app_client.get(f"{HEARTBEATS}/{body['id']}")).json()["status"] == "down"


async def test_a_partial_edit_switches_between_period_cron_and_oncalendar(
    app_client: httpx.AsyncClient,
):
    made = (await create(app_client, period=3600)).json()
    url = f"{HEARTBEATS}/{made['id']}"
    calendar = (await app_client.patch(url, json={"oncalendar": "hourly"})).json()
    assert (calendar["period"], calendar["oncalendar"]) == (None, "hourly")
    cron = (await app_client.patch(url, json={"schedule": "@daily"})).json()
    assert (cron["oncalendar"], cron["schedule"]) == (None, "@daily")
    refused = await app_client.patch(url, json={"oncalendar": "daily", "period": 60})
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"oncalendar": "daily", "period": 60}, "period"),
     ({"oncalendar": "daily", "schedule": "@daily"}, "period"),
     ({"oncalendar": "Mon 25:00"}, "oncalendar"),
     ({"oncalendar": "daily", "timezone": "Nowhere/Land"}, "timezone")],
)
async def test_it_refuses_an_oncalendar_heartbeat_that_cannot_work(
    app_client: httpx.AsyncClient, fields: dict[str, Any], field: str
):
    refused = await create(app_client, **fields)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"][0]["field"] == field


def test_the_next_time_is_strictly_after_the_given_instant() -> None:
    hourly = Calendar("hourly", "UTC")
    assert hourly.next_due(utc(2026, 3, 2, 12)) == utc(2026, 3, 2, 13)
    assert hourly.next_due(utc(2026, 3, 2, 12) - timedelta(microseconds=1)) == utc(2026, 3, 2, 12)
