"""Incidents: opened when a heartbeat goes down, acknowledged by a person, resolved by the
next success or by hand. Every change is also an event on the incident's timeline."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat, Incident, IncidentEvent
from cronbeat.enums import EventKind, IncidentReason, IncidentState
from cronbeat.errors import Conflict, NotFound
from cronbeat.messages import IncidentFacts
from cronbeat.services.escalations import send_recovery, start_escalation, stop_escalation

SYSTEM = "cronbeat"


async def open_incident(
    session: AsyncSession,
    heartbeat: Heartbeat,
    reason: IncidentReason,
    at: datetime,
    *,
    exit_code: int | None = None,
    output: str = "",
    detail: str = "",
) -> Incident:
    # Inserted at once for its id, which the rows that follow point to, but without flushing
    # everything else pending: the worker opens many incidents in one transaction, and their
    # flips, events and notifications are then written together, a statement per table,
    # rather than a handful of statements per incident.
    incident = (await session.scalars(
        insert(Incident).returning(Incident),
        [{"team_id": heartbeat.team_id, "heartbeat_id": heartbeat.id, "state": IncidentState.OPEN,
          "reason": reason, "exit_code": exit_code, "output": output, "detail": detail,
          "opened_at": at}],
        execution_options={"autoflush": False},
    )).one()
    heartbeat.incident_id = incident.id
    session.add(IncidentEvent(
        incident_id=incident.id, at=at, kind=EventKind.OPENED, actor=SYSTEM,
        detail=detail or _describe(reason, exit_code),
    ))
    parent = await _down_parent(session, heartbeat)
    if parent is not None:
        incident.suppressed_by = parent.incident_id
        session.add(IncidentEvent(
            incident_id=incident.id, at=at, kind=EventKind.SUPPRESSED, actor=SYSTEM,
            detail=f"{parent.name!r}, which this heartbeat depends on, is down (incident "
                   f"{parent.incident_id}): nobody is paged until it recovers",
        ))
        return incident
    await start_escalation(session, incident, heartbeat, at)
    return incident


async def _down_parent(session: AsyncSession, heartbeat: Heartbeat) -> Heartbeat | None:
    """The heartbeat this one depends on, if it has an incident not yet resolved."""
    if heartbeat.depends_on_id is None:
        return None
    parent = await session.get(Heartbeat, heartbeat.depends_on_id)
    return parent if parent is not None and parent.incident_id is not None else None


def is_suppressed(incident: Incident) -> bool:
    """Opened while its parent was down, and not yet released: nobody has been paged."""
    return (incident.suppressed_by is not None and incident.policy is None
            and incident.state is not IncidentState.RESOLVED)


async def release_suppressed(session: AsyncSession, parent: Incident, at: datetime) -> None:
    """The parent's incident is over (or gone): the incidents it suppressed that are still
    open page from now on, as if they had opened at `at`."""
    children = (await session.scalars(
        select(Incident).where(Incident.suppressed_by == parent.id,
                               Incident.resolved_at.is_(None))
        .order_by(Incident.id).with_for_update()
    )).all()
    for child in children:
        if not is_suppressed(child):  # released already
            continue
        session.add(IncidentEvent(
            incident_id=child.id, at=at, kind=EventKind.RELEASED, actor=SYSTEM,
            detail=f"incident {parent.id}, which suppressed this one, is over: paging now",
        ))
        heartbeat = await session.get(Heartbeat, child.heartbeat_id)
        if heartbeat is not None and child.state is IncidentState.OPEN:
            await start_escalation(session, child, heartbeat, at, since=at)


def note_failure(
    session: AsyncSession, incident_id: int, at: datetime, exit_code: int | None,
    note: str | None = None,
) -> None:
    """A further failure while the incident is open goes on its timeline, not into a new one."""
    detail = "failed again" if exit_code is None else f"failed again with exit code {exit_code}"
    if note:
        detail = f"{detail}: {note}"
    session.add(IncidentEvent(
        incident_id=incident_id, at=at, kind=EventKind.FAILED_AGAIN, actor=SYSTEM, detail=detail
    ))


async def acknowledge(session: AsyncSession, incident: Incident, at: datetime, actor: str) -> None:
    """Acknowledging twice is harmless (a link clicked twice); a resolved incident cannot be."""
    if incident.state is IncidentState.RESOLVED:
        raise Conflict(f"incident {incident.id} is already resolved")
    if incident.state is IncidentState.ACKNOWLEDGED:
        return
    incident.state = IncidentState.ACKNOWLEDGED
    incident.acknowledged_at = at
    incident.acknowledged_by = actor
    stop_escalation(incident)
    session.add(IncidentEvent(incident_id=incident.id, at=at, kind=EventKind.ACKNOWLEDGED,
                              actor=actor, detail=""))


async def resolve_incident(
    session: AsyncSession, incident: Incident, heartbeat: Heartbeat, at: datetime, actor: str,
    detail: str,
) -> None:
    if incident.state is IncidentState.RESOLVED:
        raise Conflict(f"incident {incident.id} is already resolved")
    incident.state = IncidentState.RESOLVED
    incident.resolved_at = at
    incident.resolved_by = actor
    stop_escalation(incident)
    if heartbeat.incident_id == incident.id:
        heartbeat.incident_id = None
    session.add(IncidentEvent(incident_id=incident.id, at=at, kind=EventKind.RESOLVED,
                              actor=actor, detail=detail))
    await send_recovery(session, incident, at)
    await release_suppressed(session, incident, at)


async def lock_incident(session: AsyncSession, team_id: int, incident_id: int) -> Incident:
    """The incident, locked for a change, with its heartbeat locked first: the ping writer
    locks in that order too, so the two never deadlock, and a change decided here sees what
    a concurrent one committed."""
    incident = await get_incident(session, team_id, incident_id)
    await session.get(Heartbeat, incident.heartbeat_id, with_for_update=True)
    locked = await session.get(Incident, incident_id, with_for_update=True, populate_existing=True)
    if locked is None:
        raise NotFound(f"no incident with id {incident_id}")
    return locked


async def get_incident(session: AsyncSession, team_id: int, incident_id: int) -> Incident:
    incident = await session.scalar(
        select(Incident).where(Incident.id == incident_id, Incident.team_id == team_id)
    )
    if incident is None:
        raise NotFound(f"no incident with id {incident_id}")
    return incident


@dataclass(frozen=True)
class IncidentPage:
    items: Sequence[Incident]
    next_cursor: int | None


async def list_incidents(
    session: AsyncSession, team_id: int, *, state: IncidentState | None = None,
    states: Collection[IncidentState] = (), heartbeat_id: int | None = None,
    before: int | None = None, limit: int = 50,
) -> IncidentPage:
    """Newest first, keyset-paginated on id so that a page costs the same at any depth.
    `states` keeps those in any of them (the dashboard's default: open and acknowledged)."""
    query = select(Incident).where(Incident.team_id == team_id)
    if state is not None:
        query = query.where(Incident.state == state)
    if states:
        query = query.where(Incident.state.in_(list(states)))
    if heartbeat_id is not None:
        query = query.where(Incident.heartbeat_id == heartbeat_id)
    if before is not None:
        query = query.where(Incident.id < before)
    rows = (await session.scalars(query.order_by(Incident.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    return IncidentPage(rows[:limit], rows[limit - 1].id if more else None)


async def timeline(session: AsyncSession, incident_id: int) -> Sequence[IncidentEvent]:
    return (await session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.id)
    )).all()


async def heartbeat_names(
    session: AsyncSession, team_id: int, incidents: Sequence[Incident]
) -> dict[int, str]:
    """The names of these incidents' heartbeats, by heartbeat id, in one query."""
    ids = {incident.heartbeat_id for incident in incidents}
    if not ids:
        return {}
    rows = await session.execute(select(Heartbeat.id, Heartbeat.name).where(
        Heartbeat.team_id == team_id, Heartbeat.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _describe(reason: IncidentReason, exit_code: int | None) -> str:
    if reason is IncidentReason.MISSED:
        return "no ping arrived in time"
    if reason is IncidentReason.TIMED_OUT:
        return "the run took longer than its maximum run time"
    if reason is IncidentReason.TOO_SHORT:
        return "the run was shorter than its minimum run time"
    if reason is IncidentReason.TOO_EARLY:
        return "the run began too early"
    return "the job reported a failure" + ("" if exit_code is None else f" (exit code {exit_code})")


def incident_facts(incident: Incident, heartbeat: Heartbeat) -> IncidentFacts:
    return IncidentFacts(
        incident_id=incident.id, heartbeat_id=heartbeat.id, heartbeat_name=heartbeat.name,
        tags=tuple(heartbeat.tags), reason=incident.reason, exit_code=incident.exit_code,
        output=incident.output, opened_at=incident.opened_at,
        last_ping_at=heartbeat.last_ping_at, max_runtime=heartbeat.max_runtime,
        resolved_at=incident.resolved_at, resolved_by=incident.resolved_by,
        detail=incident.detail,
    )
