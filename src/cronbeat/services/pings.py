"""Recording pings: the hot path's state change, applied to a batch in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat, Incident, Ping
from cronbeat.enums import PingKind
from cronbeat.services.flips import facts_of, settle
from cronbeat.services.incidents import SYSTEM, resolve_incident
from cronbeat.status import apply_ping


@dataclass(frozen=True)
class PingIn:
    """A ping as it arrived, before it is matched to a heartbeat."""

    token: str
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


@dataclass(frozen=True)
class BatchResult:
    found: list[bool]  # per ping: did its token match a heartbeat
    earliest_deadline: datetime | None  # the nearest deadline the batch set, to wake the worker
    incidents_changed: bool  # an incident opened or resolved: notifications may be queued


async def record_pings(session: AsyncSession, pings: Sequence[PingIn]) -> BatchResult:
    """Store each ping and apply it to its heartbeat, in arrival order.

    The heartbeat rows are locked in id order (on PostgreSQL) so that concurrent writers and the
    worker never deadlock.
    """
    tokens = {ping.token for ping in pings}
    rows = await session.scalars(
        select(Heartbeat).where(Heartbeat.token.in_(tokens)).order_by(Heartbeat.id)
        .with_for_update()
    )
    by_token = {heartbeat.token: heartbeat for heartbeat in rows}
    incidents_before = {hb.id: hb.incident_id for hb in by_token.values()}
    found = []
    for ping in pings:
        heartbeat = by_token.get(ping.token)
        found.append(heartbeat is not None)
        if heartbeat is not None:
            await record_ping(session, heartbeat, ping)
    deadlines = [hb.deadline for hb in by_token.values() if hb.deadline is not None]
    changed = any(hb.incident_id != incidents_before[hb.id] for hb in by_token.values())
    return BatchResult(found, min(deadlines, default=None), changed)


async def record_ping(session: AsyncSession, heartbeat: Heartbeat, ping: PingIn) -> Ping:
    at = ping.received_at
    outcome = apply_ping(facts_of(heartbeat), ping.kind, at, ping.rid)
    duration = outcome.duration
    if duration is None and ping.rid and ping.kind in (PingKind.SUCCESS, PingKind.FAIL):
        duration = await _duration_of_overlapping_run(session, heartbeat.id, ping.rid, at)
    row = Ping(
        heartbeat_id=heartbeat.id, received_at=at, kind=ping.kind, exit_code=ping.exit_code,
        rid=ping.rid, duration=duration, body=ping.body, body_size=ping.body_size,
        truncated=ping.truncated, method=ping.method, source_ip=ping.source_ip,
        user_agent=ping.user_agent,
    )
    session.add(row)
    if ping.kind is not PingKind.LOG:
        heartbeat.last_ping_at = at
    if outcome.resolves and heartbeat.incident_id is not None:
        incident = await session.get(Incident, heartbeat.incident_id, with_for_update=True)
        if incident is not None:
            await resolve_incident(session, incident, heartbeat, at, SYSTEM,
                                   "a successful ping arrived")
    await settle(
        session, heartbeat, outcome.facts, outcome.verdict, at, cause=f"{ping.kind.value} ping",
        exit_code=ping.exit_code, output=output_text(ping.body),
    )
    return row


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


def output_text(body: bytes) -> str:
    """Ping bodies are bytes as sent; shown as text with undecodable bytes replaced, and NUL
    too, which PostgreSQL text cannot hold."""
    return body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
