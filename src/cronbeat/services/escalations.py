"""Running escalations: copy the policy onto an incident, fire its steps on time by writing
notifications to the outbox, stop on acknowledgement, and send recovery notices."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat import escalation, oncall
from cronbeat.db.models import Heartbeat, Incident, IncidentEvent, Team, User
from cronbeat.db.oncall_models import Channel, ContactMethod, OnCallSchedule, Override, Policy
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import EventKind, IncidentState, NotificationPurpose
from cronbeat.escalation import Position, Recipient, TargetKind
from cronbeat.services.maintenance import paging_held_until
from cronbeat.services.outbox import enqueue

EMAIL = "email"
T = TypeVar("T")


async def _memo(session: AsyncSession, key: tuple[object, ...],
                load: Callable[[], Awaitable[T]]) -> T:
    """What `load` gives, read once per transaction. The worker opens many incidents in one
    transaction, mostly of one team: a team's policy, members and rotations are then read
    once instead of once per incident (each read is a round trip, and they added up to most
    of the time it took to open an incident). Nothing in the transaction changes them."""
    memo: dict[tuple[object, ...], Any] = session.info.setdefault("escalation_memo", {})
    if key not in memo:
        memo[key] = await load()
    value: T = memo[key]
    return value


async def policy_for(session: AsyncSession, heartbeat: Heartbeat) -> escalation.Policy:
    """The heartbeat's own policy, else its team's default, else the built-in default."""
    return await _memo(session, ("policy", heartbeat.team_id, heartbeat.policy_id),
                       lambda: _load_policy(session, heartbeat.team_id, heartbeat.policy_id))


async def _load_policy(
    session: AsyncSession, team_id: int, policy_id: int | None
) -> escalation.Policy:
    if policy_id is None:
        policy_id = await session.scalar(select(Team.default_policy_id).where(Team.id == team_id))
    row = None if policy_id is None else await session.get(Policy, policy_id)
    if row is None:
        return escalation.default_policy()
    return escalation.Policy.from_json(
        {"steps": row.steps, "repeat": row.repeat, "repeat_delay": row.repeat_delay,
         "realert_every": row.realert_every}
    )


async def start_escalation(
    session: AsyncSession, incident: Incident, heartbeat: Heartbeat, now: datetime,
    *, since: datetime | None = None,
) -> None:
    """Copy the policy onto the incident (later edits of the policy do not reach it) and fire
    whatever is due at once: usually step 1. Steps are timed from `since` (default: when the
    incident opened)."""
    policy = await policy_for(session, heartbeat)
    incident.policy = policy.to_json()
    _store_position(incident, escalation.first_position(policy, since or incident.opened_at))
    await escalate(session, incident, now)


async def escalate(session: AsyncSession, incident: Incident, now: datetime) -> None:
    """Fire every step of the incident's escalation that is due at `now`; inside a maintenance
    window of its heartbeat, hold the due step until the window ends instead."""
    if incident.policy is None:
        return
    if await _held_by_maintenance(session, incident, now):
        return
    policy = escalation.Policy.from_json(incident.policy)
    position = None if incident.next_escalation_at is None else Position(
        incident.escalation_step, incident.escalation_cycle, incident.next_escalation_at)
    todo = escalation.plan(policy, position, incident.state, now)
    for fired in todo.fire:
        await _fire(session, incident, policy.steps[fired.step], fired, now)
    _store_position(incident, todo.next)
    await _realert(session, incident, policy, paged_now=bool(todo.fire), now=now)


async def _realert(
    session: AsyncSession, incident: Incident, policy: escalation.Policy, *, paged_now: bool,
    now: datetime,
) -> None:
    """Alert everyone paged so far again, every `realert_every`, from the first page on."""
    if incident.state is not IncidentState.OPEN or not policy.realert_every:
        incident.next_realert_at = None
        return
    due = incident.next_realert_at
    if due is None:
        if paged_now:  # the first page: re-alerts count from it
            incident.next_realert_at = escalation.next_realert(policy, now, now)
        return
    if due > now:
        return
    again = await resend_alerts(session, incident, now)
    session.add(IncidentEvent(
        incident_id=incident.id, at=now, kind=EventKind.NOTIFIED, actor="cronbeat",
        detail="re-alert, still open and unacknowledged: " + (", ".join(again) or "nobody"),
    ))
    incident.next_realert_at = escalation.next_realert(policy, due, now)


async def resend_alerts(session: AsyncSession, incident: Incident, now: datetime) -> list[str]:
    """One more alert to each recipient the incident has paged, by the same means."""
    return await _to_everyone_paged(session, incident, NotificationPurpose.ALERT, now)


async def _to_everyone_paged(
    session: AsyncSession, incident: Incident, purpose: NotificationPurpose, now: datetime
) -> list[str]:
    """Queue a `purpose` notification to each recipient the incident has alerted, by each
    means it alerted them; describe them for the timeline."""
    paged = (await session.execute(
        select(Notification.kind, Notification.target, Notification.secret,
               Notification.recipient)
        .where(Notification.incident_id == incident.id,
               Notification.purpose == NotificationPurpose.ALERT)
        .distinct()
    )).all()
    for kind, target, secret, recipient in paged:
        enqueue(session, team_id=incident.team_id, incident_id=incident.id, purpose=purpose,
                kind=kind, target=target, secret=secret, recipient=recipient, now=now)
    return sorted(f"{recipient} ({kind})" for kind, _, _, recipient in paged)


async def _held_by_maintenance(session: AsyncSession, incident: Incident, now: datetime) -> bool:
    step_due = incident.next_escalation_at is not None and incident.next_escalation_at <= now
    realert_due = incident.next_realert_at is not None and incident.next_realert_at <= now
    if incident.state is not IncidentState.OPEN or not (step_due or realert_due):
        return False
    heartbeat = await session.get(Heartbeat, incident.heartbeat_id)
    held = None if heartbeat is None else await paging_held_until(session, heartbeat, now)
    if held is None:
        return False
    until, names = held
    # The step keeps its place; the steps after it are timed from the window's end.
    if step_due:
        incident.next_escalation_at = until
    if realert_due:
        incident.next_realert_at = until
    session.add(IncidentEvent(
        incident_id=incident.id, at=now, kind=EventKind.PAGING_HELD, actor="cronbeat",
        detail=f"maintenance window {names} until {until:%Y-%m-%d %H:%M} UTC: "
               "nobody is paged until it ends",
    ))
    return True


def stop_escalation(incident: Incident) -> None:
    incident.next_escalation_at = None
    incident.next_realert_at = None


async def send_recovery(session: AsyncSession, incident: Incident, now: datetime) -> None:
    """Tell everyone who was paged for this incident that it is over, by the same means."""
    await _to_everyone_paged(session, incident, NotificationPurpose.RECOVERY, now)


async def process_due_escalations(session: AsyncSession, now: datetime, *, limit: int = 100) -> int:
    """Claim incidents whose next step is due, as the deadline sweep claims heartbeats."""
    due = (await session.scalars(
        select(Incident).where(or_(Incident.next_escalation_at <= now,
                                   Incident.next_realert_at <= now))
        .order_by(Incident.id).limit(limit).with_for_update(skip_locked=True)
    )).all()
    for incident in due:
        await escalate(session, incident, now)
    return len(due)


async def nearest_escalation(session: AsyncSession) -> datetime | None:
    steps = await session.scalar(select(func.min(Incident.next_escalation_at)))
    realerts = await session.scalar(select(func.min(Incident.next_realert_at)))
    found: list[datetime] = [at for at in (steps, realerts) if at is not None]
    return min(found, default=None)


async def on_call_now(
    session: AsyncSession, team_id: int, now: datetime
) -> dict[int | None, int | None]:
    """Who is on call on each of the team's schedules; key None is the team's first schedule."""
    schedules = (await session.scalars(
        select(OnCallSchedule).where(OnCallSchedule.team_id == team_id)
        .order_by(OnCallSchedule.id)
    )).all()
    result: dict[int | None, int | None] = {}
    for schedule in schedules:
        overrides = (await session.scalars(
            select(Override).where(Override.schedule_id == schedule.id).order_by(Override.id)
        )).all()
        result[schedule.id] = oncall.on_call_at(rotation_of(schedule),
                                                [override_of(o) for o in overrides], now)
    if schedules:
        result[None] = result[schedules[0].id]
    return result


def rotation_of(schedule: OnCallSchedule) -> oncall.Rotation:
    hours, minutes = (int(part) for part in schedule.handoff.split(":"))
    return oncall.Rotation(
        member_ids=tuple(schedule.member_ids), shift=timedelta(seconds=schedule.shift_seconds),
        handoff=time(hours, minutes), timezone=schedule.timezone, start=schedule.start_date,
    )


def override_of(row: Override) -> oncall.Override:
    return oncall.Override(user_id=row.user_id, starts_at=row.starts_at, ends_at=row.ends_at)


async def _fire(
    session: AsyncSession, incident: Incident, step: escalation.Step, fired: Position,
    now: datetime,
) -> None:
    paged: list[str] = []
    for recipient in await recipients_of(session, incident.team_id, step.targets, now):
        paged += await _page(session, incident, recipient, now)
    number = f"step {fired.step + 1}" + (f", repeat {fired.cycle}" if fired.cycle else "")
    session.add(IncidentEvent(
        incident_id=incident.id, at=now, kind=EventKind.NOTIFIED, actor="cronbeat",
        detail=f"{number}: " + (", ".join(paged) if paged else "nobody to notify"),
    ))


async def _member_ids(session: AsyncSession, team_id: int) -> Sequence[int]:
    return (await session.scalars(
        select(User.id).where(User.team_id == team_id).order_by(User.id)
    )).all()


@dataclass(frozen=True)
class Way:
    """One way of reaching a recipient: a channel, or one of a member's contact methods."""

    kind: str
    target: str
    secret: str | None
    name: str  # the channel's or the member's name


