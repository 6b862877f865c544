"""The maintenance page: the team's windows in words, added and deleted by any member, with
errors shown beside the field; another team's window is not found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.maintenance_models import MaintenanceWindow
from cronbeat.services.maintenance import WindowSpec, create_window
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_member, make_heartbeat, other_team


async def windows(db: Database) -> list[MaintenanceWindow]:
    async with db.read() as session:
        return list((await session.scalars(select(MaintenanceWindow)
                                           .order_by(MaintenanceWindow.id))).all())


async def test_a_weekly_window_for_a_tag_is_added_shown_in_words_and_deleted(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    await make_heartbeat(db, team_id, clock.now(), name="backup", tags=("db",))
    csrf = await admin_client(app_client, db)
    page = await app_client.get("/maintenance")
    assert page.status_code == 200 and 'href="/maintenance" aria-current="page"' in page.text
    answer = await app_client.post("/maintenance/new", data={
        "csrf_token": csrf, "name": "upgrades", "target": "tag", "tag": "db",
        "kind": "recurring", "days": "6", "start_time": "02:00", "end_time": "04:00",
        "timezone": "Europe/Riga"})
    assert answer.status_code == 303, answer.text
    [row] = await windows(db)
    assert (row.team_id, row.tag, row.days, row.start_time, row.end_time, row.timezone) == (
        team_id, "db", [6], "02:00", "04:00", "Europe/Riga")
    listed = text_of((await app_client.get("/maintenance")).text)
    assert "saved" in listed
    assert "upgrades Sundays 02:00\u201304:00 Europe/Riga for tag db off" in listed

    answer = await app_client.post(f"/maintenance/{row.id}/delete", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert await windows(db) == []
    assert "No maintenance windows" in (await app_client.get("/maintenance")).text


async def test_a_one_off_window_for_one_heartbeat_is_read_in_its_time_zone_and_shown_on(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="<b>billing</b>")
    csrf = await admin_client(app_client, db)
    # The clock is 2026-03-02 12:00 UTC, 14:00 in Riga.
    answer = await app_client.post("/maintenance/new", data={
        "csrf_token": csrf, "name": "<i>move</i>", "target": "heartbeat",
        "heartbeat_id": str(heartbeat.id), "tag": "ignored", "kind": "one_off",
        "starts_at": "2026-03-02T13:00", "ends_at": "2026-03-02T16:30",
        "timezone": "Europe/Riga"})
    assert answer.status_code == 303, answer.text
    [row] = await windows(db)
    assert (row.heartbeat_id, row.tag, row.days) == (heartbeat.id, None, None)
    assert (row.starts_at, row.ends_at) == (datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
                                            datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
    html = (await app_client.get("/maintenance")).text
    assert "<b>billing</b>" not in html and "<i>move</i>" not in html
    assert f'href="/heartbeats/{heartbeat.id}">&lt;b&gt;billing&lt;/b&gt;</a>' in html
    text = text_of(html)
    assert "From 2026-03-02 11:00 UTC to 2026-03-02 14:30 UTC" in text
    assert "on until 2026-03-02 14:30 UTC" in text


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"days": []}, "days", "at least one day"),
    ({"tag": ""}, "tag", "give the tag"),
    ({"target": "heartbeat", "heartbeat_id": "999999"}, "heartbeat_id", "no heartbeat"),
    ({"start_time": "25:99"}, "start_time", "HH:MM"),
    ({"timezone": "Mars/Base"}, "timezone", "Mars/Base"),
    ({"kind": "one_off", "starts_at": "2026-03-03T04:00", "ends_at": "2026-03-03T02:00"},
     "ends_at", "must be after starts_at"),
    ({"kind": "one_off", "starts_at": "tomorrow", "ends_at": "2026-03-03T02:00"},
     "starts_at", "is not a date and time"),
])
async def test_bad_input_is_refused_beside_its_field_and_keeps_what_was_typed(
    app_client: httpx.AsyncClient, db: Database, team_id: int, fields: dict[str, object],
    field: str, message: str,
) -> None:
    csrf = await admin_client(app_client, db)
    data: dict[str, object] = {
        "csrf_token": csrf, "name": "upgrades <x>", "target": "tag", "tag": "db",
        "kind": "recurring", "days": ["5", "6"], "start_time": "02:00", "end_time": "04:00",
        "timezone": "UTC", **fields}
    answer = await app_client.post("/maintenance/new", data=data)  # type: ignore[arg-type]
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text and message in answer.text
    assert 'value="upgrades &lt;x&gt;"' in answer.text
    if fields.get("days") != []:
        assert 'value="5" checked' in answer.text and 'value="6" checked' in answer.text
    assert await windows(db) == []


async def test_a_member_who_is_not_an_admin_may_add_and_delete_windows(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    await add_member(db, team_id, "Ana", clock.now())
    await give_password(db, "ana@example.test")
    csrf = await log_in(app_client, "ana@example.test")
    answer = await app_client.post("/maintenance/new", data={
        "csrf_token": csrf, "name": "patching", "target": "tag", "tag": "web",
        "kind": "recurring", "days": ["0", "1", "2", "3", "4"], "start_time": "23:00",
        "end_time": "01:00", "timezone": "UTC"})
    assert answer.status_code == 303, answer.text
    assert "Weekdays 23:00\u201301:00 (next day) UTC for tag web" in text_of(
        (await app_client.get("/maintenance")).text)
    [row] = await windows(db)
    answer = await app_client.post(f"/maintenance/{row.id}/delete", data={"csrf_token": csrf})
    assert answer.status_code == 303 and await windows(db) == []


async def test_another_teams_window_is_not_listed_and_cannot_be_deleted(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    other = await other_team(db, clock.now())
    theirs = await make_heartbeat(db, other, clock.now(), name="theirs")
    async with db.write() as session:
        row = await create_window(session, other, WindowSpec(
            name="their window", heartbeat_id=theirs.id, starts_at=clock.now(),
            ends_at=clock.now() + timedelta(hours=1)), clock.now())
    csrf = await admin_client(app_client, db)
    assert "their window" not in (await app_client.get("/maintenance")).text
    answer = await app_client.post(f"/maintenance/{row.id}/delete", data={"csrf_token": csrf})
    assert answer.status_code == 404
    assert len(await windows(db)) == 1
    # A window for another team's heartbeat cannot be made either.
    answer = await app_client.post("/maintenance/new", data={
        "csrf_token": csrf, "name": "sneaky", "target": "heartbeat",
        "heartbeat_id": str(theirs.id), "kind": "recurring", "days": "0",
        "start_time": "01:00", "end_time": "02:00", "timezone": "UTC"})
    assert answer.status_code == 422 and len(await windows(db)) == 1


async def test_a_window_is_changed_from_its_filled_in_form(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="billing")
    async with db.write() as session:
        made = await create_window(session, team_id, WindowSpec(
            name="move", heartbeat_id=heartbeat.id, timezone="Europe/Riga",
            starts_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
            ends_at=datetime(2026, 3, 2, 14, 30, tzinfo=UTC)), clock.now())
    csrf = await admin_client(app_client, db)
    assert f'href="/maintenance/{made.id}#window-form">Edit</a>' in (
        await app_client.get("/maintenance")).text
    form = (await app_client.get(f"/maintenance/{made.id}")).text
    assert "Change “move”" in form and f'action="/maintenance/{made.id}"' in form
    # One-off times are shown on the window's own wall clock (Riga, UTC+2).
    assert 'name="starts_at" value="2026-03-02T13:00"' in form
    assert 'name="ends_at" value="2026-03-02T16:30"' in form
    assert f'name="heartbeat_id" value="{heartbeat.id}"' in form

    refused = await app_client.post(f"/maintenance/{made.id}", data={
        "csrf_token": csrf, "name": "move", "target": "tag", "tag": "db", "kind": "recurring",
        "start_time": "02:00", "end_time": "04:00", "timezone": "UTC"})
    assert refused.status_code == 422 and "choose at least one day" in text_of(refused.text)
    assert f'action="/maintenance/{made.id}"' in refused.text

    saved = await app_client.post(f"/maintenance/{made.id}", data={
        "csrf_token": csrf, "name": "weekly move", "target": "tag", "tag": "db",
        "kind": "recurring", "days": ["5", "6"], "start_time": "02:00", "end_time": "04:00",
        "timezone": "UTC"})
    assert saved.status_code == 303, saved.text
    [row] = await windows(db)
    assert (row.id, row.name, row.tag, row.heartbeat_id, row.days, row.start_time,
            row.starts_at, row.ends_at) == (made.id, "weekly move", "db", None, [5, 6], "02:00",
                                            None, None)
