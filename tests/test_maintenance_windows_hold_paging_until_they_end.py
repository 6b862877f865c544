"""Maintenance windows over HTTP: failures inside a window are recorded but page nobody; a
heartbeat still down when the window ends pages then. Windows are changed in place (PATCH),
and a window cut short or deleted lets the pages it was holding go then, not at its old end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.escalations import process_due_escalations
from cronbeat.services.sweep import process_due
from helpers import notifications_of

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # the clock fixture's start, a Monday
HEARTBEATS = "/api/v1/heartbeats"
WINDOWS = "/api/v1/maintenance-windows"


def iso(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 60, "grace": 30,
                                               **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def window(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(WINDOWS, json={"name": "upgrade", **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    assert (await client.post(url)).status_code == 200


async def work(db: Database, clock: FixedClock) -> None:
    """What the worker does at the clock's instant."""
    async with db.write() as session:
        await process_due(session, clock.now())
        await process_due_escalations(session, clock.now())


async def open_incident(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> dict[str, Any]:
    shown = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}")).json()
    assert shown["incident"] is not None
    body: dict[str, Any] = (await client.get(f"/api/v1/incidents/{shown['incident']['id']}")
                            ).json()
    return body


async def test_a_failure_in_a_window_pages_nobody_and_the_first_page_arrives_at_its_end(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made = await create(app_client)
    await window(app_client, heartbeat_id=made["id"], starts_at=iso(10), ends_at=iso(70))
    await send(app_client, made)

    clock.advance(20 * 60)
    await send(app_client, made, "fail")
    incident = await open_incident(app_client, made)
    assert incident["state"] == "open" and incident["reason"] == "failed"
    assert await notifications_of(db, incident["id"]) == []
    kinds = [(e["kind"], e["detail"]) for e in incident["timeline"]]
    assert kinds[-1] == ("paging_held", "maintenance window 'upgrade' until 2026-03-02 13:10 "
                         "UTC: nobody is paged until it ends")

    clock.advance(50 * 60 - 1)  # 13:09:59
    await work(db, clock)
    assert await notifications_of(db, incident["id"]) == []

    clock.advance(1)  # 13:10:00, the window's end
    await work(db, clock)
    paged = await notifications_of(db, incident["id"])
    assert [purpose for purpose, *_ in paged] == ["alert"]
    notified = [e for e in (await open_incident(app_client, made))["timeline"]
                if e["kind"] == "notified"]
    assert [e["at"] for e in notified] == [iso(70)]


async def test_a_heartbeat_that_recovers_inside_the_window_pages_nobody_at_all(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made = await create(app_client)
    await window(app_client, heartbeat_id=made["id"], starts_at=iso(0), ends_at=iso(60))
    await send(app_client, made, "fail")
    incident = await open_incident(app_client, made)
    clock.advance(5 * 60)
    await send(app_client, made)
    clock.advance(60 * 60)
    await work(db, clock)
    assert await notifications_of(db, incident["id"]) == []


async def test_a_missed_deadline_in_a_recurring_tag_window_is_recorded_and_paged_after(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    # START is Monday 2 March 2026 12:00 UTC, 14:00 in Riga (UTC+2); the window is Mondays
    # 14:00-15:00 Riga time.
    made = await create(app_client, tags=["db"])
    other = await create(app_client, tags=["web"])
    await window(app_client, tag="db", days=["mon"], start_time="14:00", end_time="15:00",
                 timezone="Europe/Riga")
    await send(app_client, made)
    await send(app_client, other)
    clock.advance(90)
    await work(db, clock)
    held = await open_incident(app_client, made)
    assert held["reason"] == "missed"
    assert await notifications_of(db, held["id"]) == []
    assert len(await notifications_of(db, (await open_incident(app_client, other))["id"])) == 1

    clock.advance(10 * 60)  # 12:11:30 UTC, still in the window
    await work(db, clock)
    assert await notifications_of(db, held["id"]) == []
    clock.advance(48 * 60 + 30)  # 13:00:00 UTC = 15:00 Riga, the end
    await work(db, clock)
    assert len(await notifications_of(db, held["id"])) == 1


async def test_a_later_step_due_inside_a_window_is_held_until_it_ends(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made = await create(app_client)
    await send(app_client, made, "fail")  # 12:00: step 1 pages at once
    incident = await open_incident(app_client, made)
    assert len(await notifications_of(db, incident["id"])) == 1
    # The default policy's step 2 (the whole team) is due at 12:05, inside 12:02-12:30.
    await window(app_client, heartbeat_id=made["id"], starts_at=iso(2), ends_at=iso(30))
    clock.advance(5 * 60)
    await work(db, clock)
    assert len(await notifications_of(db, incident["id"])) == 1
    clock.advance(25 * 60)
    await work(db, clock)
    assert len(await notifications_of(db, incident["id"])) == 2


async def test_windows_are_listed_shown_with_whether_they_are_on_and_deleted(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    one_off = await window(app_client, heartbeat_id=made["id"], starts_at=iso(-5),
                           ends_at=iso(30))
    sunday = await window(app_client, name="sunday", tag="db", days=["sun", "sat"],
                          start_time="23:00", end_time="01:00", timezone="Europe/Riga")
    assert one_off["active_until"] == iso(30)
    assert (sunday["days"], sunday["active_until"], sunday["tag"]) == (["sat", "sun"], None,
                                                                       "db")
    listed = (await app_client.get(WINDOWS, params={"tag": "db"})).json()
    assert [w["id"] for w in listed] == [sunday["id"]]
    assert (await app_client.get(f"{WINDOWS}/{one_off['id']}")).json() == one_off
    assert (await app_client.delete(f"{WINDOWS}/{one_off['id']}")).status_code == 204
    assert (await app_client.get(f"{WINDOWS}/{one_off['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"tag": "db", "heartbeat_id": 1, "starts_at": iso(0), "ends_at": iso(1)},
         "heartbeat_id"),
        ({"starts_at": iso(0), "ends_at": iso(1)}, "heartbeat_id"),
        ({"tag": "db"}, "days"),
        ({"tag": "db", "days": ["mon"], "start_time": "1:00", "end_time": "2:00",
          "starts_at": iso(0), "ends_at": iso(1)}, "days"),
        ({"tag": "db", "starts_at": iso(5), "ends_at": iso(5)}, "ends_at"),
        ({"tag": "db", "starts_at": "2026-03-02T12:00:00", "ends_at": iso(5)}, "starts_at"),
        ({"tag": "db", "days": ["mon"], "start_time": "25:00", "end_time": "02:00"},
         "start_time"),
        ({"tag": "db", "days": ["mon"], "start_time": "01:00"}, "end_time"),
        ({"tag": "db", "days": ["someday"], "start_time": "01:00", "end_time": "02:00"},
         "days.0"),
        ({"tag": "db", "days": ["mon"], "start_time": "01:00", "end_time": "02:00",
          "timezone": "Mars/Base"}, "timezone"),
        ({"heartbeat_id": 999, "starts_at": iso(0), "ends_at": iso(1)}, "heartbeat_id"),
    ],
)
async def test_it_refuses_a_window_that_cannot_work_naming_the_field(
    app_client: httpx.AsyncClient, fields: dict[str, Any], field: str
):
    refused = await app_client.post(WINDOWS, json={"name": "w", **fields})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"][0]["field"] == field


@pytest.mark.parametrize("params", [{"heartbeat_id": 2**63}, {"heartbeat_id": 0},
                                    {"tag": "x" * 51}])
async def test_listing_windows_refuses_a_filter_no_row_can_match_without_a_server_error(
    app_client: httpx.AsyncClient, params: dict[str, Any]
):
    assert (await app_client.get(WINDOWS, params=params)).status_code == 422


async def test_a_window_is_renamed_moved_and_switched_between_kinds_keeping_the_rest(
    app_client: httpx.AsyncClient,
):
    made = await window(app_client, tag="db", days=["sun"], start_time="02:00",
                        end_time="04:00", timezone="Europe/Riga")
    url = f"{WINDOWS}/{made['id']}"

    renamed = (await app_client.patch(url, json={"name": "db upgrades"})).json()
    assert (renamed["name"], renamed["tag"], renamed["days"], renamed["start_time"],
            renamed["timezone"]) == ("db upgrades", "db", ["sun"], "02:00", "Europe/Riga")

    moved = (await app_client.patch(url, json={"days": ["sat", "sun"], "end_time": "05:00"})
             ).json()
    assert (moved["days"], moved["start_time"], moved["end_time"]) == (
        ["sat", "sun"], "02:00", "05:00")

    once = await app_client.patch(url, json={"starts_at": iso(60), "ends_at": iso(120)})
    assert once.status_code == 200, once.text
    assert (once.json()["days"], once.json()["start_time"], once.json()["starts_at"]) == (
        [], None, "2026-03-02T13:00:00Z")

    heartbeat = await create(app_client)
    mine = (await app_client.patch(url, json={"heartbeat_id": heartbeat["id"]})).json()
    assert (mine["heartbeat_id"], mine["tag"]) == (heartbeat["id"], None)
    assert (await app_client.get(url)).json() == mine


@pytest.mark.parametrize(("body", "field"), [
    ({"name": None}, "name"),
    ({"days": None}, "days"),
    ({"end_time": "25:00"}, "end_time"),
    ({"ends_at": "2026-03-02T11:00:00Z"}, "ends_at"),  # before starts_at
    ({"heartbeat_id": 999}, "heartbeat_id"),
    ({"timezone": "Mars/Base"}, "timezone"),
    ({"colour": "red"}, "colour"),
])
async def test_a_wrong_change_is_refused_naming_the_field_and_changes_nothing(
    app_client: httpx.AsyncClient, body: dict[str, Any], field: str,
):
    made = await window(app_client, tag="db", starts_at=iso(60), ends_at=iso(120))
    url = f"{WINDOWS}/{made['id']}"
    if "end_time" in body:
        made = (await app_client.patch(url, json={"days": ["mon"], "start_time": "01:00",
                                                  "end_time": "02:00"})).json()
    answer = await app_client.patch(url, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["fields"][0]["field"].endswith(field)
    assert (await app_client.get(url)).json() == made


async def held_window(
    client: httpx.AsyncClient, clock: FixedClock, db: Database
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A heartbeat that failed at 12:20 inside a window 12:10-13:10: its page is held."""
    made = await create(client)
    held = await window(client, heartbeat_id=made["id"], starts_at=iso(10), ends_at=iso(70))
    await send(client, made)
    clock.advance(20 * 60)
    await send(client, made, "fail")
    await work(db, clock)
    incident = await open_incident(client, made)
    assert await notifications_of(db, incident["id"]) == []
    return made, held


async def test_a_window_cut_short_pages_at_its_new_end(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made, held = await held_window(app_client, clock, db)
    cut = await app_client.patch(f"{WINDOWS}/{held['id']}", json={"ends_at": iso(30)})
    assert cut.status_code == 200, cut.text
    await work(db, clock)  # 12:20: still inside the shortened window, held to 12:30
    incident = await open_incident(app_client, made)
    assert await notifications_of(db, incident["id"]) == []

    clock.advance(10 * 60 - 1)
    await work(db, clock)
    assert await notifications_of(db, incident["id"]) == []
    clock.advance(1)  # 12:30, not 13:10
    await work(db, clock)
    assert len(await notifications_of(db, incident["id"])) == 1


async def test_deleting_a_window_pages_at_once_what_it_was_holding(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made, held = await held_window(app_client, clock, db)
    assert (await app_client.delete(f"{WINDOWS}/{held['id']}")).status_code == 204
    await work(db, clock)
    incident = await open_incident(app_client, made)
    assert len(await notifications_of(db, incident["id"])) == 1
    assert incident["timeline"][-1]["kind"] == "notified"


async def test_another_window_still_covering_keeps_holding_after_one_is_deleted(
    app_client: httpx.AsyncClient, clock: FixedClock, db: Database
):
    made, held = await held_window(app_client, clock, db)
    await window(app_client, heartbeat_id=made["id"], starts_at=iso(0), ends_at=iso(40))
    assert (await app_client.delete(f"{WINDOWS}/{held['id']}")).status_code == 204
    await work(db, clock)
    incident = await open_incident(app_client, made)
    assert await notifications_of(db, incident["id"]) == []
    clock.advance(timedelta(minutes=20).total_seconds())  # 12:40: the other one ends
    await work(db, clock)
    assert len(await notifications_of(db, incident["id"])) == 1
