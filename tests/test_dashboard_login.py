"""Logging in and out of the dashboard, password links, and password changes."""

from __future__ import annotations

import re

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.links import PASSWORD_LIFETIME
from cronbeat.services.accounts import password_link, user_by_email
from dashboard_helpers import PASSWORD, csrf_of, give_password, log_in

EMAIL = "admin@example.test"


async def _link(db: Database, settings: Settings, clock: FixedClock) -> str:
    async with db.write() as session:
        user = await user_by_email(session, EMAIL)
        assert user is not None
        link = await password_link(session, settings, user, clock.now())
    return link.removeprefix(settings.resolved_base_url())


async def test_a_visitor_without_a_session_is_sent_to_the_login_page(
    app_client: httpx.AsyncClient,
) -> None:
    answer = await app_client.get("/heartbeats?tag=db")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fheartbeats%3Ftag%3Ddb"


async def test_the_right_password_logs_in_and_a_wrong_one_does_not(
    app_client: httpx.AsyncClient, db: Database
) -> None:
    await give_password(db, EMAIL)
    form = await app_client.get("/login")
    wrong = await app_client.post("/login", data={
        "csrf_token": csrf_of(form.text), "email": EMAIL, "password": "not it at all"})
    assert wrong.status_code == 401
    assert "do not match an account" in wrong.text
    assert "cronbeat_session" not in wrong.headers.get("set-cookie", "")
    await log_in(app_client, EMAIL.upper())  # emails are matched without case
    assert (await app_client.get("/account")).status_code == 200


async def test_a_login_form_without_its_token_is_refused(
    app_client: httpx.AsyncClient, db: Database
) -> None:
    await give_password(db, EMAIL)
    await app_client.get("/login")
    answer = await app_client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 403
    assert "cronbeat_session" not in answer.headers.get("set-cookie", "")


async def test_login_only_sends_people_to_pages_of_this_site(
    app_client: httpx.AsyncClient, db: Database
) -> None:
    await give_password(db, EMAIL)
    for target, expected in (("/incidents", "/incidents"), ("//evil.example/", "/"),
                             ("https://evil.example/", "/")):
        app_client.cookies.clear()
        form = await app_client.get("/login", params={"next": target})
        answer = await app_client.post("/login", params={"next": target}, data={
            "csrf_token": csrf_of(form.text), "email": EMAIL, "password": PASSWORD})
        assert answer.headers["location"] == expected


async def test_logging_out_ends_the_session_and_needs_the_csrf_token(
    app_client: httpx.AsyncClient, db: Database
) -> None:
    await give_password(db, EMAIL)
    csrf = await log_in(app_client, EMAIL)
    refused = await app_client.post("/logout")
    assert refused.status_code == 403
    assert (await app_client.get("/account")).status_code == 200
    done = await app_client.post("/logout", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert (await app_client.get("/account")).status_code == 303


async def test_a_password_link_sets_the_password_once_and_logs_in(
    app_client: httpx.AsyncClient, db: Database, settings: Settings, clock: FixedClock
) -> None:
    link = await _link(db, settings, clock)
    form = await app_client.get(link)
    assert form.status_code == 200 and EMAIL in form.text
    short = await app_client.post(link, data={"csrf_token": csrf_of(form.text), "password": "abc"})
    assert short.status_code == 422
    assert "at least 8 characters" in short.text
    done = await app_client.post(link, data={"csrf_token": csrf_of(form.text),
                                            "password": "a new password"})
    assert done.status_code == 303 and done.headers["location"] == "/heartbeats"
    assert (await app_client.get("/account")).status_code == 200
    again = await app_client.get(link)
    assert again.status_code == 410
    assert "used already" in again.text


async def test_a_password_link_expires_after_a_week(
    app_client: httpx.AsyncClient, db: Database, settings: Settings, clock: FixedClock
) -> None:
    link = await _link(db, settings, clock)
    clock.advance(PASSWORD_LIFETIME.total_seconds())
    answer = await app_client.get(link)
    assert answer.status_code == 410
    assert "expired" in answer.text
    assert (await app_client.get(link[:-3] + "abc")).status_code == 400


async def test_changing_the_password_ends_other_sessions(
    app_client: httpx.AsyncClient, db: Database
) -> None:
    await give_password(db, EMAIL)
    other = httpx.AsyncClient(transport=app_client._transport, base_url=app_client.base_url)
    async with other:
        await log_in(other, EMAIL)
        csrf = await log_in(app_client, EMAIL)
        wrong = await app_client.post("/account", data={
            "csrf_token": csrf, "current_password": "nope", "new_password": "another one!"})
        assert wrong.status_code == 422 and "current password is not right" in wrong.text
        changed = await app_client.post("/account", data={
            "csrf_token": csrf, "current_password": PASSWORD, "new_password": "another one!"})
        assert changed.status_code == 303
        assert (await app_client.get("/account")).status_code == 200
        assert (await other.get("/account")).status_code == 303
        await log_in(other, EMAIL, "another one!")


@pytest.mark.parametrize("path", ["/account", "/heartbeats"])
async def test_a_forged_session_cookie_is_not_a_session(
    app_client: httpx.AsyncClient, path: str
) -> None:
    forged = "eyJ1IjoxLCJmIjoiIiwiYyI6IngiLCJlIjo5OTk5OTk5OTk5fQ.bad-signature"
    app_client.cookies.set("cronbeat_session", forged)
    answer = await app_client.get(path)
    assert answer.status_code == 303
    assert re.match(r"/login\?next=", answer.headers["location"])


async def test_guessing_passwords_is_stopped_with_429_and_retry_after(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await give_password(db, EMAIL)
    form = await app_client.get("/login")

    async def attempt(password: str, email: str = EMAIL) -> httpx.Response:
        return await app_client.post("/login", data={
            "csrf_token": csrf_of(form.text), "email": email, "password": password})

    for n in range(10):
        assert (await attempt(f"guess {n}")).status_code == 401
    blocked = await attempt(PASSWORD)  # even the right password waits: no oracle
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "90"  # one attempt back every 90 s
    assert "Too many failed logins: try again in 1 min 30 s" in blocked.text
    # Another account is not blocked by this one's failures.
    assert (await attempt("nope", "someone@example.test")).status_code == 401
    clock.advance(90)
    assert (await attempt(PASSWORD)).status_code == 303


async def test_one_address_cannot_guess_across_many_accounts(
    app_client: httpx.AsyncClient, db: Database
) -> None:
    form = await app_client.get("/login")
    statuses = [
        (await app_client.post("/login", data={
            "csrf_token": csrf_of(form.text), "email": f"user{n}@example.test",
            "password": "guess"})).status_code
        for n in range(51)
    ]
    assert statuses[:50] == [401] * 50 and statuses[50] == 429
