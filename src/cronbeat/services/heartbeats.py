"""Heartbeats: create, edit, pause, resume, delete, and find them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Flip, Heartbeat, HeartbeatTag, Incident, Ping
from cronbeat.enums import Status
from cronbeat.errors import Conflict, Invalid, NotFound
from cronbeat.output_rules import OutputRule, RuleError, check_rules, rules_of
from cronbeat.schedules import (
    ScheduleError,
    parse_cron,
    parse_duration,
    parse_oncalendar,
    parse_period,
    parse_timezone,
)
from cronbeat.services.flips import facts_of, settle
from cronbeat.services.incidents import release_suppressed, resolve_incident
from cronbeat.services.oncall_config import check_policy, clean_name
from cronbeat.status import Verdict, advance
from cronbeat.tokens import looks_like_slug, looks_like_token, new_ping_token

MAX_TAGS = 20
MAX_THRESHOLD = 100
ONE_SCHEDULE = ("give exactly one of `period` (seconds), `schedule` (cron) and `oncalendar` "
                "(systemd OnCalendar)")
SCHEDULES = ("period", "schedule", "oncalendar")
# The fields a partial edit may clear with null.
NULLABLE = frozenset({"max_runtime", "policy_id", "slug", "min_runtime", "early_tolerance",
                      "depends_on"})
MAX_DEPTH = 20  # heartbeats in a chain of dependencies


@dataclass(frozen=True)
class HeartbeatSpec:
    """What a person configures. Exactly one of `period`, `schedule` (cron) and `oncalendar`
    (a systemd OnCalendar expression) is set."""

    name: str
    period: int | None = None
    schedule: str | None = None
    oncalendar: str | None = None
    timezone: str = "UTC"
    grace: int = 0
    max_runtime: int | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""
    policy_id: int | None = None  # None: the team's default policy
    slug: str | None = None  # names it in `/ping/<ping-key>/<slug>`, unique in its team
    # Page on the N-th failure or miss in a row; resolve on the M-th success in a row.
    failure_threshold: int = 1
    recovery_threshold: int = 1
    # Tried in order on each success or failure ping's output; the first match decides.
    output_rules: tuple[OutputRule, ...] = ()
    min_runtime: int | None = None  # a run (start to success) shorter than this fails
    early_tolerance: int | None = None  # a run begun more than this before its time is early
    early_fails: bool = False  # an early run fails (otherwise it is only flagged)
    depends_on: int | None = None  # a heartbeat of the team: while it is down, this one's
    # incidents page nobody


def validate(spec: HeartbeatSpec, now: datetime) -> HeartbeatSpec:
    """The spec with its schedule normalised, or `Invalid` naming the field to fix."""
    name = clean_name(spec.name)
    if "\x00" in spec.description:
        raise Invalid("description", "must not contain NUL characters")
    if spec.slug is not None and not looks_like_slug(spec.slug):
        raise Invalid("slug", "use 1 to 100 lowercase letters, digits and '-'")
    if [spec.period, spec.schedule, spec.oncalendar].count(None) != 2:
        raise Invalid("period", ONE_SCHEDULE)
    oncalendar = None
    try:
        if spec.period is not None:
            parse_period(spec.period)
            schedule = None
            timezone = parse_timezone(spec.timezone)
        elif spec.oncalendar is not None:
            calendar = parse_oncalendar(spec.oncalendar, spec.timezone, now)
            schedule, oncalendar, timezone = None, calendar.expression, calendar.timezone
        else:
            assert spec.schedule is not None
            cron = parse_cron(spec.schedule, spec.timezone, now)
            schedule, timezone = cron.expression, cron.timezone
        parse_duration("grace", spec.grace, minimum=0)
        if spec.max_runtime is not None:
            parse_duration("max_runtime", spec.max_runtime, minimum=1)
        if spec.min_runtime is not None:
            parse_duration("min_runtime", spec.min_runtime, minimum=1)
        if spec.early_tolerance is not None:
            parse_duration("early_tolerance", spec.early_tolerance, minimum=0)
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    if (spec.min_runtime is not None and spec.max_runtime is not None
            and spec.min_runtime >= spec.max_runtime):
        raise Invalid("min_runtime", "must be shorter than max_runtime")
    if spec.early_fails and spec.early_tolerance is None:
        raise Invalid("early_fails", "needs early_tolerance: how early is too early")
    for field_name in ("failure_threshold", "recovery_threshold"):
        if not 1 <= getattr(spec, field_name) <= MAX_THRESHOLD:
            raise Invalid(field_name, f"must be from 1 to {MAX_THRESHOLD}")
    tags = tuple(dict.fromkeys(clean_name(tag, "tags") for tag in spec.tags if tag.strip()))
    if len(tags) > MAX_TAGS:
        raise Invalid("tags", f"at most {MAX_TAGS} tags")
    try:
        rules = check_rules(spec.output_rules)
    except RuleError as exc:
        raise Invalid(exc.field, exc.message) from None
    return replace(spec, name=name, schedule=schedule, oncalendar=oncalendar, timezone=timezone,
                   tags=tags, output_rules=rules)


def spec_of(heartbeat: Heartbeat) -> HeartbeatSpec:
    return HeartbeatSpec(
        name=heartbeat.name, period=heartbeat.period, schedule=heartbeat.schedule,
        oncalendar=heartbeat.oncalendar,
        timezone=heartbeat.timezone, grace=heartbeat.grace, max_runtime=heartbeat.max_runtime,
        tags=tuple(heartbeat.tags), description=heartbeat.description,
        policy_id=heartbeat.policy_id, slug=heartbeat.slug,
        failure_threshold=heartbeat.failure_threshold,
        recovery_threshold=heartbeat.recovery_threshold,
        output_rules=rules_of(heartbeat.output_rules), min_runtime=heartbeat.min_runtime,
        early_tolerance=heartbeat.early_tolerance, early_fails=heartbeat.early_fails,
        depends_on=heartbeat.depends_on_id,
    )


def with_changes(spec: HeartbeatSpec, changes: Mapping[str, Any]) -> HeartbeatSpec:
    """Apply a partial edit. A period replaces a cron schedule and the other way round; only
    the fields in `NULLABLE` can be cleared with null."""
    for name, value in changes.items():
        if value is None and name not in NULLABLE:
            raise Invalid(name, "cannot be null; leave the field out to keep its value")
    values = {name: value for name, value in changes.items() if value is not None}
    given = [name for name in SCHEDULES if name in values]
    if len(given) > 1:
        raise Invalid(given[0], ONE_SCHEDULE)
    for name in given:  # one schedule replaces the others
        values.update({other: None for other in SCHEDULES if other != name})
    for name in NULLABLE & changes.keys():
        values[name] = changes[name]
    if "tags" in values:
        values["tags"] = tuple(values["tags"])
    if "output_rules" in values:
        values["output_rules"] = tuple(values["output_rules"])
    return replace(spec, **values)


async def create_heartbeat(
    session: AsyncSession, team_id: int, spec: HeartbeatSpec, now: datetime,
    *, token: str | None = None,
) -> Heartbeat:
    """A new heartbeat. `token` keeps a ping URL from elsewhere (e.g. a healthchecks.io UUID);
    by default a random one is made. A token or slug already taken is a `Conflict`."""
    spec = validate(spec, now)
    if token is not None and not looks_like_token(token):
        raise Invalid("token", "use 16 to 64 letters, digits, '_' or '-' (a UUID fits)")
    await check_policy(session, team_id, spec.policy_id)
    await check_dependency(session, team_id, None, spec.depends_on)
    heartbeat = Heartbeat(team_id=team_id, token=token or new_ping_token(),
                          status=Status.PENDING, created_at=now, updated_at=now)
    await _write_unique(session, heartbeat, _columns(spec))
    await _set_tags(session, heartbeat.id, spec.tags)
    return heartbeat


async def update_heartbeat(
    session: AsyncSession, heartbeat: Heartbeat, spec: HeartbeatSpec, now: datetime
) -> None:
    """Apply a new configuration; deadlines are recomputed from the same facts at `now`."""
    spec = validate(spec, now)
    await check_policy(session, heartbeat.team_id, spec.policy_id)
    await check_dependency(session, heartbeat.team_id, heartbeat.id, spec.depends_on)
    await _write_unique(session, heartbeat, _columns(spec))
    await _set_tags(session, heartbeat.id, spec.tags)
    facts, verdict = advance(facts_of(heartbeat), now)
    await settle(session, heartbeat, facts, verdict, now, cause="edited")


async def check_dependency(
    session: AsyncSession, team_id: int, heartbeat_id: int | None, depends_on: int | None
) -> None:
    """`depends_on` must be another heartbeat of the team, and not one that depends, however
    indirectly, on `heartbeat_id` (a loop would suppress both for ever)."""
    if depends_on is None:
        return
    if depends_on == heartbeat_id:
        raise Invalid("depends_on", "a heartbeat cannot depend on itself")
    current: int | None = depends_on
    for _ in range(MAX_DEPTH):
        row = (await session.execute(select(Heartbeat.team_id, Heartbeat.depends_on_id).where(
            Heartbeat.id == current))).first()
        if row is None or row.team_id != team_id:
            raise Invalid("depends_on", f"no heartbeat with id {current} in this team")
        if row.depends_on_id is None:
            return
        if row.depends_on_id == heartbeat_id:
            raise Invalid("depends_on", f"heartbeat {depends_on} depends on this one: a loop")
        current = row.depends_on_id
    raise Invalid("depends_on", f"a chain of dependencies is at most {MAX_DEPTH} long")


async def pause(session: AsyncSession, heartbeat: Heartbeat, now: datetime, actor: str) -> None:
    """Stop monitoring: pings are still recorded, nothing alerts, an open incident resolves."""
    if heartbeat.status is Status.PAUSED:
        return
    await _resolve_open_incident(session, heartbeat, now, actor, "the heartbeat was paused")
    facts = replace(facts_of(heartbeat), started_at=None, started_rid=None, started_early=False,
                    failures=0, successes=0)
    await settle(session, heartbeat, facts, Verdict(Status.PAUSED, None), now, cause="paused")


async def resume(session: AsyncSession, heartbeat: Heartbeat, now: datetime) -> None:
    """Monitor again, with a fresh period from now (or from the first ping if none ever came,
    paused or not)."""
    if heartbeat.status is not Status.PAUSED:
        return
    if heartbeat.last_ping_at is None:
        await settle(session, heartbeat, facts_of(heartbeat), Verdict(Status.PENDING, None), now,
                     cause="resumed")
        return
    facts, verdict = advance(replace(facts_of(heartbeat), status=Status.UP, anchor_at=now), now)
    await settle(session, heartbeat, facts, verdict, now, cause="resumed")


async def resolve_by_hand(
    session: AsyncSession, incident: Incident, now: datetime, actor: str
) -> Heartbeat:
    """A person closes the incident. A heartbeat still down gets a fresh period from now, so
    that a job that stays silent opens a new incident instead of being forgotten."""
    heartbeat = await session.get(Heartbeat, incident.heartbeat_id, with_for_update=True)
    assert heartbeat is not None
    await resolve_incident(session, incident, heartbeat, now, actor, "resolved by hand")
    if heartbeat.status is Status.DOWN:
        facts, verdict = advance(replace(facts_of(heartbeat), status=Status.UP, anchor_at=now,
                                         failures=0, successes=0), now)
        await settle(session, heartbeat, facts, verdict, now, cause="resolved by hand")
    return heartbeat


async def delete_heartbeat(
    session: AsyncSession, heartbeat: Heartbeat, *, now: datetime | None = None
) -> None:
    """Pings, flips and incidents go with it (ON DELETE CASCADE); incidents its open incident
    suppressed (of heartbeats that depend on it) page from `now`. Pass `now`: without it
    (older callers) they are released as of the heartbeat's last change."""
    if heartbeat.incident_id is not None:
        incident = await session.get(Incident, heartbeat.incident_id)
        if incident is not None:
            await release_suppressed(session, incident, now or heartbeat.updated_at)
    await session.execute(delete(Heartbeat).where(Heartbeat.id == heartbeat.id))


