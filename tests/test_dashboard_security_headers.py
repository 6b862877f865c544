"""The pages a browser shows carry a strict Content-Security-Policy and refuse to be framed;
cookies are Secure over HTTPS; the templates hold nothing that such a policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "cronbeat" / "templates"


@pytest.mark.parametrize("path", ["/login", "/heartbeats", "/static/app.css", "/ack/bad"])
async def test_pages_forbid_inline_scripts_and_framing(
    app_client: httpx.AsyncClient, path: str
) -> None:
    answer = await app_client.get(path)
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in answer.headers  # plain HTTP here


async def test_the_api_and_ping_answers_are_left_lean(
    app_client: httpx.AsyncClient,
) -> None:
    for path in ("/api/v1/heartbeats", "/api/v1/heartbeat/nosuchtokenatall1234", "/healthz"):
        answer = await app_client.get(path)
        assert "Content-Security-Policy" not in answer.headers, path


async def test_over_https_cookies_are_secure_and_hsts_is_sent(
    db: Database, clock: FixedClock, settings: Settings, team_id: int
) -> None:
    app = create_app(settings, db=db, clock=clock, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://cronbeat.test") as c:
            answer = await c.get("/login")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in answer.headers["set-cookie"]


def test_no_template_has_inline_scripts_styles_or_handlers() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 5
    for template in templates:
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), template.name
        assert "<style" not in html, template.name
        assert not re.search(r"\sstyle=", html), template.name
        assert not re.search(r"\son[a-z]+=", html), template.name
        assert "javascript:" not in html, template.name
