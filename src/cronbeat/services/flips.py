"""Moving a heartbeat to a new status: the one place where flips are recorded and where a
heartbeat going down opens its incident."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Flip, Heartbeat
from cronbeat.enums import IncidentReason, Status
from cronbeat.schedules import Calendar, Cron, Period, Schedule
from cronbeat.services.incidents import note_failure, open_incident
from cronbeat.status import Facts, Verdict

# The reasons a ping gives (not the clock): each one while down goes on the open incident.
PING_REASONS = frozenset({IncidentReason.FAILED, IncidentReason.TOO_SHORT,
                          IncidentReason.TOO_EARLY})


def schedule_of(heartbeat: Heartbeat) -> Schedule:
    if heartbeat.schedule is not None:
        return Cron(heartbeat.schedule, heartbeat.timezone)
    if heartbeat.oncalendar is not None:
        return Calendar(heartbeat.oncalendar, heartbeat.timezone)
    assert heartbeat.period is not None
    return Period(heartbeat.period)


def facts_of(heartbeat: Heartbeat) -> Facts:
    return Facts(
        schedule=schedule_of(heartbeat),
        grace=timedelta(seconds=heartbeat.grace),
        max_runtime=None if heartbeat.max_runtime is None else timedelta(
            seconds=heartbeat.max_runtime
        ),
        status=heartbeat.status,
        anchor_at=heartbeat.anchor_at,
        started_at=heartbeat.started_at,
        started_rid=heartbeat.started_rid,
        failure_threshold=heartbeat.failure_threshold,
        recovery_threshold=heartbeat.recovery_threshold,
        failures=heartbeat.failure_streak,
        successes=heartbeat.success_streak,
        min_runtime=_seconds(heartbeat.min_runtime),
        early_tolerance=_seconds(heartbeat.early_tolerance),
        early_fails=heartbeat.early_fails,
        started_early=heartbeat.started_early,
        hold_until=heartbeat.hold_until,
    )


def _seconds(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


async def settle(
    session: AsyncSession,
    heartbeat: Heartbeat,
    facts: Facts,
    verdict: Verdict,
    at: datetime,
    *,
    cause: str = "",
    exit_code: int | None = None,
    output: str = "",
    detail: str | None = None,
) -> None:
    """Store `facts` and `verdict` on the heartbeat; record the flip and open or extend the
    incident when the verdict takes it down."""
    old = heartbeat.status
    heartbeat.anchor_at = facts.anchor_at
    heartbeat.started_at = facts.started_at
    heartbeat.started_rid = facts.started_rid
    heartbeat.started_early = facts.started_early
    heartbeat.hold_until = facts.hold_until
    heartbeat.failure_streak = facts.failures
    heartbeat.success_streak = facts.successes
    heartbeat.status = verdict.status
    heartbeat.deadline = verdict.deadline
    heartbeat.updated_at = at
    # A flip is a change of status (flips alternate); a failure counted below the threshold
    # names itself in the flip's reason when it changes one (late -> up: "missed (1 of 3)").
    if old is not verdict.status:
        reason = verdict.reason.value if verdict.reason else cause
        if verdict.counted is not None:
            reason = f"{verdict.counted.value} ({facts.failures} of {facts.failure_threshold})"
        session.add(Flip(heartbeat_id=heartbeat.id, at=at, old_status=old,
                         new_status=verdict.status, reason=reason))
    if verdict.reason is None:
        return
    if heartbeat.incident_id is None:
        await open_incident(session, heartbeat, verdict.reason, at, exit_code=exit_code,
                            output=output, detail=detail or "")
    elif verdict.reason in PING_REASONS:
        note_failure(session, heartbeat.incident_id, at, exit_code, detail)


def is_monitored(status: Status) -> bool:
    return status not in (Status.PAUSED, Status.PENDING)