async def get_heartbeat(
    session: AsyncSession, team_id: int, heartbeat_id: int, *, for_update: bool = False
) -> Heartbeat:
    query = select(Heartbeat).where(Heartbeat.id == heartbeat_id, Heartbeat.team_id == team_id)
    heartbeat = await session.scalar(query.with_for_update() if for_update else query)
    if heartbeat is None:
        raise NotFound(f"no heartbeat with id {heartbeat_id}")
    return heartbeat


@dataclass(frozen=True)
class HeartbeatPage:
    items: Sequence[Heartbeat]
    next_cursor: int | None


async def list_heartbeats(
    session: AsyncSession, team_id: int, *, status: Status | None = None, tag: str | None = None,
    search: str | None = None, after: int | None = None, limit: int = 50,
) -> HeartbeatPage:
    """Oldest first, keyset-paginated on id so that a page costs the same at any depth."""
    query = select(Heartbeat).where(Heartbeat.team_id == team_id)
    if status is not None:
        query = query.where(Heartbeat.status == status)
    if search:
        query = query.where(Heartbeat.name_folded.contains(search.casefold(), autoescape=True))
    if after is not None:
        query = query.where(Heartbeat.id > after)
    if tag is not None:
        query = query.where(Heartbeat.id.in_(
            select(HeartbeatTag.heartbeat_id).where(HeartbeatTag.tag == tag)
        ))
    rows = (await session.scalars(query.order_by(Heartbeat.id).limit(limit + 1))).all()
    more = len(rows) > limit
    return HeartbeatPage(rows[:limit], rows[limit - 1].id if more else None)


