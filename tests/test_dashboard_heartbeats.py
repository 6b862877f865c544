"""The heartbeat pages: list, filters, live rows, the form with its preview, one heartbeat."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Ping
from cronbeat.enums import PingKind, Status
from dashboard_helpers import admin_client, text_of
from helpers import make_heartbeat, other_team, ping, reload, sweep

FETCH = {"X-Requested-With": "fetch"}


async def test_the_list_shows_each_heartbeat_with_its_status_schedule_and_tags(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    backup = await make_heartbeat(db, team_id, clock.now(), name="nightly backup",
                                  period=None, schedule="30 2 * * *", timezone="Europe/Riga",
                                  tags=("db",))
    await ping(db, backup.token, clock.now() - timedelta(minutes=3))
    await make_heartbeat(db, team_id, clock.now(), name="billing run", period=3600)
    await admin_client(app_client, db)
    page = text_of((await app_client.get("/heartbeats")).text)
    assert "up nightly backup db At 02:30 every day (Europe/Riga) 3 min ago in 12 h 30 min" in page
    assert "pending billing run every 1 hour never —" in page
    assert "1 up" in page and "1 pending" in page


async def test_filters_by_status_tag_and_name(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    first = await make_heartbeat(db, team_id, clock.now(), name="Backup DB", tags=("db",))
    await make_heartbeat(db, team_id, clock.now(), name="backup files", tags=("files",))
    await make_heartbeat(db, team_id, clock.now(), name="billing")
    await ping(db, first.token, clock.now())
    await admin_client(app_client, db)

    async def names(**params: str) -> list[str]:
        html = (await app_client.get("/heartbeats", params=params)).text
        return re.findall(r'class="name" href="/heartbeats/\d+">([^<]+)<', html)

    assert await names(q="BACKUP") == ["Backup DB", "backup files"]
    assert await names(tag="files") == ["backup files"]
    assert await names(status="up") == ["Backup DB"]
    assert await names(status="pending", q="b") == ["backup files", "billing"]
    assert await names(status="no-such-status") == ["Backup DB", "backup files", "billing"]


async def test_a_long_list_is_paged_fifty_at_a_time(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    for n in range(53):
        await make_heartbeat(db, team_id, clock.now(), name=f"job {n:02}")
    await admin_client(app_client, db)
    first = (await app_client.get("/heartbeats")).text
    assert first.count('class="name"') == 50
    found = re.search(r'href="(/heartbeats\?[^"]*after=\d+)" rel="next"', first)
    assert found
    second = (await app_client.get(found.group(1).replace("&amp;", "&"))).text
    assert re.findall(r'class="name" href="/heartbeats/\d+">([^<]+)<', second) == [
        "job 50", "job 51", "job 52"]
    assert 'rel="next"' not in second
    # A cursor that is no id starts from the top, never a server error.
    for after in ("%C2%B9", "x", "9" * 30):
        again = await app_client.get(f"/heartbeats?after={after}")
        assert again.status_code == 200 and again.text.count('class="name"') == 50


async def test_the_rows_refresh_alone_and_show_a_new_status(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="backup")
    await admin_client(app_client, db)
    page = (await app_client.get("/heartbeats")).text
    assert 'data-live="/heartbeats"' in page
    await ping(db, heartbeat.token, clock.now())
    rows = await app_client.get("/heartbeats", headers=FETCH)
    assert "<html" not in rows.text and "<tr" in rows.text
    assert 'class="badge up"' in rows.text


async def test_a_heartbeat_is_created_from_the_form_with_a_cron_schedule(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    csrf = await admin_client(app_client, db)
    form = await app_client.get("/heartbeats/new")
    assert form.status_code == 200 and 'name="schedule"' in form.text
    answer = await app_client.post("/heartbeats/new", data={
        "csrf_token": csrf, "name": "nightly backup", "kind": "cron", "schedule": "30 2 * * *",
        "timezone": "Europe/Riga", "grace": "10 min", "max_runtime": "1h", "tags": "db, nightly",
        "period": "", "policy_id": "", "slug": "", "description": ""})
    assert answer.status_code == 303
    heartbeat_id = int(answer.headers["location"].rsplit("/", 1)[1])
    heartbeat = await reload(db, heartbeat_id)
    assert (heartbeat.schedule, heartbeat.timezone, heartbeat.grace, heartbeat.max_runtime,
            heartbeat.tags) == ("30 2 * * *", "Europe/Riga", 600, 3600, ["db", "nightly"])
    page = await app_client.get(answer.headers["location"])
    assert "Created “nightly backup”" in page.text


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "cron", "schedule": "61 * * * *"}, "invalid cron expression"),
    ({"kind": "cron", "schedule": "* * *"}, "it needs 5 fields"),
    ({"kind": "period", "period": "soon"}, "write a duration such as 90s"),
    ({"kind": "period", "period": "1d", "timezone": "Mars/Olympus"}, "Mars/Olympus"),
    ({"kind": "period", "period": "1d", "name": " "}, "name"),
])
async def test_bad_input_is_refused_inline_and_keeps_what_was_typed(
    app_client: httpx.AsyncClient, db: Database, team_id: int, fields: dict[str, str],
    message: str,
) -> None:
    csrf = await admin_client(app_client, db)
    data = {"csrf_token": csrf, "name": "my job", "timezone": "UTC", **fields}
    answer = await app_client.post("/heartbeats/new", data=data)
    assert answer.status_code == 422
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    if fields.get("schedule"):
        assert f'value="{fields["schedule"]}"' in answer.text


async def test_the_preview_explains_a_cron_expression_with_its_next_five_times(
    app_client: httpx.AsyncClient, db: Database, team_id: int
) -> None:
    await admin_client(app_client, db)
    answer = await app_client.get("/heartbeats/preview", headers=FETCH, params={
        "kind": "cron", "schedule": "30 2 * * *", "timezone": "Europe/Riga"})
    assert answer.status_code == 200
    assert "At 02:30 every day (Europe/Riga)" in answer.text
    # The clock is 2026-03-02 12:00 UTC; Riga is UTC+2 until the end of March.
    times = re.findall(r"<time datetime=\"([^\"]+)\"", answer.text)
    assert times == [f"2026-03-0{d}T02:30:00+02:00" for d in range(3, 8)]
    bad = await app_client.get("/heartbeats/preview", params={
        "kind": "cron", "schedule": "30 2 * *", "timezone": "Europe/Riga"})
    assert bad.status_code == 422 and "it needs 5 fields" in bad.text


async def test_the_heartbeat_page_shows_url_snippets_pings_and_uptime(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="backup", period=60,
                                     grace=30)
    await ping(db, heartbeat.token, clock.now(), PingKind.START)
    await ping(db, heartbeat.token, clock.now() + timedelta(seconds=42), PingKind.FAIL,
               exit_code=3, body=b"disk <full>\n")
    await admin_client(app_client, db)
    clock.advance(60)
    html = (await app_client.get(f"/heartbeats/{heartbeat.id}")).text
    url = f"http://cronbeat.test/api/v1/heartbeat/{heartbeat.token}"
    assert f'<code id="ping-url">{url}</code>' in html
    assert f"{url}/$code" in html and f"cronbeat run --url {url} -- " in html
    assert "disk &lt;full&gt;" in html
    assert "exit 3" in html and "42 s" in html
    assert html.count('<rect class="') >= 90 + 1  # 90 days of uptime, one run
    assert 'class="badge down"' in html


async def test_pause_resume_and_delete_from_the_page(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="backup")
    await ping(db, heartbeat.token, clock.now())
    csrf = await admin_client(app_client, db)
    base = f"/heartbeats/{heartbeat.id}"
    assert (await app_client.post(f"{base}/pause", data={"csrf_token": csrf})).status_code == 303
    assert (await reload(db, heartbeat.id)).status is Status.PAUSED
    assert (await app_client.post(f"{base}/resume", data={"csrf_token": csrf})).status_code == 303
    assert (await reload(db, heartbeat.id)).status is Status.UP
    refused = await app_client.post(f"{base}/delete", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await reload(db, heartbeat.id)).name == "backup"
    deleted = await app_client.post(f"{base}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303
    assert (await app_client.get(base)).status_code == 404


async def test_a_name_with_markup_is_shown_as_text(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="<script>alert(1)</script>",
                                     tags=("<b>x</b>",))
    await admin_client(app_client, db)
    for path in ("/heartbeats", f"/heartbeats/{heartbeat.id}",
                 f"/heartbeats/{heartbeat.id}/edit"):
        html = (await app_client.get(path)).text
        assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_another_teams_heartbeat_is_never_shown_or_changed(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    theirs = await make_heartbeat(db, await other_team(db, clock.now()), clock.now(),
                                  name="their secret job")
    csrf = await admin_client(app_client, db)
    assert "their secret job" not in (await app_client.get("/heartbeats")).text
    for path in (f"/heartbeats/{theirs.id}", f"/heartbeats/{theirs.id}/edit"):
        answer = await app_client.get(path)
        assert answer.status_code == 404 and "their secret job" not in answer.text
    for action in ("pause", "delete"):
        answer = await app_client.post(f"/heartbeats/{theirs.id}/{action}",
                                       data={"csrf_token": csrf})
        assert answer.status_code == 404
    edit = await app_client.post(f"/heartbeats/{theirs.id}/edit", data={
        "csrf_token": csrf, "name": "mine now", "kind": "period", "period": "1h"})
    assert edit.status_code == 404
    assert (await reload(db, theirs.id)).name == "their secret job"


async def test_editing_keeps_the_heartbeat_and_moves_its_deadline(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="backup", period=60, grace=30)
    await ping(db, heartbeat.token, clock.now())
    csrf = await admin_client(app_client, db)
    form = (await app_client.get(f"/heartbeats/{heartbeat.id}/edit")).text
    assert 'value="1 min"' in form and 'value="30 s"' in form
    answer = await app_client.post(f"/heartbeats/{heartbeat.id}/edit", data={
        "csrf_token": csrf, "name": "backup", "kind": "period", "period": "1 h", "grace": "5 min",
        "timezone": "UTC"})
    assert answer.status_code == 303
    clock.advance(120)
    await sweep(db, clock.now())
    edited = await reload(db, heartbeat.id)
    assert (edited.period, edited.grace, edited.status) == (3600, 300, Status.UP)


async def test_output_that_is_not_utf8_is_stored_as_sent_and_shown_escaped(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="backup")
    sent = b"\xff\xfe<b>broken</b>\x00end"
    assert (await app_client.post(f"/ping/{heartbeat.token}", content=sent)).status_code == 200
    async with db.read() as session:
        stored = await session.scalar(select(Ping.body).where(Ping.heartbeat_id == heartbeat.id))
    assert stored == sent  # kept byte for byte
    await admin_client(app_client, db)
    html = (await app_client.get(f"/heartbeats/{heartbeat.id}")).text
    assert "\ufffd\ufffd&lt;b&gt;broken&lt;/b&gt;\ufffdend" in html
    assert "<b>broken</b>" not in html
