"""Logging in and out, password links, and changing one's password."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cronbeat.api.context import Context
from cronbeat.dashboard.formatting import duration
from cronbeat.dashboard.templating import render_page
from cronbeat.dashboard.web import (
    Visit,
    end_session,
    logged_in,
    page,
    redirect,
    safe_next,
    signing_secret,
    start_session,
)
from cronbeat.errors import Invalid
from cronbeat.links import BadLink, read_password_link
from cronbeat.passwords import MAX_LENGTH, fingerprint
from cronbeat.services.accounts import (
    change_password,
    check_login,
    find_user,
    get_user,
    set_password,
)

# Forms shown before there is a session carry a token that must match this cookie
# (double submit), so that no other site can log a visitor in as someone else.
PRE_SESSION_COOKIE = "cronbeat_presession"


async def login(request: Request) -> Response:
    context: Context = request.app.state.context
    target = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        if await logged_in(request, context) is not None:
            return redirect(target)
        return _pre_session_form(request, "login.html", title="Log in", next=target)
    form = await request.form(max_fields=10, max_files=0)
    if not _pre_session_ok(request, form.get("csrf_token")):
        return _pre_session_form(request, "login.html", status=403, title="Log in", next=target,
                                 error="The form expired: please try again.")
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    address = request.client.host if request.client else "unknown"
    now = context.clock.now()
    wait = context.login_limits.retry_after(email, address, now)
    if wait:
        response = _pre_session_form(
            request, "login.html", status=429, title="Log in", next=target, email=email,
            error=f"Too many failed logins: try again in {duration(wait)}.")
        response.headers["Retry-After"] = str(wait)
        return response
    user = None
    if email and password and len(password) <= MAX_LENGTH:
        async with context.db.read() as session:
            user = await check_login(session, email, password)
    if user is None:
        context.login_limits.failed(email, address, now)
        return _pre_session_form(request, "login.html", status=401, title="Log in",
                                 next=target, email=email,
                                 error="That email and password do not match an account.")
    return await start_session(redirect(target), context, user, request)


@page
async def logout(visit: Visit) -> Response:
    return end_session(redirect("/login", "You are logged out."))


@page
async def account(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return visit.render("account.html", title="Your account")
    try:
        async with visit.context.db.write() as session:
            user = await get_user(session, visit.user.id)
            await change_password(session, user, visit.field("current_password"),
                                  str(visit.form.get("new_password", "")))
    except Invalid as exc:
        return visit.render("account.html", status=422, title="Your account",
                            errors={exc.field: exc.message})
    # The old session ended with the old password; this one goes on with the new.
    return await start_session(redirect("/account", "Your password is changed."),
                               visit.context, user, visit.request)


async def password_link(request: Request) -> Response:
    """The page a password link opens: choose a password, and be logged in."""
    context: Context = request.app.state.context
    now = context.clock.now()
    try:
        grant = read_password_link(await signing_secret(context),
                                   request.path_params["token"], now)
    except BadLink as exc:
        return render_page(request, "error.html", status=410 if exc.expired else 400,
                           title="Link not valid", message=exc.message)
    async with context.db.write() as session:
        user = await find_user(session, grant.user_id)
        if user is None or not secrets.compare_digest(grant.fingerprint,
                                                      fingerprint(user.password_hash)):
            return render_page(request, "error.html", status=410, title="Link not valid",
                               message="This password link has been used already. "
                               "Log in, or ask an admin for a new link.")
        def form_page(status: int = 200, error: str | None = None) -> Response:
            return _pre_session_form(request, "password_link.html", status=status,
                                     title="Choose a password", email=user.email, error=error)

        if request.method == "GET":
            return form_page()
        form = await request.form(max_fields=10, max_files=0)
        if not _pre_session_ok(request, form.get("csrf_token")):
            return form_page(403, "The form expired: please try again.")
        try:
            await set_password(session, user, str(form.get("password", "")))
        except Invalid as exc:
            return form_page(422, exc.message)
    return await start_session(redirect("/heartbeats", "Your password is set. Welcome!"),
                               context, user, request)


def _pre_session_form(request: Request, template: str, *, status: int = 200,
                      **values: object) -> Response:
    token = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    response = render_page(request, template, status=status, csrf=token, **values)
    response.set_cookie(PRE_SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


def _pre_session_ok(request: Request, sent: object) -> bool:
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    return bool(cookie) and isinstance(sent, str) and secrets.compare_digest(sent, cookie or "")


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/account", account, methods=["GET", "POST"]),
    Route("/password/{token}", password_link, methods=["GET", "POST"]),
]
