"""Configuring who gets paged: on-call schedules, their overrides, and escalation policies.

The rotation maths is in oncall.py and the escalation rules in escalation.py; this module
checks what people configure against them and against the team's own members, channels and
schedules, and stores it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat import escalation, oncall
from cronbeat.db.models import Team, User
from cronbeat.db.oncall_models import Channel, OnCallSchedule, Override, Policy
from cronbeat.errors import Conflict, Invalid, NotFound
from cronbeat.escalation import Step, Target, TargetKind
from cronbeat.schedules import ScheduleError, parse_timezone
from cronbeat.services.escalations import on_call_now, override_of, rotation_of

Spec = TypeVar("Spec", "ScheduleSpec", "PolicySpec")
MAX_MEMBERS = 100
# Instants the rotation maths can place in a zone without running past year 9999.
EARLIEST = date(1900, 1, 1)
LATEST = date(9000, 12, 31)


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    timezone: str
    handoff: str  # "HH:MM", local
    shift: int  # seconds
    start_date: date | None  # None: today in the schedule's time zone
    member_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PolicySpec:
    name: str
    steps: tuple[Step, ...]
    repeat: int = 0
    repeat_delay: int = 0
    realert_every: int = 0  # seconds between re-alerts while open and unacknowledged; 0: none


@dataclass(frozen=True)
class Shift:
    """From `at`, `member` is on call (None: nobody)."""

    at: datetime
    member: User | None


# Schedules


def parse_handoff(text: str) -> time:
    hours, colon, minutes = text.strip().partition(":")
    digits = (hours + minutes).isascii() and hours.isdigit() and minutes.isdigit()
    if colon and digits and len(hours) in (1, 2) and len(minutes) == 2 and (
            int(hours) < 24 and int(minutes) < 60):
        return time(int(hours), int(minutes))
    raise Invalid("handoff", f"{text[:20]!r} is not a local time such as '09:00'")


async def validate_schedule(
    session: AsyncSession, team_id: int, spec: ScheduleSpec, now: datetime
) -> ScheduleSpec:
    name = clean_name(spec.name)
    handoff = parse_handoff(spec.handoff)
    try:
        start = spec.start_date or now.astimezone(ZoneInfo(parse_timezone(spec.timezone))).date()
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    if not EARLIEST <= start <= LATEST:
        raise Invalid("start_date", f"must be between {EARLIEST} and {LATEST}")
    if len(spec.member_ids) > MAX_MEMBERS:
        raise Invalid("member_ids", f"at most {MAX_MEMBERS} members")
    await _require_members(session, team_id, spec.member_ids, "member_ids")
    rotation = oncall.Rotation(
        member_ids=spec.member_ids, shift=timedelta(seconds=spec.shift), handoff=handoff,
        timezone=spec.timezone, start=start,
    )
    try:
        oncall.validate_rotation(rotation)
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    except ValueError as exc:
        raise Invalid("body", str(exc)) from None
    return replace(spec, name=name, handoff=handoff.strftime("%H:%M"), start_date=start)


async def create_schedule(
    session: AsyncSession, team_id: int, spec: ScheduleSpec, now: datetime
) -> OnCallSchedule:
    spec = await validate_schedule(session, team_id, spec, now)
    schedule = OnCallSchedule(team_id=team_id, created_at=now, **_schedule_columns(spec))
    session.add(schedule)
    await session.flush()
    return schedule


async def update_schedule(
    session: AsyncSession, schedule: OnCallSchedule, spec: ScheduleSpec, now: datetime
) -> None:
    spec = await validate_schedule(session, schedule.team_id, spec, now)
    for name, value in _schedule_columns(spec).items():
        setattr(schedule, name, value)
    await session.flush()


def schedule_spec_of(schedule: OnCallSchedule) -> ScheduleSpec:
    return ScheduleSpec(
        name=schedule.name, timezone=schedule.timezone, handoff=schedule.handoff,
        shift=schedule.shift_seconds, start_date=schedule.start_date,
        member_ids=tuple(schedule.member_ids),
    )


async def delete_schedule(session: AsyncSession, schedule: OnCallSchedule) -> None:
    """Overrides go with it. A policy naming it must be edited first: with its schedule gone,
    an on-call step would page the whole team, which nobody chose."""
    await refuse_if_targeted(session, schedule.team_id, TargetKind.ONCALL, schedule.id,
                             f"schedule {schedule.id}")
    await session.execute(delete(OnCallSchedule).where(OnCallSchedule.id == schedule.id))


async def get_schedule(
    session: AsyncSession, team_id: int, schedule_id: int, *, for_update: bool = False
) -> OnCallSchedule:
    query = select(OnCallSchedule).where(OnCallSchedule.id == schedule_id,
                                         OnCallSchedule.team_id == team_id)
    schedule = await session.scalar(query.with_for_update() if for_update else query)
    if schedule is None:
        raise NotFound(f"no schedule with id {schedule_id}")
    return schedule


async def list_schedules(session: AsyncSession, team_id: int) -> Sequence[OnCallSchedule]:
    return (await session.scalars(
        select(OnCallSchedule).where(OnCallSchedule.team_id == team_id)
        .order_by(OnCallSchedule.id)
    )).all()


async def forget_member(session: AsyncSession, team_id: int, member_id: int) -> None:
    """Take a member out of every rotation of the team (before the member is deleted)."""
    schedules = (await session.scalars(
        select(OnCallSchedule).where(OnCallSchedule.team_id == team_id)
        .order_by(OnCallSchedule.id).with_for_update()
    )).all()
    for schedule in schedules:
        if member_id in schedule.member_ids:
            # A new list: SQLAlchemy does not see changes made inside a JSON value.
            schedule.member_ids = [m for m in schedule.member_ids if m != member_id]


# Overrides


async def create_override(
    session: AsyncSession, schedule: OnCallSchedule, member_id: int, starts_at: datetime,
    ends_at: datetime, now: datetime,
) -> Override:
    """`member_id` is on call from `starts_at` to `ends_at`, whatever the rotation says; a
    newer override wins over an older one where they overlap."""
    _check_instant("starts_at", starts_at)
    _check_instant("ends_at", ends_at)
    if ends_at <= starts_at:
        raise Invalid("ends_at", "must be after starts_at")
    await _require_members(session, schedule.team_id, [member_id], "member_id")
    override = Override(schedule_id=schedule.id, user_id=member_id,
                        starts_at=starts_at.astimezone(UTC), ends_at=ends_at.astimezone(UTC),
                        created_at=now)
    session.add(override)
    await session.flush()
    return override


async def list_overrides(session: AsyncSession, schedule: OnCallSchedule) -> Sequence[Override]:
    """Oldest first: the order in which oncall.py lets the newest win."""
    return (await session.scalars(
        select(Override).where(Override.schedule_id == schedule.id).order_by(Override.id)
    )).all()


async def current_overrides(
    session: AsyncSession, schedule: OnCallSchedule, now: datetime
) -> Sequence[Override]:
    """The overrides that still matter at `now`: running or ahead, in order of their start."""
    return (await session.scalars(
        select(Override).where(Override.schedule_id == schedule.id, Override.ends_at > now)
        .order_by(Override.starts_at, Override.id)
    )).all()


async def get_override(
    session: AsyncSession, schedule: OnCallSchedule, override_id: int
) -> Override:
    override = await session.scalar(select(Override).where(
        Override.id == override_id, Override.schedule_id == schedule.id))
    if override is None:
        raise NotFound(f"schedule {schedule.id} has no override with id {override_id}")
    return override


async def delete_override(session: AsyncSession, override: Override) -> None:
    await session.execute(delete(Override).where(Override.id == override.id))


# Who is on call


async def who_is_on_call(
    session: AsyncSession, team_id: int, schedule_id: int, at: datetime
) -> User | None:
    """The same answer escalation gets when it pages this schedule at `at`."""
    _check_instant("at", at)
    schedule = await get_schedule(session, team_id, schedule_id)
    member_id = (await on_call_now(session, team_id, at)).get(schedule.id)
    return None if member_id is None else await session.get(User, member_id)


async def next_handoffs(
    session: AsyncSession, team_id: int, schedule_id: int, after: datetime, count: int
) -> list[Shift]:
    _check_instant("at", after)
    schedule = await get_schedule(session, team_id, schedule_id)
    overrides = [override_of(o) for o in await list_overrides(session, schedule)]
    changes = oncall.handoffs(rotation_of(schedule), overrides, after, count)
    members = await _members_by_id(session, team_id, {c.user_id for c in changes})
    return [Shift(c.at, None if c.user_id is None else members.get(c.user_id)) for c in changes]


@dataclass(frozen=True)
class CalendarShift:
    at: datetime | None  # None: since the day began
    member: User | None


@dataclass(frozen=True)
class CalendarDay:
    day: date
    shifts: list[CalendarShift]


async def calendar(
    session: AsyncSession, team_id: int, schedule_id: int, now: datetime, weeks: int
) -> list[list[CalendarDay]]:
    """Who is on call on each day of `weeks` weeks from the Monday of this week (in the
    schedule's time zone), overrides included: a week per row, a day per cell."""
    schedule = await get_schedule(session, team_id, schedule_id)
    rotation = rotation_of(schedule)
    overrides = [override_of(o) for o in await list_overrides(session, schedule)]
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    monday = today - timedelta(days=today.weekday())
    days = [(monday + timedelta(days=n), oncall.day_shifts(rotation, overrides,
                                                           monday + timedelta(days=n)))
            for n in range(7 * weeks)]
    members = await _members_by_id(session, team_id,
                                   {s.user_id for _, shifts in days for s in shifts})
    cells = [CalendarDay(day, [CalendarShift(s.at, None if s.user_id is None
                                             else members.get(s.user_id)) for s in shifts])
             for day, shifts in days]
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


# Policies


def policy_of(spec: PolicySpec) -> escalation.Policy:
    return escalation.Policy(steps=spec.steps, repeat=spec.repeat, repeat_delay=spec.repeat_delay,
                             realert_every=spec.realert_every)


async def validate_policy(session: AsyncSession, team_id: int, spec: PolicySpec) -> PolicySpec:
    name = clean_name(spec.name)
    for i, step in enumerate(spec.steps):
        for j, target in enumerate(step.targets):
            await check_target(session, team_id, target, f"steps.{i}.targets.{j}.ref")
    try:
        escalation.validate(policy_of(spec))
    except ValueError as exc:
        raise Invalid(_policy_field(str(exc)), str(exc)) from None
    return replace(spec, name=name)


async def create_policy(
    session: AsyncSession, team_id: int, spec: PolicySpec, now: datetime
) -> Policy:
    spec = await validate_policy(session, team_id, spec)
    policy = Policy(team_id=team_id, created_at=now, **_policy_columns(spec))
    session.add(policy)
    await session.flush()
    return policy


async def update_policy(session: AsyncSession, policy: Policy, spec: PolicySpec) -> None:
    """Incidents already open keep the copy they took when they opened."""
    spec = await validate_policy(session, policy.team_id, spec)
    for name, value in _policy_columns(spec).items():
        setattr(policy, name, value)
    await session.flush()


def policy_spec_of(policy: Policy) -> PolicySpec:
    parsed = escalation.Policy.from_json(
        {"steps": policy.steps, "repeat": policy.repeat, "repeat_delay": policy.repeat_delay,
         "realert_every": policy.realert_every})
    return PolicySpec(name=policy.name, steps=parsed.steps, repeat=parsed.repeat,
                      repeat_delay=parsed.repeat_delay, realert_every=parsed.realert_every)


def with_changes(spec: Spec, changes: Mapping[str, Any]) -> Spec:
    """A partial edit of a ScheduleSpec or PolicySpec: the fields given and not null."""
    return replace(spec, **{name: value for name, value in changes.items() if value is not None})


async def set_default_policy(session: AsyncSession, team_id: int, policy_id: int) -> Policy:
    """The policy of every heartbeat that names none."""
    team = await _team(session, team_id)
    policy = await get_policy(session, team_id, policy_id)
    team.default_policy_id = policy.id
    return policy


async def delete_policy(session: AsyncSession, policy: Policy) -> None:
    """Heartbeats that named it fall back to the team's default policy."""
    team = await _team(session, policy.team_id)
    if team.default_policy_id == policy.id:
        raise Conflict(f"policy {policy.id} is the team's default: make another policy the "
                       "default first")
    await session.execute(delete(Policy).where(Policy.id == policy.id))


async def default_policy_id(session: AsyncSession, team_id: int) -> int | None:
    found: int | None = await session.scalar(
        select(Team.default_policy_id).where(Team.id == team_id))
    return found


async def check_policy(session: AsyncSession, team_id: int, policy_id: int | None) -> None:
    """For heartbeats that name a policy: it must be one of the team's (None: the default)."""
    if policy_id is None:
        return
    found = await session.scalar(select(Policy.id).where(
        Policy.id == policy_id, Policy.team_id == team_id).with_for_update(read=True))
    if found is None:
        raise Invalid("policy_id", f"no policy with id {policy_id} in this team")


async def get_policy(
    session: AsyncSession, team_id: int, policy_id: int, *, for_update: bool = False
) -> Policy:
    query = select(Policy).where(Policy.id == policy_id, Policy.team_id == team_id)
    policy = await session.scalar(query.with_for_update() if for_update else query)
    if policy is None:
        raise NotFound(f"no policy with id {policy_id}")
    return policy


async def list_policies(session: AsyncSession, team_id: int) -> Sequence[Policy]:
    return (await session.scalars(
        select(Policy).where(Policy.team_id == team_id).order_by(Policy.id)
    )).all()


async def refuse_if_targeted(
    session: AsyncSession, team_id: int, kind: TargetKind, ref: int, what: str
) -> None:
    """Conflict if a policy of the team pages this member, channel or schedule by id. Callers
    hold the row locked, so that no policy starts naming it before it is gone."""
    naming = [p for p in await list_policies(session, team_id)
              if any(t.kind is kind and t.ref == ref
                     for step in policy_spec_of(p).steps for t in step.targets)]
    if naming:
        names = ", ".join(f"{p.name!r} (id {p.id})" for p in naming)
        raise Conflict(f"{what} is a target of policy {names}: edit the policy first")
    digest_targets = await session.scalar(select(Team.digest_targets).where(Team.id == team_id))
    if any(t.get("kind") == kind.value and t.get("ref") == ref for t in digest_targets or ()):
        raise Conflict(f"{what} receives the team's daily digest: change the digest first")


_TARGET_TABLES: dict[TargetKind, tuple[type[User] | type[Channel] | type[OnCallSchedule], str]] = {
    TargetKind.USER: (User, "member"), TargetKind.CHANNEL: (Channel, "channel"),
    TargetKind.ONCALL: (OnCallSchedule, "schedule"),
}


async def check_target(
    session: AsyncSession, team_id: int, target: Target, field_name: str
) -> None:
    if target.kind is TargetKind.TEAM:
        if target.ref is not None:
            raise Invalid(field_name, "a team target pages every member and takes no ref")
        return
    if target.ref is None:
        if target.kind is TargetKind.ONCALL:
            return  # the team's first schedule
        raise Invalid(field_name, f"a {target.kind.value} target needs `ref`")
    table, what = _TARGET_TABLES[target.kind]
    # FOR SHARE: a concurrent delete of the target waits for this policy, then sees it.
    found = await session.scalar(select(table.id).where(
        table.id == target.ref, table.team_id == team_id).with_for_update(read=True))
    if found is None:
        raise Invalid(field_name, f"no {what} with id {target.ref} in this team")


async def _require_members(
    session: AsyncSession, team_id: int, member_ids: Collection[int], field_name: str
) -> None:
    wanted = set(member_ids)
    if not wanted:
        return
    # FOR SHARE, for the same reason as policy targets: a member being deleted concurrently
    # is either seen as gone here or taken out of this rotation by the delete.
    found = set((await session.scalars(
        select(User.id).where(User.team_id == team_id, User.id.in_(wanted))
        .with_for_update(read=True)
    )).all())
    missing = sorted(wanted - found)
    if missing:
        listed = ", ".join(str(m) for m in missing)
        raise Invalid(field_name, f"no member with id {listed} in this team")


async def _members_by_id(
    session: AsyncSession, team_id: int, ids: Collection[int | None]
) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.scalars(select(User).where(User.team_id == team_id,
                                                    User.id.in_(wanted)))
    return {member.id: member for member in rows}


async def _team(session: AsyncSession, team_id: int) -> Team:
    team = await session.scalar(select(Team).where(Team.id == team_id).with_for_update())
    if team is None:
        raise NotFound(f"no team with id {team_id}")
    return team


def _check_instant(field_name: str, at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise Invalid(field_name, "needs a time zone offset, such as Z or +02:00")
    if not EARLIEST <= at.date() <= LATEST:
        raise Invalid(field_name, f"must be between {EARLIEST} and {LATEST}")


def _policy_field(message: str) -> str:
    if message.startswith("realert_every"):
        return "realert_every"
    if message.startswith("repeat_delay") or "repeating" in message:
        return "repeat_delay"
    return "repeat" if message.startswith("repeat") else "steps"


def clean_name(text: str, field_name: str = "name", *, required: bool = True) -> str:
    """A name or label as shown to people: trimmed, and without control characters (which
    PostgreSQL text cannot even store, in the case of NUL)."""
    text = text.strip()
    if required and not text:
        raise Invalid(field_name, "must not be empty")
    if not text.isprintable():
        raise Invalid(field_name, "must not contain control characters or line breaks")
    return text


def _schedule_columns(spec: ScheduleSpec) -> dict[str, object]:
    return {"name": spec.name, "timezone": spec.timezone, "handoff": spec.handoff,
            "shift_seconds": spec.shift, "start_date": spec.start_date,
            "member_ids": list(spec.member_ids)}


def _policy_columns(spec: PolicySpec) -> dict[str, object]:
    data = policy_of(spec).to_json()
    return {"name": spec.name, "steps": data["steps"], "repeat": spec.repeat,
            "repeat_delay": spec.repeat_delay, "realert_every": spec.realert_every}
