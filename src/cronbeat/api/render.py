"""Rows to API bodies."""

from __future__ import annotations

from collections.abc import Sequence

from cronbeat.api.schemas import (
    EventOut,
    FlipOut,
    HeartbeatOut,
    IncidentOut,
    IncidentSummary,
    NotificationSummary,
    OutputRuleOut,
    PingOut,
)
from cronbeat.config import Settings
from cronbeat.db.models import Flip, Heartbeat, Incident, IncidentEvent, Ping
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import Status
from cronbeat.schedules import Calendar, Cron, Schedule
from cronbeat.services.flips import facts_of, schedule_of
from cronbeat.services.incidents import is_suppressed
from cronbeat.services.pings import output_text
from cronbeat.status import streak_text


def ping_url(settings: Settings, token: str) -> str:
    return f"{settings.resolved_base_url()}/api/v1/heartbeat/{token}"


def render_heartbeat(
    heartbeat: Heartbeat, incident: Incident | None, settings: Settings
) -> HeartbeatOut:
    schedule = schedule_of(heartbeat)
    watching = heartbeat.status not in (Status.PAUSED, Status.PENDING)
    next_due = (schedule.next_due(heartbeat.anchor_at)
                if watching and heartbeat.anchor_at is not None else None)
    return HeartbeatOut(
        id=heartbeat.id, name=heartbeat.name, description=heartbeat.description,
        tags=list(heartbeat.tags), status=heartbeat.status, token=heartbeat.token,
        previous_token_until=heartbeat.previous_token_until,
        ping_url=ping_url(settings, heartbeat.token), slug=heartbeat.slug,
        period=heartbeat.period,
        schedule=heartbeat.schedule, oncalendar=heartbeat.oncalendar, timezone=heartbeat.timezone,
        schedule_text=_schedule_text(schedule), grace=heartbeat.grace,
        max_runtime=heartbeat.max_runtime, policy_id=heartbeat.policy_id,
        failure_threshold=heartbeat.failure_threshold,
        recovery_threshold=heartbeat.recovery_threshold,
        failure_streak=heartbeat.failure_streak, success_streak=heartbeat.success_streak,
        streak_text=streak_text(facts_of(heartbeat)),
        output_rules=[OutputRuleOut.model_validate(rule) for rule in heartbeat.output_rules],
        min_runtime=heartbeat.min_runtime, early_tolerance=heartbeat.early_tolerance,
        early_fails=heartbeat.early_fails, depends_on=heartbeat.depends_on_id,
        last_ping_at=heartbeat.last_ping_at,
        next_due_at=next_due, started_at=heartbeat.started_at,
        incident=None if incident is None else IncidentSummary(
            id=incident.id, state=incident.state, reason=incident.reason,
            opened_at=incident.opened_at, suppressed=is_suppressed(incident),
        ),
        created_at=heartbeat.created_at, updated_at=heartbeat.updated_at,
    )


def render_ping(ping: Ping) -> PingOut:
    return PingOut(
        id=ping.id, kind=ping.kind, received_at=ping.received_at, exit_code=ping.exit_code,
        rid=ping.rid, duration=ping.duration, method=ping.method, source_ip=ping.source_ip,
        user_agent=ping.user_agent, body=output_text(ping.body), body_size=ping.body_size,
        truncated=ping.truncated, rule=ping.rule,
    )


def render_flip(flip: Flip) -> FlipOut:
    return FlipOut(id=flip.id, at=flip.at, old_status=flip.old_status,
                   new_status=flip.new_status, reason=flip.reason)


def render_incident(
    incident: Incident, events: list[IncidentEvent] | None = None,
    notifications: Sequence[Notification] | None = None,
) -> IncidentOut:
    return IncidentOut(
        id=incident.id, heartbeat_id=incident.heartbeat_id, state=incident.state,
        reason=incident.reason, exit_code=incident.exit_code, output=incident.output,
        detail=incident.detail, suppressed_by=incident.suppressed_by,
        suppressed=is_suppressed(incident),
        opened_at=incident.opened_at, acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by, resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        timeline=None if events is None else [
            EventOut(id=e.id, at=e.at, kind=e.kind, actor=e.actor, detail=e.detail)
            for e in events
        ],
        notifications=None if notifications is None else [
            NotificationSummary(
                id=n.id, purpose=n.purpose, kind=n.kind, recipient=n.recipient, status=n.status,
                attempts=n.attempts, last_error=n.last_error, created_at=n.created_at,
                sent_at=n.sent_at,
            )
            for n in notifications
        ],
    )


def _schedule_text(schedule: Schedule) -> str:
    if isinstance(schedule, Cron | Calendar):
        return schedule.describe()
    return f"every {_seconds_text(schedule.seconds)}"


def _seconds_text(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds} second" + ("s" if seconds != 1 else "")
