"""Status badges to embed in a README or a wiki: SVG, and JSON for shields.io's endpoint badge.

A badge needs no login, so its URL carries an HMAC of what it shows, made with the instance
secret: nobody can guess another heartbeat's badge, and no table has to store the URLs. A
wrong signature answers 404, like a badge that does not exist, so probing learns nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cronbeat.api.auth import Ctx, Reader
from cronbeat.api.context import Context
from cronbeat.api.errors import READ, responses
from cronbeat.api.schemas import HeartbeatId
from cronbeat.config import Settings
from cronbeat.db.models import Heartbeat, HeartbeatTag, InstanceSecret
from cronbeat.enums import Status
from cronbeat.errors import NotFound
from cronbeat.services.heartbeats import get_heartbeat
from cronbeat.services.instance import LINK_SIGNING, instance_secret

COLORS = {
    Status.UP: "#4c1", Status.LATE: "#fe7d37", Status.DOWN: "#e05d44",
    Status.RUNNING: "#007ec6", Status.PAUSED: "#9f9f9f", Status.PENDING: "#9f9f9f",
}
NO_HEARTBEATS = "no heartbeats"
GREY = "#9f9f9f"
# Worst first. A tag shows the worst status among its heartbeats: down, late, running, up,
# pending, paused. Paused comes last because a paused heartbeat never alerts.
WORST_FIRST = (Status.DOWN, Status.LATE, Status.RUNNING, Status.UP, Status.PENDING,
               Status.PAUSED)
HEADERS = {"Cache-Control": "no-cache"}
FORMATS = ("svg", "json")
_NARROW = frozenset("fijlrtI.,:;'!|()[]{} ")
_WIDE = frozenset("mwMW@%")


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    color: str


class BadgeUrls(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    svg: str = Field(description="An SVG image to embed")
    json_url: str = Field(alias="json", description="For https://img.shields.io/endpoint?url=")


# --- signing -------------------------------------------------------------------------------

def sign(secret: str, subject: bytes) -> str:
    """HMAC-SHA256 of `subject`, cut to 128 bits: plenty against guessing, short in a URL."""
    digest = hmac.new(secret.encode(), subject, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def heartbeat_subject(heartbeat_id: int) -> bytes:
    return f"badge:heartbeat:{heartbeat_id}".encode()


def tag_subject(team_id: int, tag: str) -> bytes:
    return f"badge:tag:{team_id}:{tag}".encode()


def _signed(secret: str, subject: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, subject).encode(), signature.encode())


# --- rendering -----------------------------------------------------------------------------

def worst(statuses: Iterable[Status]) -> Status | None:
    present = set(statuses)
    return next((status for status in WORST_FIRST if status in present), None)


def _text_width(text: str) -> int:
    """A rough width in pixels of `text` in 11px Verdana: enough to size a badge."""
    return sum(4 if c in _NARROW else 10 if c in _WIDE or c.isupper() else 7 for c in text)


def render_svg(badge: Badge) -> str:
    label, message = escape(badge.label), escape(badge.message)
    left, right = _text_width(badge.label) + 10, _text_width(badge.message) + 10
    width = left + right
    title = escape(f"{badge.label}: {badge.message}", {'"': "&quot;"})
    text = ('<text x="{x}" y="15" fill="#010101" fill-opacity=".3">{t}</text>'
            '<text x="{x}" y="14">{t}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{badge.color}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        + text.format(x=left / 2, t=label) + text.format(x=left + right / 2, t=message)
        + "</g></svg>"
    )


def _answer(badge: Badge, fmt: str) -> Response:
    if fmt == "json":
        return JSONResponse({"schemaVersion": 1, "label": badge.label,
                             "message": badge.message, "color": badge.color}, headers=HEADERS)
    return Response(render_svg(badge), media_type="image/svg+xml", headers=HEADERS)


# --- public badges -------------------------------------------------------------------------

def _not_found() -> Response:
    return Response("no such badge\n", status_code=404, media_type="text/plain")


async def _existing_secret(session: AsyncSession, settings: Settings) -> str | None:
    # Read only: the secret exists once any badge URL has been handed out.
    if settings.secret_key:
        return settings.secret_key
    row = await session.get(InstanceSecret, LINK_SIGNING)
    return None if row is None else row.value


async def heartbeat_badge(request: Request) -> Response:
    context: Context = request.app.state.context
    heartbeat_id, fmt = request.path_params["heartbeat_id"], request.path_params["fmt"]
    if fmt not in FORMATS:
        return _not_found()
    async with context.db.read() as session:
        secret = await _existing_secret(session, context.settings)
        if secret is None or not _signed(secret, heartbeat_subject(heartbeat_id),
                                         request.path_params["sig"]):
            return _not_found()
        heartbeat = await session.get(Heartbeat, heartbeat_id)
    if heartbeat is None:
        return _not_found()
    return _answer(Badge(heartbeat.name, heartbeat.status.value, COLORS[heartbeat.status]), fmt)


async def tag_badge(request: Request) -> Response:
    context: Context = request.app.state.context
    team_id = request.path_params["team_id"]
    tag, _, fmt = str(request.path_params["rest"]).rpartition(".")
    if fmt not in FORMATS or not tag:
        return _not_found()
    async with context.db.read() as session:
        secret = await _existing_secret(session, context.settings)
        if secret is None or not _signed(secret, tag_subject(team_id, tag),
                                         request.path_params["sig"]):
            return _not_found()
        status = worst(await _tag_statuses(session, team_id, tag))
    if status is None:
        return _answer(Badge(tag, NO_HEARTBEATS, GREY), fmt)
    return _answer(Badge(tag, status.value, COLORS[status]), fmt)


async def _tag_statuses(session: AsyncSession, team_id: int, tag: str) -> list[Status]:
    tagged = select(HeartbeatTag.heartbeat_id).where(HeartbeatTag.tag == tag)
    rows = await session.scalars(select(Heartbeat.status).where(
        Heartbeat.team_id == team_id, Heartbeat.id.in_(tagged)))
    return list(rows)


routes = [
    Route("/badge/{sig}/heartbeat/{heartbeat_id:int}.{fmt}", heartbeat_badge, methods=["GET"]),
    Route("/badge/{sig}/tag/{team_id:int}/{rest:path}", tag_badge, methods=["GET"]),
]


# --- where the badges are: for people with an API key ----------------------------------------

router = APIRouter(tags=["badges"])


def _urls(ctx: Context, secret: str, subject: bytes, path: str) -> BadgeUrls:
    base = f"{ctx.settings.resolved_base_url()}/badge/{sign(secret, subject)}/{path}"
    return BadgeUrls(svg=f"{base}.svg", json_url=f"{base}.json")


@router.get("/api/v1/heartbeats/{heartbeat_id}/badges", responses=responses(*READ, 404))
async def heartbeat_badges(heartbeat_id: HeartbeatId, who: Reader, ctx: Ctx) -> BadgeUrls:
    """The URLs of this heartbeat's badge; they need no API key."""
    async with ctx.db.write() as session:
        await get_heartbeat(session, who.team_id, heartbeat_id)
        secret = ctx.settings.secret_key or await instance_secret(session, LINK_SIGNING)
    return _urls(ctx, secret, heartbeat_subject(heartbeat_id), f"heartbeat/{heartbeat_id}")


@router.get("/api/v1/badges", responses=responses(*READ, 404))
async def tag_badges(
    tag: Annotated[str, Query(min_length=1, max_length=50, description="A tag")],
    who: Reader, ctx: Ctx,
) -> BadgeUrls:
    """The URLs of the badge that shows the worst status among the heartbeats with `tag`."""
    async with ctx.db.write() as session:
        if not await _tag_statuses(session, who.team_id, tag):
            raise NotFound(f"no heartbeat has the tag {tag!r}")
        secret = ctx.settings.secret_key or await instance_secret(session, LINK_SIGNING)
    path = f"tag/{who.team_id}/{quote(tag, safe='')}"
    return _urls(ctx, secret, tag_subject(who.team_id, tag), path)
