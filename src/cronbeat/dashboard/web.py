"""What every dashboard page shares: the logged-in visit, CSRF checks, rendering, redirects.

A page handler receives a `Visit` (request, context, user, parsed form) and returns a
response; the `page` decorator turns it into a Starlette endpoint that refuses visitors who
are not logged in, form posts without this session's CSRF token, and renders domain errors
as pages. Handlers only parse, call a service function, and render.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from cronbeat.api.context import Context
from cronbeat.dashboard.templating import FAILED_MARK, FLASH_COOKIE, render_page
from cronbeat.db.models import User
from cronbeat.errors import NotFound
from cronbeat.links import BadLink, SessionGrant, read_session, sign_session
from cronbeat.passwords import fingerprint
from cronbeat.services.accounts import find_user
from cronbeat.services.instance import SESSION_SIGNING, instance_secret

SESSION_COOKIE = "cronbeat_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_FIELDS = 500
SAFE_METHODS = ("GET", "HEAD")


@dataclass
class Visit:
    request: Request
    context: Context
    user: User
    grant: SessionGrant
    form: FormData

    @property
    def team_id(self) -> int:
        return self.user.team_id

    @property
    def now(self) -> datetime:
        return self.context.clock.now()

    @property
    def actor(self) -> str:
        """How the timeline names what this user did."""
        return f"{self.user.name} <{self.user.email}>"

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default)
        return value.strip() if isinstance(value, str) else default

    def render(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        return render_page(self.request, template, status=status, user=self.user,
                           csrf=self.grant.csrf, now=self.now, **values)


Handler = Callable[[Visit], Awaitable[Response]]


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        context: Context = request.app.state.context
        found = await logged_in(request, context)
        if found is None:
            if request.method not in SAFE_METHODS or is_fetch(request):
                return render_page(request, "error.html", status=401, title="Logged out",
                                   message="Your session has ended: log in again.")
            return redirect("/login?" + urlencode({"next": _here(request)}))
        user, grant = found
        form = FormData()
        if request.method not in SAFE_METHODS:
            form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
            sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
            if not isinstance(sent, str) or not secrets.compare_digest(sent, grant.csrf):
                return render_page(request, "error.html", status=403, user=user,
                                   csrf=grant.csrf, title="Form expired",
                                   message="This form was not sent from this session's pages "
                                   "(or the page is too old). Go back, reload, and try again.")
        visit = Visit(request, context, user, grant, form)
        try:
            return await handler(visit)
        except NotFound as exc:
            return visit.render("error.html", status=404, title="Not found", message=exc.message)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


async def logged_in(request: Request, context: Context) -> tuple[User, SessionGrant] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    now = context.clock.now()
    try:
        grant = read_session(await signing_secret(context), token, now)
    except BadLink:
        return None
    async with context.db.read() as session:
        user = await find_user(session, grant.user_id)
    if user is None:
        return None
    # A changed password ends every session that was opened with the old one.
    if not secrets.compare_digest(grant.fingerprint, fingerprint(user.password_hash)):
        return None
    return user, grant


async def signing_secret(context: Context) -> str:
    if context.settings.secret_key:
        return context.settings.secret_key
    if SESSION_SIGNING not in context.secrets:
        async with context.db.write() as session:
            context.secrets[SESSION_SIGNING] = await instance_secret(session, SESSION_SIGNING)
    return context.secrets[SESSION_SIGNING]


async def start_session(response: Response, context: Context, user: User,
                        request: Request) -> Response:
    grant = SessionGrant(user.id, fingerprint(user.password_hash), secrets.token_urlsafe(24))
    token = sign_session(await signing_secret(context), grant, context.clock.now())
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", max_age=14 * 86400)
    return response


def end_session(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE)
    return response


def redirect(url: str, flash: str | None = None, *, failed: bool = False) -> RedirectResponse:
    """After a form post: 303, so that reloading the next page does not post again. The next
    page shows `flash`, marked as a refusal when `failed`."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        said = FAILED_MARK + flash if failed else flash
        response.set_cookie(FLASH_COOKIE, quote(said), max_age=60, httponly=True,
                            samesite="strict")
    return response


def safe_next(target: str | None) -> str:
    """Only paths on this site: a login link must not send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def is_fetch(request: Request) -> bool:
    """A refresh of part of a page by app.js, which wants only that part."""
    return request.headers.get("x-requested-with") == "fetch"
