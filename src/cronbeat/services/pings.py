"""Recording pings: the hot path's state change, applied to a batch in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from cronbeat.db.models import Heartbeat, Incident, Ping, Team
from cronbeat.enums import PingKind
from cronbeat.errors import Conflict
from cronbeat.output_rules import judge, rules_of
from cronbeat.services.flips import facts_of, settle
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.incidents import SYSTEM, resolve_incident
from cronbeat.status import apply_ping


@dataclass(frozen=True)
class PingIn:
    """A ping as it arrived, before it is matched to a heartbeat: by its token, or by its
    team's ping key and its slug (`/ping/<ping-key>/<slug>`, then `token` is None)."""

    token: str | None
    kind: PingKind
    received_at: datetime
    exit_code: int | None = None
    rid: str | None = None
    body: bytes = b""
    body_size: int = 0
    truncated: bool = False
    method: str = "GET"
    source_ip: str | None = None
    user_agent: str | None = None
    slug: tuple[str, str] | None = None  # (ping key, slug)
    create: bool = False  # an unknown slug makes a heartbeat (`?create=1`)


# What `?create=1` makes of an unknown slug: named after it, a daily job with an hour's grace.
AUTO_PERIOD = 86400
AUTO_GRACE = 3600


@dataclass(frozen=True)
class BatchResult:
    found: list[bool]  # per ping: did its token or slug match (or make) a heartbeat
    earliest_deadline: datetime | None  # the nearest deadline the batch set, to wake the worker
    incidents_changed: bool  # an incident opened or resolved: notifications may be queued


async def record_pings(session: AsyncSession, pings: Sequence[PingIn]) -> BatchResult:
    """Store each ping and apply it to its heartbeat, in arrival order.

    The heartbeat rows are locked in id order (on PostgreSQL) so that concurrent writers and the
    worker never deadlock. Slug pings cost one more query, for their teams. A slug ping with
    `create` makes a heartbeat for an unknown slug of a known ping key (see `AUTO_PERIOD`).
    """
    keys = {ping.slug[0] for ping in pings if ping.slug is not None}
    team_of = await _teams_by_ping_key(session, keys) if keys else {}
    by_token, by_previous, by_slug = await _lock_heartbeats(session, pings, team_of)
    touched = {hb.id: hb for hb in [*by_token.values(), *by_previous.values(),
                                    *by_slug.values()]}
    incidents_before = {hb.id: hb.incident_id for hb in touched.values()}
    found = []
    pending: list[dict[str, Any]] = []
    for ping in pings:
        heartbeat = (by_token.get(ping.token or "") or _overlapping(by_previous, ping)
                     if ping.slug is None else by_slug.get(ping.slug))
        if heartbeat is None and ping.slug is not None and ping.create:
            key, slug = ping.slug
            if key in team_of:
                heartbeat = await _create_for_slug(session, team_of[key], slug, ping.received_at)
                by_slug[ping.slug] = touched[heartbeat.id] = heartbeat
                incidents_before.setdefault(heartbeat.id, heartbeat.incident_id)
        found.append(heartbeat is not None)
        if heartbeat is not None:
            await record_ping(session, heartbeat, ping, pending)
    await insert_pings(session, pending)
    deadlines = [hb.deadline for hb in touched.values() if hb.deadline is not None]
    changed = any(hb.incident_id != incidents_before[hb.id] for hb in touched.values())
    return BatchResult(found, min(deadlines, default=None), changed)


async def _teams_by_ping_key(session: AsyncSession, keys: set[str]) -> dict[str, int]:
    rows = await session.execute(select(Team.ping_key, Team.id).where(Team.ping_key.in_(keys)))
    return {key: team_id for key, team_id in rows}


def _overlapping(by_previous: dict[str, Heartbeat], ping: PingIn) -> Heartbeat | None:
    """The heartbeat whose token was rotated away from this ping's, if still within the
    overlap when the ping arrived."""
    heartbeat = by_previous.get(ping.token or "")
    until = None if heartbeat is None else heartbeat.previous_token_until
    return heartbeat if until is not None and ping.received_at < until else None


