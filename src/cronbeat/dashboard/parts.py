"""Small things the incident, team, on-call and policy pages share: live fragments, the
admin check, and reading numbers from forms."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from starlette.responses import HTMLResponse

from cronbeat.dashboard.templating import HEADERS, render_fragment
from cronbeat.dashboard.web import Visit
from cronbeat.errors import Invalid, NotFound

MAX_ID = 2**63 - 1  # ids are 64-bit; a larger number in a URL names nothing
# app.js asks for `data-live` fragments with this header; a handler answers with the fragment
# alone when it is present, and with the whole page otherwise.
FETCH_HEADER = "x-requested-with"


def wants_fragment(visit: Visit) -> bool:
    return visit.request.headers.get(FETCH_HEADER) == "fetch"


def fragment(visit: Visit, template: str, **values: Any) -> HTMLResponse:
    html = render_fragment(template, user=visit.user, csrf=visit.grant.csrf, now=visit.now,
                           **values)
    return HTMLResponse(html, headers=HEADERS)


def refuse_unless_admin(visit: Visit) -> HTMLResponse | None:
    """Members see the team's setup; only admins change it."""
    if visit.user.is_admin:
        return None
    return visit.render("error.html", status=403, title="Admins only",
                        message="Only an admin of the team can change this. "
                        "Ask an admin to make the change for you.")


def whole_number(visit: Visit, name: str, *, default: int | None = None,
                 scale: int = 1) -> int:
    """A form field holding a whole number (times `scale`, e.g. minutes to seconds)."""
    text = visit.field(name)
    if not text and default is not None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise Invalid(name, "must be a whole number, such as 5")
    return int(text) * scale


def path_id(visit: Visit, name: str, what: str) -> int:
    """An id from the URL (routes match digits only); one no row can have is simply not found,
    never a database error."""
    value = int(visit.request.path_params[name])
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"no {what} with id {value}")
    return value


@functools.cache
def timezones() -> list[str]:
    """Every IANA time zone name, for the forms' suggestions."""
    return sorted(zoneinfo.available_timezones())