async def ways_to_reach(session: AsyncSession, team_id: int, recipient: Recipient) -> list[Way]:
    """How to reach a channel or member of the team; nothing if it is gone (or not the team's)."""
    if recipient.kind is TargetKind.CHANNEL:
        channel = await _memo(session, ("channel", recipient.id),
                              lambda: session.get(Channel, recipient.id))
        if channel is None or channel.team_id != team_id:
            return []
        return [Way(channel.kind, channel.target, channel.secret, channel.name)]
    user = await session.get(User, recipient.id)
    if user is None or user.team_id != team_id:
        return []
    methods = await contact_methods(session, user.id)
    # A member with no contact methods is reached at their account email.
    return [Way(m.kind, m.target, None, user.name) for m in methods] or [
        Way(EMAIL, user.email, None, user.name)]


async def recipients_of(
    session: AsyncSession, team_id: int, targets: Sequence[escalation.Target], now: datetime
) -> list[Recipient]:
    """Whom targets name at `now`: on-call resolved, the team expanded, each one once."""
    team = await _memo(session, ("members", team_id), lambda: _member_ids(session, team_id))
    on_call = await _memo(session, ("on call", team_id, now),
                          lambda: on_call_now(session, team_id, now))
    return escalation.recipients(tuple(targets), on_call, team)


async def _page(
    session: AsyncSession, incident: Incident, recipient: Recipient, now: datetime
) -> list[str]:
    """Write one outbox row per way of reaching the recipient; describe them for the timeline."""
    ways = [(w.kind, w.target, w.secret, w.name)
            for w in await ways_to_reach(session, incident.team_id, recipient)]
    for kind, target, secret, name in ways:
        enqueue(session, team_id=incident.team_id, incident_id=incident.id,
                purpose=NotificationPurpose.ALERT, kind=kind, target=target, secret=secret,
                recipient=name, now=now)
    return [f"{name} ({kind})" for kind, _, _, name in ways]


async def contact_methods(session: AsyncSession, user_id: int) -> Sequence[ContactMethod]:
    return (await session.scalars(
        select(ContactMethod).where(ContactMethod.user_id == user_id).order_by(ContactMethod.id)
    )).all()


def _store_position(incident: Incident, position: Position | None) -> None:
    if position is None or incident.state is not IncidentState.OPEN:
        incident.next_escalation_at = None
        return
    incident.escalation_step = position.step
    incident.escalation_cycle = position.cycle
    incident.next_escalation_at = position.at