async def _lock_heartbeats(
    session: AsyncSession, pings: Sequence[PingIn], team_of: dict[str, int]
) -> tuple[dict[str, Heartbeat], dict[str, Heartbeat], dict[tuple[str, str], Heartbeat]]:
    tokens = {ping.token for ping in pings if ping.token is not None}
    slugs = {ping.slug for ping in pings if ping.slug is not None and ping.slug[0] in team_of}
    wanted: list[ColumnElement[bool]] = (
        [Heartbeat.token.in_(tokens), Heartbeat.previous_token.in_(tokens)] if tokens else [])
    if slugs:
        # Every team with every slug: a few rows too many at worst, sorted out below.
        wanted.append(and_(Heartbeat.team_id.in_({team_of[key] for key, _ in slugs}),
                           Heartbeat.slug.in_({slug for _, slug in slugs})))
    if not wanted:
        return {}, {}, {}
    rows = await session.scalars(
        select(Heartbeat).where(or_(*wanted)).order_by(Heartbeat.id).with_for_update()
    )
    key_of = {team_id: key for key, team_id in team_of.items()}
    by_token: dict[str, Heartbeat] = {}
    by_previous: dict[str, Heartbeat] = {}
    by_slug: dict[tuple[str, str], Heartbeat] = {}
    for heartbeat in rows:
        if heartbeat.token in tokens:
            by_token[heartbeat.token] = heartbeat
        if heartbeat.previous_token in tokens:
            by_previous[heartbeat.previous_token or ""] = heartbeat
        named = (key_of.get(heartbeat.team_id, ""), heartbeat.slug or "")
        if named in slugs:
            by_slug[named] = heartbeat
    return by_token, by_previous, by_slug


async def _create_for_slug(
    session: AsyncSession, team_id: int, slug: str, now: datetime
) -> Heartbeat:
    """The heartbeat `?create=1` asks for. If another transaction made it first, the unique
    slug refuses ours and that one is read instead."""
    spec = HeartbeatSpec(name=slug, period=AUTO_PERIOD, grace=AUTO_GRACE, slug=slug)
    try:
        return await create_heartbeat(session, team_id, spec, now)
    except Conflict:
        made = await session.scalar(
            select(Heartbeat).where(Heartbeat.team_id == team_id, Heartbeat.slug == slug)
            .with_for_update()
        )
        if made is None:  # made and deleted again in a moment: give up on this ping
            raise
        return made


async def record_ping(
    session: AsyncSession, heartbeat: Heartbeat, ping: PingIn,
    pending: list[dict[str, Any]] | None = None,
) -> None:
    """Apply `ping` to its heartbeat and store it. The heartbeat's output rules decide first
    what a success or failure counts as; the ping is stored with that kind and the rule that
    decided. The ping row is appended to `pending`, for the caller to insert with the rest of
    its batch (`insert_pings`): one statement for the whole batch instead of one round trip
    per ping, which was most of a batch's time."""
    at = ping.received_at
    output = output_text(ping.body)
    kind, rule = judge(rules_of(heartbeat.output_rules), ping.kind, output)
    outcome = apply_ping(facts_of(heartbeat), kind, at, ping.rid)
    duration = outcome.duration
    rows = [] if pending is None else pending
    if duration is None and ping.rid and kind in (PingKind.SUCCESS, PingKind.FAIL):
        await insert_pings(session, rows)  # its start may be earlier in this very batch
        duration = await _duration_of_overlapping_run(session, heartbeat.id, ping.rid, at)
    rows.append({
        "heartbeat_id": heartbeat.id, "received_at": at, "kind": kind,
        "exit_code": ping.exit_code, "rid": ping.rid, "duration": duration, "body": ping.body,
        "body_size": ping.body_size, "truncated": ping.truncated, "method": ping.method,
        "source_ip": ping.source_ip, "user_agent": ping.user_agent,
        "rule": _join(rule, outcome.note),
    })
    if pending is None:
        await insert_pings(session, rows)
    if kind is not PingKind.LOG:
        heartbeat.last_ping_at = at
    if outcome.resolves and heartbeat.incident_id is not None:
        incident = await session.get(Incident, heartbeat.incident_id, with_for_update=True)
        if incident is not None:
            await resolve_incident(session, incident, heartbeat, at, SYSTEM,
                                   "a successful ping arrived")
    await settle(
        session, heartbeat, outcome.facts, outcome.verdict, at, cause=f"{kind.value} ping",
        exit_code=ping.exit_code, output=output, detail=outcome.note,
    )


async def insert_pings(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert the ping rows gathered so far, in order, in one statement; empties `rows`."""
    if rows:
        await session.execute(insert(Ping), rows)
        rows.clear()


async def _duration_of_overlapping_run(
    session: AsyncSession, heartbeat_id: int, rid: str, at: datetime
) -> float | None:
    """An end whose rid is not the latest start's belongs to an overlapping run: find its start."""
    started = await session.scalar(
        select(Ping.received_at)
        .where(Ping.heartbeat_id == heartbeat_id, Ping.rid == rid, Ping.kind == PingKind.START)
        .order_by(Ping.id.desc()).limit(1)
    )
    return None if started is None else (at - started).total_seconds()


def _join(*notes: str | None) -> str | None:
    joined = "; ".join(note for note in notes if note)
    return joined[:300] or None  # the column's size; the rules are named first


def output_text(body: bytes) -> str:
    """Ping bodies are bytes as sent; shown as text with undecodable bytes replaced, and NUL
    too, which PostgreSQL text cannot hold."""
    return body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
