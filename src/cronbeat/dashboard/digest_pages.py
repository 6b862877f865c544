"""The daily digest page: when the team's digest goes out and to whom, and a button to send
it now. Everyone in the team sees it; only admins change or send it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from cronbeat.dashboard.parts import refuse_unless_admin, timezones
from cronbeat.dashboard.policy_pages import target_of, target_options, value_of
from cronbeat.dashboard.web import Visit, page, redirect
from cronbeat.errors import Invalid
from cronbeat.escalation import Target
from cronbeat.services import digests
from cronbeat.services import teams as team_service


@page
async def digest_page(visit: Visit) -> Response:
    if visit.request.method == "POST":
        return await _save(visit)
    async with visit.context.db.read() as session:
        team = await team_service.get_team(session, visit.team_id)
    spec = digests.spec_of(team)
    chosen = [value_of(t) for t in spec.targets] or ["team"]
    values = {"time": spec.time or "", "timezone": spec.timezone}
    return await _render(visit, values, chosen, next_at=team.next_digest_at)


async def _save(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    chosen = [v for v in visit.form.getlist("targets") if isinstance(v, str)]
    try:
        targets = tuple(_target(value) for value in chosen)
        spec = digests.DigestSpec(time=visit.field("time") or None,
                                  timezone=visit.field("timezone") or "UTC", targets=targets)
        async with visit.context.db.write() as session:
            team = await digests.set_digest(session, visit.team_id, spec, visit.now)
    except Invalid as exc:
        field = "targets" if exc.field.startswith("targets") else exc.field
        values = {"time": visit.field("time"), "timezone": visit.field("timezone")}
        return await _render(visit, values, chosen, errors={field: exc.message}, status=422)
    visit.context.deadline_changed(team.next_digest_at)
    if team.digest_time is None:
        return redirect("/team/digest", "The daily digest is off.")
    return redirect("/team/digest", f"The daily digest goes out at {team.digest_time} "
                    f"({team.digest_timezone}) when anything is down.")


@page
async def send_now(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    async with visit.context.db.write() as session:
        team = await team_service.get_team(session, visit.team_id)
        if not team.digest_targets:
            return redirect("/team/digest", "Not sent: choose who receives the digest and "
                            "save first.", failed=True)
        found, rows = await digests.send_digest(session, team, visit.now,
                                                visit.context.settings.resolved_base_url())
    visit.context.notifications_queued()
    if len(rows) == 1:
        return redirect(f"/team/notifications/{rows[0].id}",
                        f"The digest ({len(found.down)} down) is queued.")
    return redirect("/team/digest", f"The digest ({len(found.down)} down) is queued to "
                    f"{len(rows)} recipients.")


def _target(value: str) -> Target:
    try:
        return target_of(value, 1)
    except Invalid:
        raise Invalid("targets", "choose who receives it from the list") from None


async def _render(
    visit: Visit, values: dict[str, str], chosen: list[str], *,
    errors: dict[str, str] | None = None, status: int = 200, **extra: Any,
) -> Response:
    async with visit.context.db.read() as session:
        options = await target_options(session, visit.team_id)
    return visit.render("digest.html", status=status, title="Daily digest", values=values,
                        chosen=chosen, options=options, errors=errors or {},
                        timezones=timezones(), **extra)


routes = [
    Route("/team/digest", digest_page, methods=["GET", "POST"]),
    Route("/team/digest/send", send_now, methods=["POST"]),
]
