"""The on-call page: who is on call now and next on each schedule, a four-week calendar, and
forms for schedules (admins) and overrides (any member), with the service's own errors shown
beside the fields."""

from __future__ import annotations

import re

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services import oncall_config
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_member, add_schedule, other_team, set_team_policy


async def schedules(db: Database, team_id: int) -> list[tuple[str, list[int]]]:
    async with db.read() as session:
        return [(s.name, list(s.member_ids))
                for s in await oncall_config.list_schedules(session, team_id)]


async def overrides(db: Database, team_id: int, schedule_id: int) -> list[tuple[int, str, str]]:
    async with db.read() as session:
        schedule = await oncall_config.get_schedule(session, team_id, schedule_id)
        return [(o.user_id, o.starts_at.isoformat(), o.ends_at.isoformat())
                for o in await oncall_config.list_overrides(session, schedule)]


def cells(html: str) -> list[list[str]]:
    """The calendar's weeks, each a list of its seven cells' text."""
    body = html[html.index('<table class="calendar">'):html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    return [[text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows]


async def test_it_shows_who_is_on_call_now_and_next_and_four_weeks_ahead(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    bo = await add_member(db, team_id, "Bo", clock.now())
    # Weekly, handing off at 09:00 UTC since Sunday 2026-03-01; it is Monday 03-02 12:00.
    await add_schedule(db, team_id, [ana, bo], clock.now())

    page = await app_client.get("/oncall")

    assert page.status_code == 200
    shown = text_of(page.text)
    assert "On call now Ana" in shown
    assert "Next Bo from 2026-03-08 09:00 UTC (in 5 d 21 h)" in shown
    assert "Rotation Ana → Bo; 1 week each, handing off at 09:00 UTC" in shown
    weeks = cells(page.text)
    assert len(weeks) == 4 and all(len(week) == 7 for week in weeks)
    assert weeks[0][0] == "02 Mar Ana"
    assert weeks[0][6] == "08 Mar Ana 09:00 Bo"
    assert weeks[1][0] == "09 Mar Bo"
    assert weeks[3][6] == "29 Mar Bo 09:00 Ana"
    assert 'class="today" aria-current="date"' in page.text


async def test_an_admin_creates_a_schedule_with_members_in_order(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    bo = await add_member(db, team_id, "Bo", clock.now())
    form = await app_client.get("/oncall/schedules/new")
    assert form.status_code == 200 and 'name="member_0"' in form.text

    made = await app_client.post("/oncall/schedules/new", data={
        "csrf_token": csrf, "name": "primary", "timezone": "Europe/Riga", "handoff": "10:00",
        "shift": "3", "shift_unit": "days", "start_date": "2026-03-02",
        "member_0": str(bo), "member_1": "", "member_2": str(ana)})

    assert (made.status_code, made.headers["location"]) == (303, "/oncall")
    assert await schedules(db, team_id) == [("primary", [bo, ana])]
    shown = text_of((await app_client.get("/oncall")).text)
    assert "The schedule primary is created." in shown
    assert "Rotation Bo → Ana; 3 days each, handing off at 10:00 Europe/Riga" in shown


async def test_mistakes_are_shown_beside_the_field_and_nothing_is_saved(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    good = {"csrf_token": csrf, "name": "primary", "timezone": "UTC", "handoff": "09:00",
            "shift": "1", "shift_unit": "weeks", "member_0": str(ana)}

    for change, field, words in (
        ({"timezone": "Mars/Base"}, "timezone", "unknown time zone"),
        ({"handoff": "25:00"}, "handoff", "is not a local time such as"),
        ({"shift": "0", "shift_unit": "hours"}, "shift", "shift must be at least 1 hour"),
        ({"shift": "many"}, "shift", "must be a whole number"),
        ({"start_date": "tomorrow"}, "start_date", "is not a date"),
        ({"name": " "}, "name", "must not be empty"),
        ({"member_0": "999"}, "member_ids", "no member with id 999 in this team"),
    ):
        answer = await app_client.post("/oncall/schedules/new", data={**good, **change})
        assert answer.status_code == 422, change
        assert f'id="{field}-error"' in answer.text, (change, answer.text)
        assert words in answer.text, change
        if field != "member_ids":  # what was chosen is kept
            assert f'<option value="{ana}" selected>Ana</option>' in answer.text, change
    assert await schedules(db, team_id) == []


async def test_an_admin_edits_a_schedule(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    bo = await add_member(db, team_id, "Bo", clock.now())
    schedule = await add_schedule(db, team_id, [ana, bo], clock.now())
    form = await app_client.get(f"/oncall/schedules/{schedule}")
    assert 'value="primary"' in form.text and 'value="2026-03-01"' in form.text
    assert 'name="shift_unit"' in form.text and "<option selected>weeks</option>" in form.text

    saved = await app_client.post(f"/oncall/schedules/{schedule}", data={
        "csrf_token": csrf, "name": "nights", "timezone": "UTC", "handoff": "21:00",
        "shift": "12", "shift_unit": "hours", "start_date": "2026-03-01",
        "member_0": str(bo), "member_1": str(ana)})

    assert saved.status_code == 303
    assert await schedules(db, team_id) == [("nights", [bo, ana])]


async def test_deleting_a_schedule_a_policy_pages_is_refused_with_the_reason(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    used = await add_schedule(db, team_id, [ana], clock.now())
    unused = await add_schedule(db, team_id, [ana], clock.now())
    await set_team_policy(db, team_id, Policy(steps=(Step(0, (Target(TargetKind.ONCALL, used),)),)),
                          clock.now())

    refused = await app_client.post(f"/oncall/schedules/{used}/delete",
                                    data={"csrf_token": csrf}, follow_redirects=True)
    deleted = await app_client.post(f"/oncall/schedules/{unused}/delete",
                                    data={"csrf_token": csrf}, follow_redirects=True)

    assert f"Not deleted: schedule {used} is a target of policy" in text_of(refused.text)
    assert "The schedule primary is deleted." in deleted.text
    assert len(await schedules(db, team_id)) == 1


async def test_an_override_is_read_in_the_schedules_zone_and_changes_who_is_on_call(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    bo = await add_member(db, team_id, "Bo", clock.now())
    schedule = await add_schedule(db, team_id, [ana, bo], clock.now())

    added = await app_client.post(f"/oncall/schedules/{schedule}/overrides", data={
        "csrf_token": csrf, "member_id": str(bo), "starts_at": "2026-03-02T11:00",
        "ends_at": "2026-03-03T11:00"})

    assert added.status_code == 303
    assert await overrides(db, team_id, schedule) == [
        (bo, "2026-03-02T11:00:00+00:00", "2026-03-03T11:00:00+00:00")]
    page = await app_client.get("/oncall")
    shown = text_of(page.text)
    assert "On call now Bo" in shown
    assert "Next Ana from 2026-03-03 11:00 UTC" in shown
    assert cells(page.text)[0][:2] == ["02 Mar Ana 11:00 Bo", "03 Mar Bo 11:00 Ana"]
    assert "Bo from 2026-03-02 11:00 UTC to 2026-03-03 11:00 UTC" in shown

    [(override_id,)] = [(o,) for o in re.findall(r"/overrides/(\d+)/delete", page.text)]
    removed = await app_client.post(f"/oncall/schedules/{schedule}/overrides/{override_id}/delete",
                                    data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert await overrides(db, team_id, schedule) == []


async def test_an_override_that_ends_before_it_starts_is_shown_beside_the_field(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    schedule = await add_schedule(db, team_id, [ana], clock.now())

    for fields, field, words in (
        ({"starts_at": "2026-03-03T11:00", "ends_at": "2026-03-02T11:00"}, "ends_at",
         "must be after starts_at"),
        ({"starts_at": "soon", "ends_at": "2026-03-02T11:00"}, "starts_at",
         "is not a date and time"),
    ):
        answer = await app_client.post(f"/oncall/schedules/{schedule}/overrides", data={
            "csrf_token": csrf, "member_id": str(ana), **fields})
        assert answer.status_code == 422
        assert f'id="override.{schedule}.{field}-error"' in answer.text
        assert words in answer.text
    assert await overrides(db, team_id, schedule) == []


async def test_a_member_who_is_not_an_admin_adds_overrides_but_not_schedules(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    bea = await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    csrf = await log_in(app_client, "bea@example.test")
    schedule = await add_schedule(db, team_id, [bea], clock.now())

    page = await app_client.get("/oncall")
    assert "New schedule" not in page.text and "Edit</a>" not in page.text
    for path in ("/oncall/schedules/new", f"/oncall/schedules/{schedule}",
                 f"/oncall/schedules/{schedule}/delete"):
        answer = await app_client.post(path, data={
            "csrf_token": csrf, "name": "mine", "timezone": "UTC", "handoff": "09:00",
            "shift": "1", "shift_unit": "weeks"})
        assert answer.status_code == 403, path
    assert await schedules(db, team_id) == [("primary", [bea])]
    added = await app_client.post(f"/oncall/schedules/{schedule}/overrides", data={
        "csrf_token": csrf, "member_id": str(bea), "starts_at": "2026-03-05T00:00",
        "ends_at": "2026-03-06T00:00"})
    assert added.status_code == 303


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    schedule = await add_schedule(db, team_id, [ana], clock.now())

    for path in (f"/oncall/schedules/{schedule}/delete", f"/oncall/schedules/{schedule}/overrides"):
        answer = await app_client.post(path, data={
            "member_id": str(ana), "starts_at": "2026-03-05T00:00", "ends_at": "2026-03-06T00:00"})
        assert answer.status_code == 403
    assert await schedules(db, team_id) == [("primary", [ana])]
    assert await overrides(db, team_id, schedule) == []


async def test_another_teams_schedule_is_a_404_page_and_never_shown(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    mine = await add_schedule(db, team_id, [ana], clock.now())
    their_team = await other_team(db, clock.now())
    zed = await add_member(db, their_team, "Zed", clock.now())
    theirs = await add_schedule(db, their_team, [zed], clock.now())

    assert (await app_client.get(f"/oncall/schedules/{theirs}")).status_code == 404
    for path, data in (
        (f"/oncall/schedules/{theirs}", {"name": "stolen"}),
        (f"/oncall/schedules/{theirs}/delete", {}),
        (f"/oncall/schedules/{theirs}/overrides", {"member_id": str(ana)}),
    ):
        answer = await app_client.post(path, data={"csrf_token": csrf, **data})
        assert answer.status_code == 404, path
        assert "Zed" not in answer.text
    # Their member cannot be put on call on this team's schedule either.
    answer = await app_client.post(f"/oncall/schedules/{mine}/overrides", data={
        "csrf_token": csrf, "member_id": str(zed), "starts_at": "2026-03-05T00:00",
        "ends_at": "2026-03-06T00:00"})
    assert answer.status_code == 422
    assert "Zed" not in (await app_client.get("/oncall")).text
    assert await schedules(db, their_team) == [("primary", [zed])]


async def test_names_are_shown_as_text(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    evil = await add_member(db, team_id, "<script>alert(1)</script>", clock.now())
    await add_schedule(db, team_id, [evil], clock.now())

    page = await app_client.get("/oncall")

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_overrides_that_ended_are_not_listed(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    from datetime import timedelta

    await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    bo = await add_member(db, team_id, "Bo", clock.now())
    schedule_id = await add_schedule(db, team_id, [ana], clock.now())
    async with db.write() as session:
        schedule = await oncall_config.get_schedule(session, team_id, schedule_id)
        for hours in (-5, 5):
            start = clock.now() + timedelta(hours=hours)
            await oncall_config.create_override(session, schedule, bo, start,
                                                start + timedelta(hours=1), clock.now())

    shown = text_of((await app_client.get("/oncall")).text)

    assert "Bo from 2026-03-02 17:00 UTC to 2026-03-02 18:00 UTC" in shown
    assert "2026-03-02 07:00 UTC" not in shown
