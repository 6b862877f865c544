"""The team page's members: listed with how each is reached; admins add and remove members
and contact methods and hand out password links; other members only look."""

from __future__ import annotations

import re

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.escalation import Policy, Step, Target, TargetKind
from cronbeat.services import people
from dashboard_helpers import PASSWORD, admin_client, csrf_of, give_password, log_in, text_of
from helpers import add_member, other_team, set_team_policy


async def members(db: Database, team_id: int) -> list[str]:
    async with db.read() as session:
        return [m.email for m in await people.list_members(session, team_id)]


async def as_member(app_client: httpx.AsyncClient, db: Database, team_id: int,
                    clock: FixedClock) -> str:
    """Log the client in as Bea, a member who is not an admin; returns her CSRF token."""
    await add_member(db, team_id, "Bea", clock.now())
    await give_password(db, "bea@example.test")
    app_client.cookies.clear()
    return await log_in(app_client, "bea@example.test")


async def test_it_lists_members_with_their_contact_methods(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    bea = await add_member(db, team_id, "Bea", clock.now())
    async with db.write() as session:
        member = await people.get_member(session, team_id, bea)
        await people.add_contact_method(session, member, people.ChannelKind.EMAIL,
                                        "bea.pager@example.test", "pager", clock.now())

    shown = text_of((await app_client.get("/team")).text)

    assert "Admin admin admin@example.test UTC their account email" in shown
    assert "Bea bea@example.test UTC email bea.pager@example.test (pager)" in shown


async def test_an_admin_adds_a_member_and_a_contact_method(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)

    added = await app_client.post("/team/members", data={
        "csrf_token": csrf, "name": "Cy", "email": "cy@example.test",
        "timezone": "Europe/Riga"})
    assert (added.status_code, added.headers["location"]) == (303, "/team")
    assert "cy@example.test" in await members(db, team_id)
    async with db.read() as session:
        [cy] = [m for m in await people.list_members(session, team_id) if m.name == "Cy"]
    method = await app_client.post(f"/team/members/{cy.id}/contact-methods", data={
        "csrf_token": csrf, "kind": "apprise", "target": "json://127.0.0.1:9/hook",
        "label": "phone"})

    assert method.status_code == 303
    page = await app_client.get("/team")
    assert "Cy can be reached by apprise now." in page.text
    assert "Cy cy@example.test Europe/Riga apprise json://127.0.0.1:9/hook (phone)" in (
        text_of(page.text))


async def test_mistakes_are_shown_beside_the_field_and_nothing_is_added(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    csrf = await admin_client(app_client, db)

    bad_zone = await app_client.post("/team/members", data={
        "csrf_token": csrf, "name": "Cy", "email": "cy@example.test", "timezone": "Mars/Base"})
    taken = await app_client.post("/team/members", data={
        "csrf_token": csrf, "name": "Cy", "email": "ADMIN@example.test"})
    bad_method = await app_client.post("/team/members/1/contact-methods", data={
        "csrf_token": csrf, "kind": "webhook", "target": "http://127.0.0.1:9/"})

    assert bad_zone.status_code == 422
    assert 'id="member.timezone-error"' in bad_zone.text and "Mars/Base" in bad_zone.text
    assert 'value="cy@example.test"' in bad_zone.text  # what was typed is kept
    assert taken.status_code == 409
    assert "already belongs to a member" in taken.text
    assert bad_method.status_code == 422
    assert "choose email or apprise" in bad_method.text
    assert await members(db, team_id) == ["admin@example.test"]


async def test_an_admin_removes_a_member_unless_a_policy_pages_them(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    bea = await add_member(db, team_id, "Bea", clock.now())
    cy = await add_member(db, team_id, "Cy", clock.now())
    await set_team_policy(db, team_id, Policy(steps=(Step(0, (Target(TargetKind.USER, cy),)),)),
                          clock.now())

    removed = await app_client.post(f"/team/members/{bea}/delete", data={"csrf_token": csrf},
                                    follow_redirects=True)
    refused = await app_client.post(f"/team/members/{cy}/delete", data={"csrf_token": csrf},
                                    follow_redirects=True)

    assert "Bea is no longer a member." in removed.text
    assert f"Not removed: member {cy} is a target of policy" in text_of(refused.text)
    assert await members(db, team_id) == ["admin@example.test", "cy@example.test"]


async def test_a_password_link_is_shown_once_and_lets_the_member_in(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    bea = await add_member(db, team_id, "Bea", clock.now())

    shown = await app_client.post(f"/team/members/{bea}/password-link",
                                  data={"csrf_token": csrf})

    assert shown.status_code == 200
    found = re.search(r'<code id="password-link">http://cronbeat\.test(/password/[^<]+)</code>',
                      shown.text)
    assert found, shown.text
    assert 'data-copy="#password-link"' in shown.text
    app_client.cookies.clear()
    form = await app_client.get(found.group(1))
    assert form.status_code == 200 and "bea@example.test" in form.text
    chosen = await app_client.post(found.group(1), data={
        "csrf_token": csrf_of(form.text), "password": PASSWORD})
    assert chosen.status_code == 303


async def test_a_member_who_is_not_an_admin_sees_the_team_but_cannot_change_it(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await as_member(app_client, db, team_id, clock)
    admin_id = 1

    page = await app_client.get("/team")
    assert page.status_code == 200
    assert "Only admins change the team" in page.text
    assert "Add a member" not in page.text and "Password link" not in page.text
    for path, data in (
        ("/team/members", {"name": "Eve", "email": "eve@example.test"}),
        (f"/team/members/{admin_id}/delete", {}),
        (f"/team/members/{admin_id}/password-link", {}),
        (f"/team/members/{admin_id}/contact-methods", {"kind": "email",
                                                       "target": "eve@example.test"}),
    ):
        answer = await app_client.post(path, data={"csrf_token": csrf, **data})
        assert answer.status_code == 403, path
        assert "Only an admin of the team can change this." in answer.text
        assert "/password/" not in answer.text
    assert await members(db, team_id) == ["admin@example.test", "bea@example.test"]


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int
):
    await admin_client(app_client, db)

    answer = await app_client.post("/team/members", data={
        "name": "Eve", "email": "eve@example.test"})

    assert answer.status_code == 403
    assert await members(db, team_id) == ["admin@example.test"]


async def test_another_teams_member_is_a_404_page_and_never_shown(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    theirs = await add_member(db, await other_team(db, clock.now()), "Zed", clock.now())

    for path in (f"/team/members/{theirs}/delete", f"/team/members/{theirs}/password-link",
                 f"/team/members/{theirs}/contact-methods"):
        answer = await app_client.post(path, data={"csrf_token": csrf, "kind": "email",
                                                   "target": "x@example.test"})
        assert answer.status_code == 404, path
        assert "zed@example.test" not in answer.text
    assert "zed@example.test" not in (await app_client.get("/team")).text


async def test_names_are_shown_as_text(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    await add_member(db, team_id, "<script>alert(1)</script>", clock.now())

    page = await app_client.get("/team")

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