async def names_by_id(
    session: AsyncSession, team_id: int, ids: Sequence[int]
) -> dict[int, str]:
    """The names of those of these heartbeats that are the team's, in one query."""
    if not ids:
        return {}
    rows = await session.execute(select(Heartbeat.id, Heartbeat.name).where(
        Heartbeat.team_id == team_id, Heartbeat.id.in_(set(ids))))
    return {row.id: row.name for row in rows}


async def incidents_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Incident]:
    if not ids:
        return {}
    rows = await session.scalars(select(Incident).where(Incident.id.in_(ids)))
    return {incident.id: incident for incident in rows}


async def recent_pings(
    session: AsyncSession, heartbeat_id: int, *, before: int | None = None, limit: int = 50
) -> Sequence[Ping]:
    query = select(Ping).where(Ping.heartbeat_id == heartbeat_id)
    if before is not None:
        query = query.where(Ping.id < before)
    return (await session.scalars(query.order_by(Ping.id.desc()).limit(limit))).all()


async def recent_flips(
    session: AsyncSession, heartbeat_id: int, *, limit: int = 50
) -> Sequence[Flip]:
    return (await session.scalars(
        select(Flip).where(Flip.heartbeat_id == heartbeat_id).order_by(Flip.id.desc()).limit(limit)
    )).all()


