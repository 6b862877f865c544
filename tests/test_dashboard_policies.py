"""The policy pages: policies in words, an editor of numbered step rows (empty rows are no
step), the default, and deleting; the service's own errors are shown on the form."""

from __future__ import annotations

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services import oncall_config
from dashboard_helpers import admin_client, give_password, log_in, text_of
from helpers import add_channel, add_member, other_team, set_team_policy


async def stored(db: Database, team_id: int) -> dict[str, oncall_config.PolicySpec]:
    async with db.read() as session:
        return {p.name: oncall_config.policy_spec_of(p)
                for p in await oncall_config.list_policies(session, team_id)}


async def default_of(db: Database, team_id: int) -> int | None:
    async with db.read() as session:
        return await oncall_config.default_policy_id(session, team_id)


def rows(*steps: tuple[str, list[str]], empty: int = 0) -> dict[str, object]:
    data: dict[str, object] = {}
    for n, (wait, targets) in enumerate([*steps, *[("", [])] * empty]):
        data[f"step_{n}_wait"] = wait
        if targets:
            data[f"step_{n}_targets"] = targets
    return data


async def test_policies_are_listed_in_words(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    await admin_client(app_client, db)

    page = await app_client.get("/policies")

    assert page.status_code == 200
    assert ("Default default at once: Whoever is on call (first schedule) "
            "after 5 min: The whole team") in text_of(page.text)


async def test_an_admin_creates_a_policy_from_numbered_rows_skipping_empty_ones(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    ana = await add_member(db, team_id, "Ana", clock.now())
    hook = await add_channel(db, team_id, "webhook", "http://127.0.0.1:9/hook", clock.now())
    form = await app_client.get("/policies/new")
    assert 'name="step_2_wait"' in form.text and f'value="user:{ana}"' in form.text

    made = await app_client.post("/policies/new", data={
        "csrf_token": csrf, "name": "databases", "repeat": "2", "repeat_delay": "15",
        **rows(("0", [f"user:{ana}", f"channel:{hook}"]), ("", []), ("10", ["team"]))})

    assert (made.status_code, made.headers["location"]) == (303, "/policies")
    assert (await stored(db, team_id))["databases"] == oncall_config.PolicySpec(
        name="databases", repeat=2, repeat_delay=900, steps=(
            Step(0, (Target(TargetKind.USER, ana), Target(TargetKind.CHANNEL, hook))),
            Step(600, (Target(TargetKind.TEAM),))))
    listed = text_of((await app_client.get("/policies")).text)
    assert ("databases Make default Delete at once: Ana, Channel: webhook channel after 10 min: "
            "The whole "
            "team Then all over again 2 more times, 15 min after the last step.") in listed


async def test_emptying_a_row_removes_its_step(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)
    policy_id = await default_of(db, team_id)
    form = await app_client.get(f"/policies/{policy_id}")
    assert '<option value="oncall" selected>' in form.text
    assert 'name="step_1_wait" inputmode="decimal" value="5"' in form.text
    assert 'name="step_4_wait"' in form.text  # three empty rows to add steps

    saved = await app_client.post(f"/policies/{policy_id}", data={
        "csrf_token": csrf, "name": "Default", "repeat": "0", "repeat_delay": "0",
        **rows(("", []), ("5", ["team"]), empty=3)})

    assert saved.status_code == 303
    assert (await stored(db, team_id))["Default"].steps == (Step(300, (Target(TargetKind.TEAM),)),)


async def test_mistakes_are_shown_on_the_form_and_nothing_is_saved(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)
    before = await stored(db, team_id)

    for data, field, words in (
        (rows(empty=3), "steps", "a policy needs 1 to 20 steps"),
        (rows(("soon", ["team"])), "steps", "step 1: wait must be a number of minutes"),
        (rows(("5", []), ("0", ["team"])), "steps", "step 1: give 1 to 20 targets"),
        (rows(("0", ["user:999"])), "steps", "no member with id 999 in this team"),
        (rows(("0", ["nobody:1"])), "steps", "step 1: choose whom to notify from the list"),
        ({**rows(("0", ["team"])), "repeat": "3"}, "repeat_delay",
         "a repeating policy needs a repeat_delay or a wait"),
        ({**rows(("0", ["team"])), "repeat": "x"}, "repeat", "must be a whole number"),
        ({**rows(("0", ["team"])), "name": ""}, "name", "must not be empty"),
    ):
        answer = await app_client.post("/policies/new", data={
            "csrf_token": csrf, "name": "broken", **data})
        assert answer.status_code == 422, data
        assert f'id="{field}-error"' in answer.text, (data, answer.text)
        assert words in answer.text, data
    assert await stored(db, team_id) == before


async def test_the_default_can_move_but_not_be_deleted(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    first = await default_of(db, team_id)
    other = await set_team_policy(db, team_id, Policy(steps=(Step(0, (Target(TargetKind.TEAM),)),)),
                                  clock.now())
    assert await default_of(db, team_id) == other

    refused = await app_client.post(f"/policies/{other}/delete", data={"csrf_token": csrf},
                                    follow_redirects=True)
    assert (f"Not deleted: policy {other} is the team&#39;s default: make another policy the "
            "default first.") in refused.text
    moved = await app_client.post(f"/policies/{first}/default", data={"csrf_token": csrf},
                                  follow_redirects=True)
    assert "Default is the default policy now." in moved.text
    deleted = await app_client.post(f"/policies/{other}/delete", data={"csrf_token": csrf},
                                    follow_redirects=True)
    assert "The policy test policy is deleted." in deleted.text
    assert list(await stored(db, team_id)) == ["Default"]
    assert await default_of(db, team_id) == first


async def test_a_member_who_is_not_an_admin_sees_policies_but_cannot_change_them(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    csrf = await log_in(app_client, "bea@example.test")
    policy_id = await default_of(db, team_id)
    before = await stored(db, team_id)

    assert "New policy" not in (await app_client.get("/policies")).text
    assert "Only admins change policies" in (await app_client.get(f"/policies/{policy_id}")).text
    for path in ("/policies/new", f"/policies/{policy_id}", f"/policies/{policy_id}/default",
                 f"/policies/{policy_id}/delete"):
        answer = await app_client.post(path, data={
            "csrf_token": csrf, "name": "mine", **rows(("0", ["team"]))})
        assert answer.status_code == 403, path
    assert await stored(db, team_id) == before


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    await admin_client(app_client, db)
    policy_id = await default_of(db, team_id)
    before = await stored(db, team_id)

    answer = await app_client.post(f"/policies/{policy_id}", data={
        "name": "hijacked", **rows(("0", ["team"]))})

    assert answer.status_code == 403
    assert await stored(db, team_id) == before


async def test_another_teams_policy_is_a_404_page_and_never_shown(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    their_team = await other_team(db, clock.now())
    theirs = await set_team_policy(db, their_team, Policy(steps=(
        Step(0, (Target(TargetKind.TEAM),)),)), clock.now())
    zed = await add_member(db, their_team, "Zed", clock.now())

    assert (await app_client.get(f"/policies/{theirs}")).status_code == 404
    for path in (f"/policies/{theirs}", f"/policies/{theirs}/default",
                 f"/policies/{theirs}/delete"):
        answer = await app_client.post(path, data={
            "csrf_token": csrf, "name": "stolen", **rows(("0", ["team"]))})
        assert answer.status_code == 404, path
    # Nor can this team's policy page their member.
    answer = await app_client.post("/policies/new", data={
        "csrf_token": csrf, "name": "sneaky", **rows(("0", [f"user:{zed}"]))})
    assert answer.status_code == 422
    listed = (await app_client.get("/policies")).text
    assert "test policy" not in listed and "Zed" not in listed
    assert list(await stored(db, their_team)) == ["test policy"]
    assert await default_of(db, their_team) == theirs


async def test_names_are_shown_as_text(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    evil = await add_member(db, team_id, "<script>alert(1)</script>", clock.now())
    await app_client.post("/policies/new", data={
        "csrf_token": csrf, "name": "<b>bold</b>", **rows(("0", [f"user:{evil}"]))})

    for path in ("/policies", "/policies/new"):
        page = await app_client.get(path)
        assert "<script>alert(1)</script>" not in page.text and "<b>bold</b>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
