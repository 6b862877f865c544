"""Every dashboard route, and the static files the pages use."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from cronbeat.dashboard import (
    account_pages,
    digest_pages,
    heartbeat_pages,
    incident_pages,
    maintenance_pages,
    oncall_pages,
    policy_pages,
    team_pages,
)

STATIC = Path(__file__).resolve().parent.parent / "static"


async def home(_: Request) -> RedirectResponse:
    return RedirectResponse("/heartbeats", status_code=302)


routes: list[BaseRoute] = [
    Route("/", home),
    *account_pages.routes,
    *heartbeat_pages.routes,
    *incident_pages.routes,
    *team_pages.routes,
    *digest_pages.routes,
    *oncall_pages.routes,
    *policy_pages.routes,
    *maintenance_pages.routes,
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
