"""Driving the dashboard over HTTP in tests: log in as a real user, post forms with the
session's CSRF token, and read what a page shows."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from cronbeat.db.engine import Database
from cronbeat.db.models import User
from cronbeat.services.accounts import set_password

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def give_password(db: Database, email: str, password: str = PASSWORD) -> None:
    async with db.write() as session:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        await set_password(session, user, password)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log `client` in through the login form; returns the session's CSRF token."""
    form = await client.get("/login")
    answer = await client.post("/login", data={
        "csrf_token": csrf_of(form.text), "email": email, "password": password,
    })
    assert answer.status_code == 303, answer.text
    page = await client.get("/account")
    assert page.status_code == 200
    return csrf_of(page.text)


async def admin_client(
    app_client: httpx.AsyncClient, db: Database, email: str = "admin@example.test"
) -> str:
    """Give the bootstrapped admin a password and log `app_client` in; returns the CSRF token.
    The client keeps its API key header: the dashboard ignores it."""
    await give_password(db, email)
    return await log_in(app_client, email)


def text_of(html: str) -> str:
    """The page's text without tags, with runs of blanks folded: for asserting what it says."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