async def _resolve_open_incident(
    session: AsyncSession, heartbeat: Heartbeat, now: datetime, actor: str, detail: str
) -> None:
    if heartbeat.incident_id is None:
        return
    incident = await session.get(Incident, heartbeat.incident_id)
    if incident is not None:
        await resolve_incident(session, incident, heartbeat, now, actor, detail)


async def _write_unique(
    session: AsyncSession, heartbeat: Heartbeat, columns: Mapping[str, object]
) -> None:
    """Set `columns` and write the row in a savepoint, so that a token or slug taken, even by a
    transaction that committed a moment ago, is a `Conflict` that leaves the session usable,
    not a 500."""
    own_id, token, slug = heartbeat.id or 0, heartbeat.token, columns["slug"]
    try:
        async with session.begin_nested():
            for name, value in columns.items():
                setattr(heartbeat, name, value)
            session.add(heartbeat)
            await session.flush()
    except IntegrityError:
        if await session.scalar(
            select(Heartbeat.id).where(Heartbeat.token == token, Heartbeat.id != own_id)
        ):
            raise Conflict("another heartbeat already has this token") from None
        if slug is not None:
            raise Conflict(f"another heartbeat of this team already has the slug {slug!r}") \
                from None
        raise


async def _set_tags(session: AsyncSession, heartbeat_id: int, tags: Sequence[str]) -> None:
    await session.execute(delete(HeartbeatTag).where(HeartbeatTag.heartbeat_id == heartbeat_id))
    session.add_all(HeartbeatTag(heartbeat_id=heartbeat_id, tag=tag) for tag in tags)


def _columns(spec: HeartbeatSpec) -> dict[str, object]:
    return {
        "name": spec.name, "name_folded": spec.name.casefold(), "description": spec.description,
        "tags": list(spec.tags),
        "period": spec.period, "schedule": spec.schedule, "oncalendar": spec.oncalendar,
        "timezone": spec.timezone,
        "grace": spec.grace, "max_runtime": spec.max_runtime, "policy_id": spec.policy_id,
        "slug": spec.slug, "failure_threshold": spec.failure_threshold,
        "recovery_threshold": spec.recovery_threshold,
        "output_rules": [rule.to_json() for rule in spec.output_rules],
        "min_runtime": spec.min_runtime, "early_tolerance": spec.early_tolerance,
        "early_fails": spec.early_fails, "depends_on_id": spec.depends_on,
    }
