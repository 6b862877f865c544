"""Pages that need no login: the signed acknowledge link sent in every alert.

GET shows the incident and a button; only POST acknowledges, so that mail scanners that open
links do not acknowledge incidents by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from cronbeat.api.context import Context
from cronbeat.db.models import Heartbeat, Incident
from cronbeat.errors import Conflict
from cronbeat.links import AckGrant, BadLink, read_ack
from cronbeat.messages import output_snippet, reason_text
from cronbeat.services.incidents import acknowledge, incident_facts, lock_incident
from cronbeat.services.instance import LINK_SIGNING, instance_secret

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class IncidentView:
    heartbeat_name: str
    reason_text: str
    state: str
    opened_at: str
    acknowledged_by: str | None
    output: str


async def ack_page(request: Request) -> HTMLResponse:
    context: Context = request.app.state.context
    now = context.clock.now()
    async with context.db.write() as session:
        secret = context.settings.secret_key or await instance_secret(session, LINK_SIGNING)
        try:
            grant = read_ack(secret, request.path_params["token"], now)
        except BadLink as exc:
            return _render("Link not valid", status=410 if exc.expired else 400,
                           error=exc.message)
        incident = await _locked(session, grant.incident_id)
        if incident is None:
            return _render("Link not valid", status=404, error="this incident no longer exists")
        message = None
        if request.method == "POST":
            message = await _acknowledge(session, incident, grant, now)
        heartbeat = await session.get_one(Heartbeat, incident.heartbeat_id)
        view = _view(incident, heartbeat)
    return _render("Acknowledge incident", incident=view, message=message)


async def _acknowledge(
    session: AsyncSession, incident: Incident, grant: AckGrant, now: datetime
) -> str:
    try:
        await acknowledge(session, incident, now, f"{grant.recipient} (link in alert)")
    except Conflict:
        return "This incident is already resolved: nothing to acknowledge."
    return "Acknowledged. Escalation has stopped."


async def _locked(session: AsyncSession, incident_id: int) -> Incident | None:
    incident = await session.get(Incident, incident_id)
    return None if incident is None else await lock_incident(session, incident.team_id, incident_id)


def _view(incident: Incident, heartbeat: Heartbeat) -> IncidentView:
    return IncidentView(
        heartbeat_name=heartbeat.name, reason_text=reason_text(incident_facts(incident, heartbeat)),
        state=incident.state.value, opened_at=incident.opened_at.strftime("%Y-%m-%d %H:%M UTC"),
        acknowledged_by=incident.acknowledged_by, output=output_snippet(incident.output),
    )


def _render(title: str, *, status: int = 200, **values: object) -> HTMLResponse:
    html = TEMPLATES.get_template("ack.html").render(title=title, **values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


routes = [Route("/ack/{token}", ack_page, methods=["GET", "POST"])]
