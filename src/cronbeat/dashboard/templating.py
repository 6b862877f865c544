"""The dashboard's Jinja2 environment. Autoescaping is on for every template: names, tags and
job output are shown as text, never as markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cronbeat import __version__
from cronbeat.dashboard import formatting

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "dashboard"
FLASH_COOKIE = "cronbeat_flash"
FAILED_MARK = "\x00"  # a flash cookie starting with it says something was refused
NAV = (
    ("/heartbeats", "Heartbeats"), ("/incidents", "Incidents"), ("/oncall", "On-call"),
    ("/policies", "Policies"), ("/maintenance", "Maintenance"), ("/team", "Team"),
)
HEADERS = {"Cache-Control": "no-store"}

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True),
    trim_blocks=True, lstrip_blocks=True,
)
env.filters.update(duration=formatting.duration, iso=formatting.iso)
env.globals.update(nav=NAV, version=__version__, ago=formatting.ago, local=formatting.local,
                   reason=formatting.reason, clock_time=formatting.clock_time,
                   shift_length=formatting.shift_length,
                   window_when=formatting.window_when)


def render_page(request: Request, template: str, *, status: int = 200,
                **values: Any) -> HTMLResponse:
    flash = request.cookies.get(FLASH_COOKIE)
    said = unquote(flash) if flash else None
    failed = said is not None and said.startswith(FAILED_MARK)
    values.setdefault("user", None)
    html = env.get_template(template).render(
        request=request, path=request.url.path,
        flash=said.removeprefix(FAILED_MARK) if said else None, flash_failed=failed, **values,
    )
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def render_fragment(template: str, **values: Any) -> str:
    return env.get_template(template).render(**values)
